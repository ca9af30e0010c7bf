"""The email path through a real Celery worker process on Redis (not eager)."""

import email
import time
from email import policy
from pathlib import Path

import pytest

from orgs.tasks import deliver_email
from tests.factories import PersonFactory

pytestmark = pytest.mark.worker


def test_email_is_rendered_and_sent_by_the_worker(celery_worker_process):
    person = PersonFactory(email="nora@example.test", language="en")
    result = deliver_email.delay(
        to=[person.email],
        template="invitation",
        context={"organization": "Acme", "role": "Full admin", "invited_by": "Ada",
                 "set_password_url": "http://testserver/password-reset/x/y/"},
    )
    result.get(timeout=30)

    outbox = Path(celery_worker_process["OUTBOX_DIR"])
    deadline = time.monotonic() + 10
    while not list(outbox.glob("*.eml")) and time.monotonic() < deadline:
        time.sleep(0.1)
    (sent,) = outbox.glob("*.eml")
    message = email.message_from_bytes(sent.read_bytes(), policy=policy.default)
    assert message["To"] == "nora@example.test"
    assert "Acme" in message["Subject"]
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'href="http://testserver/password-reset/x/y/"' in html
    assert "http://testserver/password-reset/x/y/" in message.get_body(
        preferencelist=("plain",)
    ).get_content()
