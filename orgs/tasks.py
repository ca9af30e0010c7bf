"""Celery tasks of the orgs app."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(ignore_result=True)
def deliver_outbox() -> dict[str, int]:
    """Send the outbox's due emails (woken after each commit, and every minute by beat)."""
    from orgs.outbox import deliver_due

    return deliver_due()


@shared_task
def deliver_email(
    *, to: list[str], template: str, context: dict[str, Any], language: str | None = None
) -> None:
    """Messages published before the outbox existed: queue them in it."""
    from orgs.outbox import enqueue_email

    enqueue_email(to=to, template=template, context=context, language=language)
