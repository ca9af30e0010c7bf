"""Sending email: queued in the transactional outbox (orgs.outbox) inside the caller's
transaction, rendered in the recipient's language and sent by a worker after commit.

Templates live in templates/emails/<name>.subject.txt, <name>.txt and <name>.html. The
subject and text parts are plain text, rendered without HTML escaping (`Smith & Sons`
stays `Smith & Sons`); the HTML part is escaped as any page is.

Every recipient reads the message in their own language (SPEC §7): `email_send` splits the
recipients into one message per language, and the links of a message to people whose
language is known carry `?lang=`, so the page the link opens (login, password, Set up now,
consent) speaks it too (orgs.middleware.LinkLanguageMiddleware).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import translation


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def english(label) -> str:
    """A lazily translated label (a choice's) as its English msgid, for an email context:
    the template translates it for each recipient (`|translated`, orgs/templatetags)."""
    with translation.override(None):
        return str(label)


def recipient_languages(addresses: list[str]) -> dict[str, str]:
    """The chosen language of each address that belongs to a person."""
    from orgs.models import Person

    rows = (
        Person.objects.annotate(address=Lower("email"))
        .filter(address__in=[address.lower() for address in addresses])
        .values_list("address", "language")
    )
    return {address: language for address, language in rows if language}


def language_groups(
    addresses: list[str], language: str | None = None, known: dict[str, str] | None = None
) -> list[tuple[str, bool, list[str]]]:
    """(language, known, addresses) per message: people in their own language, addresses
    of nobody yet in `language` (the caller's guess) or the default. `known` when the
    language of every address of the message is known, so its links may carry it.
    `known` (address -> language) saves the lookup when the caller has it already."""
    if known is None:
        known = recipient_languages(addresses)
    groups: dict[str, list[str]] = defaultdict(list)
    for address in addresses:
        groups[known.get(address) or language or settings.LANGUAGE_CODE].append(address)
    return [
        (lang, all(a in known for a in group), sorted(group))
        for lang, group in sorted(groups.items())
    ]


def with_link_language(value: Any, language: str) -> Any:
    """`value` with `lang=<language>` added to every link into the portal in it."""
    if isinstance(value, dict):
        return {key: with_link_language(item, language) for key, item in value.items()}
    if isinstance(value, list):
        return [with_link_language(item, language) for item in value]
    if isinstance(value, str) and value.startswith(settings.SITE_URL.rstrip("/") + "/"):
        parts = urlsplit(value)
        query = f"{parts.query}&lang={language}" if parts.query else f"lang={language}"
        return urlunsplit(parts._replace(query=query))
    return value


def email_send(
    *,
    to: list[str],
    template: str,
    context: dict[str, Any],
    language: str | None = None,
    attachments: tuple[dict[str, Any], ...] = (),
) -> None:
    """Queue `template` to `to`: one message per language among the recipients, each a
    row of the outbox written in the caller's transaction, so it is sent once that commits
    and not at all if it rolls back. `language` is for addresses of nobody known yet.

    `context` is stored as JSON, so it holds plain JSON values only. `attachments` are
    files made when the email is sent (`orgs.outbox.attachment("invoice_pdf", pk)`).
    """
    email_send_many(
        [
            Email(
                to=to,
                template=template,
                context=context,
                language=language,
                attachments=attachments,
            )
        ]
    )


@dataclass(frozen=True)
class Email:
    to: list[str]
    template: str
    context: dict[str, Any]
    language: str | None = None
    attachments: tuple[dict[str, Any], ...] = ()


def email_send_many(emails: list[Email]) -> None:
    """`email_send` for many messages at once (an invoice run's notices): one lookup of
    the recipients' languages and one insert into the outbox, whatever their number."""
    from orgs.outbox import enqueue_emails

    messages = [
        (email, sorted({address.lower() for address in email.to if address})) for email in emails
    ]
    known = recipient_languages(sorted({a for _email, to in messages for a in to}))
    rows = []
    for email, recipients in messages:
        if not recipients:
            continue
        for group_language, all_known, group in language_groups(
            recipients, email.language, known={a: known[a] for a in recipients if a in known}
        ):
            context = (
                with_link_language(email.context, group_language) if all_known else email.context
            )
            rows.append((group, email.template, context, group_language, email.attachments))
    enqueue_emails(rows)


def render_email(
    *, to: list[str], template: str, context: dict[str, Any], language: str | None = None
) -> tuple[str, str, str]:
    """(subject, text, html) of `template` for `to`, in `language` (email_send gives each
    message its recipients' language). Text parts use the `text` template engine, which
    does not HTML-escape."""
    if not language:
        groups = language_groups(to)
        language = groups[0][0] if len(groups) == 1 else settings.LANGUAGE_CODE
    context = {**context, "site_url": settings.SITE_URL}
    with translation.override(language):
        subject = render_to_string(f"emails/{template}.subject.txt", context, using="text")
        text = render_to_string(f"emails/{template}.txt", context, using="text")
        html = render_to_string(f"emails/{template}.html", context)
    return " ".join(subject.split()), text, html
