"""The database side of the usage computation: events in, daily usage rows out.

`compute_days(customer_ids, first, last)` computes the daily-detail rows of those
customers for those days, one day per transaction. Sessions are read with a few
set-based queries straight into numpy arrays (no ORM object per event), counted by
`usage.engine_core` for all customers at once, turned into rows by `usage.rules` and
written idempotently (delete then insert per (customer, day)), and the summaries of the
cycles those days belong to (`CycleUsage`) are rebuilt from them in the same transaction
(`cycle_usage_refresh`). Named-agent counts are
cumulative over the cycle, so the first day each agent was seen in a cycle is kept
(`NamedAgentFirstDay`): a night reads one day of sessions, not the whole cycle's.

A computation takes each customer's advisory lock (usage.locks); a customer another
run is computing is skipped and its days marked dirty, so they are computed again later
rather than written twice at once.

The package: `load` (plans and sessions), `named` (named-agent first days), `write`
(rows, peaks, the idempotent write) and `cycles` (the cycle summaries). This module
holds the entry points and re-exports the names other code uses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from subscriptions.models import Subscription
from usage import locks
from usage.engine.cycles import (
    CYCLE_USAGE_COLUMNS,
    DaysSince,
    cycle_usage_figures,
    cycle_usage_refresh,
)
from usage.engine.load import DAY, LOOKBACK, _plan
from usage.engine.write import DAILY_COLUMNS, _mark_peaks, _rows, _write
from usage.models import DirtyDay

__all__ = [
    "CYCLE_USAGE_COLUMNS",
    "DAILY_COLUMNS",
    "DAY",
    "DIRTY_MARGIN",
    "LOOKBACK",
    "ComputeResult",
    "DaysSince",
    "compute_day",
    "compute_days",
    "customers_billable_between",
    "cycle_usage_figures",
    "cycle_usage_refresh",
    "dirty_work",
]

# Dirty marks younger than this at the start of a run survive it: the event that made
# them may not have been committed when the run read the sessions.
DIRTY_MARGIN = timedelta(minutes=1)


@dataclass
class ComputeResult:
    days: int = 0
    rows: int = 0
    skipped: set[int] = field(default_factory=set)  # customers another run was computing

    def add(self, other: ComputeResult) -> None:
        self.days += other.days
        self.rows += other.rows
        self.skipped |= other.skipped


# --- public entry points --------------------------------------------------------------


def customers_billable_between(first: date, last: date) -> list[int]:
    """Ids of customers with a billable subscription active on some day first..last."""
    return sorted(
        set(
            Subscription.objects.unscoped()
            .exclude(status=Subscription.Status.PENDING_SETUP)
            .filter(start_date__lte=last)
            .exclude(end_date__lt=first)
            .values_list("customer_id", flat=True)
        )
    )


def compute_days(
    customer_ids: Iterable[int],
    first: date,
    last: date,
    *,
    after_day: Callable[[date], None] | None = None,
) -> ComputeResult:
    """Compute and store the rows of `customer_ids` for first..last, a day at a time.

    Days go in ascending order so that named-agent first days grow night by night.
    `after_day(day)` runs after each day is committed (progress bars, tests).
    """
    ids = sorted(set(customer_ids))
    result = ComputeResult()
    day = first
    while day <= last:
        result.add(compute_day(ids, day))
        if after_day is not None:
            after_day(day)
        day += DAY
    return result


def compute_day(customer_ids: Sequence[int], day: date) -> ComputeResult:
    """Compute and store one day's rows for `customer_ids`, in one transaction."""
    started = timezone.now()
    with transaction.atomic():
        taken = locks.try_customers(list(customer_ids))
        skipped = set(customer_ids) - taken
        ids = sorted(taken)
        plan = _plan(ids, day)
        rows = _rows(plan, day) if plan else []
        rows = _mark_peaks(ids, day, plan, rows)
        _write(ids, day, plan, rows, started)
        DirtyDay.objects.unscoped().filter(
            customer_id__in=ids, usage_date=day, marked_at__lte=started - DIRTY_MARGIN
        ).delete()
    if skipped:
        # After our commit, holding no lock: the run that holds these cannot wait on us.
        DirtyDay.objects.unscoped().bulk_create(
            [DirtyDay(customer_id=c, usage_date=day, marked_at=started) for c in skipped],
            update_conflicts=True,
            unique_fields=["customer", "usage_date"],
            update_fields=["marked_at"],
        )
    written = sum(1 for _c, _row, pk in rows if pk is None)
    return ComputeResult(days=1, rows=written, skipped=skipped)


def dirty_work(limit: int = 5000) -> dict[date, list[int]]:
    """Dirty days to recompute, as customers by day (oldest days first)."""
    by_day: dict[date, list[int]] = defaultdict(list)
    marks = DirtyDay.objects.unscoped().order_by("usage_date", "customer_id")
    for customer_id, day in marks.values_list("customer_id", "usage_date")[:limit]:
        by_day[day].append(customer_id)
    return dict(by_day)
