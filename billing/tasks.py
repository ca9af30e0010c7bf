"""Closing cycles daily (SPEC §6): one beat entry fans the billable customers out in
chunks; each task takes ids and a date and is safe to run twice."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings

from billing import services
from usage import engine
from usage.selectors import retention_start


@shared_task
def issue_invoices(through: str | None = None) -> int:
    """One task per chunk of billable customers."""
    day = date.fromisoformat(through) if through else services.yesterday()
    ids = engine.customers_billable_between(retention_start(day), day)
    size = settings.BILLING_CHUNK_SIZE
    parts = [ids[i : i + size] for i in range(0, len(ids), size)]
    for part in parts:
        issue_invoices_chunk.delay(customer_ids=part, through=day.isoformat())
    return len(parts)


@shared_task(acks_late=True)
def issue_invoices_chunk(*, customer_ids: list[int], through: str) -> dict:
    result = services.invoices_issue(customer_ids, through=date.fromisoformat(through))
    return {
        "closed": result.closed,
        "invoices": len(result.invoices),
        "busy": sorted(result.skipped),
    }
