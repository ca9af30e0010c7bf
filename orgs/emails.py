"""Sending email: queued in the transactional outbox (orgs.outbox) inside the caller's
transaction, rendered in the recipient's language and sent by a worker after commit.

Templates live in templates/emails/<name>.subject.txt, <name>.txt and <name>.html. The
subject and text parts are plain text, rendered without HTML escaping (`Smith & Sons`
stays `Smith & Sons`); the HTML part is escaped as any page is.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def email_send(
    *, to: list[str], template: str, context: dict[str, Any], language: str | None = None
) -> None:
    """Queue `template` to `to`; it is sent once the surrounding transaction commits,
    and not at all if it rolls back.

    `context` is stored as JSON, so it holds plain JSON values only.
    """
    from orgs.outbox import enqueue_email

    recipients = sorted({address.lower() for address in to if address})
    if not recipients:
        return
    enqueue_email(to=recipients, template=template, context=context, language=language)


def email_language(to: list[str], language: str | None) -> str:
    """The language to write in: the one asked for, else a sole recipient's own."""
    from orgs.models import Person

    if not language and len(to) == 1:
        language = (
            Person.objects.filter(email__iexact=to[0]).values_list("language", flat=True).first()
        )
    return language or settings.LANGUAGE_CODE


def render_email(
    *, to: list[str], template: str, context: dict[str, Any], language: str | None = None
) -> tuple[str, str, str]:
    """(subject, text, html) of `template` for `to`. Text parts use the `text` template
    engine, which does not HTML-escape."""
    context = {**context, "site_url": settings.SITE_URL}
    with translation.override(email_language(to, language)):
        subject = render_to_string(f"emails/{template}.subject.txt", context, using="text")
        text = render_to_string(f"emails/{template}.txt", context, using="text")
        html = render_to_string(f"emails/{template}.html", context)
    return " ".join(subject.split()), text, html
