"""Celery tasks of the orgs app."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver_email(
    *, to: list[str], template: str, context: dict[str, Any], language: str | None = None
) -> None:
    """Render and send one email with text and HTML parts."""
    from orgs.models import Person

    if language is None and len(to) == 1:
        language = (
            Person.objects.filter(email__iexact=to[0]).values_list("language", flat=True).first()
        )
    context = {**context, "site_url": settings.SITE_URL}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}.subject.txt", context).strip()
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()
