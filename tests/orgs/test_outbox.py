"""The transactional outbox: an email exists exactly when the change that caused it
commits, is sent once, retries with backoff, and a broker outage neither fails the
request nor loses the email."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from orgs import outbox
from orgs.emails import email_send, render_email
from orgs.models import QueuedEmail
from orgs.roles import Role

CONTEXT = {"organization": "Smith & Sons <Ltd>", "role": "Full admin", "invited_by": "Ada",
           "set_password_url": "http://testserver/password-reset/x/y/"}


@pytest.mark.django_db
def test_an_email_of_a_rolled_back_change_is_never_queued(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        email_send(to=["a@example.test"], template="invitation", context=CONTEXT)
        raise RuntimeError("the change fails")
    assert not QueuedEmail.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_committed_email_is_queued_then_sent_once(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email_send(to=["A@Example.test"], template="invitation", context=CONTEXT)
        row = QueuedEmail.objects.get()
        assert row.status == QueuedEmail.Status.QUEUED and mailoutbox == []
    row.refresh_from_db()
    assert row.status == QueuedEmail.Status.SENT and row.sent_at and row.attempts == 1
    assert row.subject == "You are invited to Smith & Sons <Ltd> on Switchboard"
    (message,) = mailoutbox
    assert message.to == ["a@example.test"]
    # A second sweep finds nothing to send.
    assert outbox.deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_broker_outage_leaves_the_email_queued_and_the_request_answers(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    from portal.celery import app

    # A Redis that refuses connections (nothing listens on port 1).
    broker_url = app.conf.broker_url
    app.conf.task_always_eager = False  # the autouse fixture sets it back
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    started = time.monotonic()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("password_reset"), {"email": world.a[Role.CUSTOMER_FULL_ADMIN].email}
            )
    finally:
        app.conf.broker_url = broker_url
    assert response.status_code == 302
    assert time.monotonic() - started < 5  # it was ~19 s of kombu retries
    row = QueuedEmail.objects.get(template="password_reset")
    assert row.status == QueuedEmail.Status.QUEUED and mailoutbox == []
    # The beat sweep, once the broker is back.
    assert outbox.deliver_due()["sent"] == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [world.a[Role.CUSTOMER_FULL_ADMIN].email]


@pytest.mark.django_db
def test_a_failing_send_retries_with_backoff_then_is_marked_failed(monkeypatch, mailoutbox):
    email_send(to=["a@example.test"], template="invitation", context=CONTEXT)
    calls = []

    def smtp_down(self, *args, **kwargs):
        calls.append(1)
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", smtp_down)
    row = QueuedEmail.objects.get()
    before = timezone.now()
    assert outbox.deliver_due() == {"sent": 0, "retry": 1, "failed": 0}
    row.refresh_from_db()
    assert row.status == QueuedEmail.Status.QUEUED and row.attempts == 1
    assert "SMTP server unreachable" in row.last_error
    assert row.next_attempt_at >= before + timedelta(seconds=30)
    # Not due yet: the sweep leaves it alone.
    assert outbox.deliver_due()["retry"] == 0 and len(calls) == 1
    for attempt in range(2, outbox.MAX_ATTEMPTS + 1):
        QueuedEmail.objects.update(next_attempt_at=timezone.now())
        outbox.deliver_due()
        row.refresh_from_db()
        assert row.attempts == attempt
    assert row.status == QueuedEmail.Status.FAILED
    assert outbox.backoff(2) == timedelta(seconds=60)
    assert outbox.backoff(30) == timedelta(hours=6)


def test_subjects_and_text_are_not_html_escaped_but_html_is():
    subject, text, html = render_email(
        to=["a@example.test"], template="invitation", context=CONTEXT, language="en"
    )
    assert subject == "You are invited to Smith & Sons <Ltd> on Switchboard"
    assert "Smith & Sons <Ltd>" in text and "&amp;" not in text
    assert "Smith &amp; Sons &lt;Ltd&gt;" in html and "Smith & Sons <Ltd>" not in html


@pytest.mark.django_db
def test_the_admin_and_dev_outbox_list_queued_sent_and_failed(admin_client, settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "orgs.mail.OutboxBackend"
    for status in QueuedEmail.Status.values:
        QueuedEmail.objects.create(to=[f"{status}@example.test"], template="invitation",
                                   context=CONTEXT, status=status, subject=f"Subject {status}")
    page = admin_client.get(reverse("admin:orgs_queuedemail_changelist")).content.decode()
    for status in ("Queued", "Sent", "Failed"):
        assert status in page
    page = admin_client.get(reverse("outbox")).content.decode()
    assert "Queued: 1 · Sent: 1 · Failed: 1" in page
    assert "failed@example.test" in page and "queued@example.test" in page


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_email_exactly_once(mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    QueuedEmail.objects.bulk_create(
        QueuedEmail(to=[f"p{k}@example.test"], template="invitation", context=CONTEXT)
        for k in range(30)
    )
    slow_send = mail.EmailMultiAlternatives.send

    def slow(self, *args, **kwargs):
        time.sleep(0.02)
        return slow_send(self, *args, **kwargs)

    mail.EmailMultiAlternatives.send = slow
    results: list[dict] = []
    try:
        def run():
            try:
                results.append(outbox.deliver_due())
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        mail.EmailMultiAlternatives.send = slow_send
    assert sum(r["sent"] for r in results) == 30
    assert sorted(m.to[0] for m in mailoutbox) == sorted(f"p{k}@example.test" for k in range(30))
    assert all(r["sent"] > 0 for r in results), results  # they shared the work


# --- attachments: made when the email is sent, by a maker the settings allow ---------------

MADE: list[tuple] = []


def note_attachment(name: str, copies: int) -> tuple[str, bytes, str]:
    """A maker for the tests (settings.OUTBOX_ATTACHMENTS["note"]): records the language it
    ran in, so the tests see it ran at delivery, in the message's language."""
    from django.utils import translation

    MADE.append((name, copies, translation.get_language()))
    if name == "broken":
        raise OSError("the file cannot be made now")
    return f"{name}.txt", (name * copies).encode(), "text/plain"


@pytest.fixture
def note_maker(settings):
    settings.OUTBOX_ATTACHMENTS = {"note": "tests.orgs.test_outbox.note_attachment"}
    MADE.clear()
    yield
    MADE.clear()


@pytest.mark.django_db
def test_an_attachment_is_made_at_delivery_in_the_messages_language(note_maker, mailoutbox):
    email_send(
        to=["a@example.test"],
        template="invitation",
        context=CONTEXT,
        language="fr",
        attachments=(outbox.attachment("note", "hello", 2),),
    )
    row = QueuedEmail.objects.get()
    assert row.attachments == [{"maker": "note", "args": ["hello", 2]}] and MADE == []
    assert outbox.deliver_due()["sent"] == 1
    assert MADE == [("hello", 2, "fr")]
    (message,) = mailoutbox
    assert message.attachments == [("hello.txt", "hellohello", "text/plain")]


@pytest.mark.django_db
def test_a_failing_maker_leaves_the_email_queued_for_the_retry(note_maker, mailoutbox):
    email_send(
        to=["a@example.test"],
        template="invitation",
        context=CONTEXT,
        attachments=(outbox.attachment("note", "broken", 1),),
    )
    assert outbox.deliver_due() == {"sent": 0, "retry": 1, "failed": 0}
    row = QueuedEmail.objects.get()
    assert row.status == QueuedEmail.Status.QUEUED and row.attempts == 1
    assert "OSError: the file cannot be made now" in row.last_error
    assert mailoutbox == []  # never sent without its file
    # Once the maker works again, the retry sends it with the file.
    QueuedEmail.objects.update(
        next_attempt_at=timezone.now(), attachments=[{"maker": "note", "args": ["ok", 1]}]
    )
    assert outbox.deliver_due()["sent"] == 1
    assert mailoutbox[0].attachments == [("ok.txt", "ok", "text/plain")]


@pytest.mark.django_db
@pytest.mark.parametrize("maker", ["nope", "tests.orgs.test_outbox.note_attachment", "os.system"])
def test_an_unknown_maker_is_refused_and_nothing_is_queued(note_maker, maker):
    with pytest.raises(outbox.UnknownAttachment, match=r"not in settings\.OUTBOX_ATTACHMENTS"):
        outbox.attachment(maker, 1)
    with pytest.raises(outbox.UnknownAttachment):
        email_send(
            to=["a@example.test"],
            template="invitation",
            context=CONTEXT,
            attachments=({"maker": maker, "args": [1]},),
        )
    assert not QueuedEmail.objects.exists()


@pytest.mark.django_db
def test_a_row_whose_maker_left_the_settings_is_not_sent_but_kept(note_maker, mailoutbox):
    QueuedEmail.objects.create(
        to=["a@example.test"],
        template="invitation",
        context=CONTEXT,
        attachments=[{"maker": "gone", "args": []}],
    )
    assert outbox.deliver_due() == {"sent": 0, "retry": 1, "failed": 0}
    assert "UnknownAttachment" in QueuedEmail.objects.get().last_error and mailoutbox == []


@pytest.mark.django_db
def test_the_dev_outbox_shows_and_serves_attachments(note_maker, admin_client, settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "orgs.mail.OutboxBackend"
    settings.OUTBOX_DIR = tmp_path
    email_send(
        to=["a@example.test"],
        template="invitation",
        context=CONTEXT,
        attachments=(outbox.attachment("note", "report", 3),),
    )
    outbox.deliver_due()
    listing = admin_client.get(reverse("outbox")).content.decode()
    (eml,) = tmp_path.glob("*.eml")
    link = reverse("outbox-attachment", args=[eml.stem, 1])
    assert f'href="{link}"' in listing and "report.txt" in listing and "18\xa0bytes" in listing
    page = admin_client.get(reverse("outbox-message", args=[eml.stem])).content.decode()
    assert "report.txt" in page and "text/plain" in page and f'href="{link}"' in page
    download = admin_client.get(link)
    assert download.content == b"reportreportreport"
    assert download["Content-Type"] == "text/plain"
    assert 'filename="report.txt"' in download["Content-Disposition"]
    assert admin_client.get(reverse("outbox-attachment", args=[eml.stem, 2])).status_code == 404
    assert admin_client.get(reverse("outbox-attachment", args=["nope", 1])).status_code == 404
    settings.DEBUG = False
    assert admin_client.get(link).status_code == 404
