"""Sending email: rendered in the recipient's language by a Celery task after commit.

Templates live in templates/emails/<name>.subject.txt, <name>.txt and <name>.html.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def email_send(
    *, to: list[str], template: str, context: dict[str, Any], language: str | None = None
) -> None:
    """Queue `template` to `to` once the surrounding transaction commits.

    `context` crosses the broker, so it holds plain JSON values only.
    """
    from orgs.tasks import deliver_email

    recipients = sorted({address.lower() for address in to if address})
    if not recipients:
        return
    transaction.on_commit(
        lambda: deliver_email.delay(
            to=recipients, template=template, context=context, language=language
        )
    )
