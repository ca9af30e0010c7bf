"""Nightly usage computation (SPEC §5): one beat entry fans yesterday out in chunks of
customers so several workers share it; another recomputes the days late events touched.
Every task takes ids and dates, and writing a (customer, day) twice gives the same rows."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.conf import settings

from orgs import clock
from usage import engine
from usage.alerts.services import alerts_evaluate


def chunks(ids: list[int], size: int | None = None) -> list[list[int]]:
    size = size or settings.USAGE_CHUNK_SIZE
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@shared_task
def compute_yesterday(day: str | None = None) -> int:
    """Fan the day's computation out: one task per chunk of customers."""
    day_ = date.fromisoformat(day) if day else clock.today() - timedelta(days=1)
    ids = engine.customers_billable_between(day_, day_)
    parts = chunks(ids)
    for part in parts:
        compute_usage_chunk.delay(customer_ids=part, first=day_.isoformat(), last=day_.isoformat())
    return len(parts)


@shared_task(acks_late=True)
def compute_usage_chunk(*, customer_ids: list[int], first: str, last: str) -> dict:
    """Compute and store first..last for these customers (a day per transaction), then
    have their overage alerts evaluated."""
    result = engine.compute_days(customer_ids, date.fromisoformat(first), date.fromisoformat(last))
    computed = [c for c in customer_ids if c not in result.skipped]
    if computed:
        evaluate_alerts_chunk.delay(customer_ids=computed, first=first, last=last)
    return {"days": result.days, "rows": result.rows, "skipped": sorted(result.skipped)}


@shared_task
def evaluate_alerts_chunk(*, customer_ids: list[int], first: str, last: str) -> int:
    """Raise and email the overage alerts these customers' computed days call for. Safe
    to run twice: an alert is raised once per threshold, usage type and cycle."""
    first_day, last_day = date.fromisoformat(first), date.fromisoformat(last)
    raised = 0
    for offset in range((last_day - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        for customer_id in customer_ids:
            raised += len(alerts_evaluate(customer_id=customer_id, day=day))
    return raised


@shared_task
def recompute_dirty_days(limit: int = 5000) -> int:
    """Recompute the (customer, day)s that late events touched, oldest day first.

    Days of one named customer's cycle go in order, so its first days are rebuilt once
    and then grown a day at a time. A customer another run holds stays dirty for the
    next sweep.
    """
    work = engine.dirty_work(limit)
    for day, customer_ids in sorted(work.items()):
        for part in chunks(customer_ids):
            result = engine.compute_day(part, day)
            computed = [c for c in part if c not in result.skipped]
            if computed:
                evaluate_alerts_chunk.delay(
                    customer_ids=computed, first=day.isoformat(), last=day.isoformat()
                )
    return sum(len(ids) for ids in work.values())
