"""The transactional outbox: every outgoing email is a row written in the transaction of
the change that causes it, and a worker delivers it after commit.

- `enqueue_email` stores the row (and asks for a delivery once the transaction commits);
  if the broker is unreachable the request does not wait or fail: the row stays queued.
- `deliver_due` sends what is due, each row under `SELECT ... FOR UPDATE SKIP LOCKED`, so
  two workers never send the same email, and marks it sent in the same transaction.
  Failures retry with exponential backoff; after MAX_ATTEMPTS the row is marked failed.
- Celery beat runs the sweep every minute (`orgs-deliver-outbox`), so nothing queued while
  Redis was down stays behind once it is back.

Rendering (orgs.emails.render_email) and delivery are separate steps: the row keeps the
template, its JSON context and language; the worker renders it when it sends.

Attachments are made at the same moment, never stored: the row keeps a reference to a
maker, a name in `settings.OUTBOX_ATTACHMENTS` (an allow-list of dotted paths, e.g.
`"invoice_pdf": "billing.pdf.invoice_attachment"`, so `orgs` imports no other app) and
its JSON arguments (`attachment("invoice_pdf", invoice.pk)`). The worker resolves the
name with `import_string` and calls it in the message's language; it returns
`(filename, content, mimetype)`. A maker that fails fails the delivery: the row retries
like any other failure, so the email is never sent without its file, nor lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 60 * 60
BATCH = 50


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 6 h, after the `attempts`-th failure."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_CAP_SECONDS))


class UnknownAttachment(ValueError):
    """An attachment maker that settings.OUTBOX_ATTACHMENTS does not name."""


def attachment(maker: str, *args: Any) -> dict[str, Any]:
    """A file to attach when the email is sent: `maker` (a name of
    settings.OUTBOX_ATTACHMENTS) called with `args` (JSON values). Refuses unknown names
    now, not at the worker."""
    attachment_maker(maker)
    return {"maker": maker, "args": list(args)}


def attachment_maker(name: str):
    """The callable `name` stands for in settings.OUTBOX_ATTACHMENTS."""
    makers = getattr(settings, "OUTBOX_ATTACHMENTS", {})
    if not isinstance(name, str) or name not in makers:
        raise UnknownAttachment(
            f"unknown attachment maker {name!r}: not in settings.OUTBOX_ATTACHMENTS"
        )
    return import_string(makers[name])


def enqueue_email(
    *,
    to: list[str],
    template: str,
    context: dict[str, Any],
    language: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
):
    return enqueue_emails([(to, template, context, language, attachments or [])])[0]


def enqueue_emails(messages: list[tuple]):
    """Write (to, template, context, language[, attachments]) messages into the outbox in
    one insert, in the caller's transaction; the worker is woken once it commits.
    Attachments are `attachment(...)` references; an unknown maker refuses the lot."""
    from orgs.models import QueuedEmail

    rows = []
    for to, template, context, language, *rest in messages:
        attachments = list(rest[0]) if rest else []
        for item in attachments:
            attachment_maker(item["maker"])
        rows.append(
            QueuedEmail(
                to=to,
                template=template,
                context=context,
                language=language or "",
                attachments=attachments,
            )
        )
    rows = QueuedEmail.objects.bulk_create(rows)
    if rows:
        transaction.on_commit(wake_worker)
    return rows


def wake_worker() -> None:
    """Ask a worker to deliver now; the minute sweep covers it if the broker is down."""
    from orgs.tasks import deliver_outbox

    app = deliver_outbox.app  # the portal's Celery app, without orgs importing portal
    if app.conf.task_always_eager:
        deliver_outbox.apply()
        return
    try:
        # Its own connection, told not to retry: a refused or silent broker costs this
        # request at most the connect timeout, never kombu's retry loop.
        options = {**(app.conf.broker_transport_options or {}), "max_retries": 0}
        with app.connection_for_write(transport_options=options) as connection:
            deliver_outbox.apply_async(connection=connection, retry=False, ignore_result=True)
    except Exception as error:  # the broker is down: the row waits for the sweep
        logger.warning("Outbox: broker unreachable, email left for the sweep (%s)", error)


def _send_one(row) -> None:
    from orgs.emails import render_email

    subject, text, html = render_email(
        to=row.to, template=row.template, context=row.context, language=row.language or None
    )
    row.subject = subject[:300]
    message = EmailMultiAlternatives(subject=subject, body=text, to=row.to)
    message.attach_alternative(html, "text/html")
    for item in row.attachments or []:
        maker = attachment_maker(item["maker"])
        with translation.override(row.language or settings.LANGUAGE_CODE):
            filename, content, mimetype = maker(*item.get("args", []))
        message.attach(filename, content, mimetype)
    message.send()


def deliver_due(limit: int = 500) -> dict[str, int]:
    """Send every queued email that is due (up to `limit`); returns counts by outcome."""
    from orgs.models import QueuedEmail

    counts = {"sent": 0, "retry": 0, "failed": 0}
    for _ in range(limit):
        with transaction.atomic():
            row = (
                QueuedEmail.objects.select_for_update(skip_locked=True)
                .filter(status=QueuedEmail.Status.QUEUED, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "id")
                .first()
            )
            if row is None:
                break
            try:
                _send_one(row)
            except Exception as error:
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:2000]
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = QueuedEmail.Status.FAILED
                    counts["failed"] += 1
                    logger.error("Outbox: email %s failed for good: %s", row.pk, row.last_error)
                else:
                    row.next_attempt_at = timezone.now() + backoff(row.attempts)
                    counts["retry"] += 1
                    logger.warning("Outbox: email %s will retry: %s", row.pk, row.last_error)
            else:
                row.status = QueuedEmail.Status.SENT
                row.sent_at = timezone.now()
                row.attempts += 1
                row.last_error = ""
                counts["sent"] += 1
            row.save(
                update_fields=[
                    "status", "attempts", "next_attempt_at", "last_error", "subject", "sent_at"
                ]
            )
    return counts
