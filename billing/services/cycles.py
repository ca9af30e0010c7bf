"""Which billing cycles are due to close, the billing lock, and computing the days they
still miss before they are invoiced."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Max

from billing.models import (
    ClosedCycle,
)
from usage import engine
from usage import rules as usage_rules
from usage.models import DailyUsage, DirtyDay
from usage.selectors import retention_start, terms_by_customer

DAY = timedelta(days=1)
# First key of the two-int advisory lock: "bill" in ASCII (usage.locks uses "usag").
LOCK_NAMESPACE = 0x62696C6C


# --- locks ----------------------------------------------------------------------------


def _try_lock(customer_ids: list[int]) -> set[int]:
    """Each free customer's billing lock, held until the transaction ends."""
    if not customer_ids or connection.vendor != "postgresql":
        return set(customer_ids)  # SQLite serialises every write transaction anyway
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c FROM unnest(%s::int[]) AS c WHERE pg_try_advisory_xact_lock(%s, c)",
            [list(customer_ids), LOCK_NAMESPACE],
        )
        return {row[0] for row in cursor.fetchall()}


# --- what to close ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    customer_id: int
    start: date
    end: date
    subscription_id: int


def closable_cycles(
    terms: list[usage_rules.SubscriptionTerms], first_day: date, through: date
) -> list[tuple[date, date, int]]:
    """The customer's billing cycles (start, end, primary subscription id) that start on
    or after `first_day` and end on or before `through`, oldest first. Days with no
    active subscription belong to no cycle and are skipped."""
    cycles = []
    day = first_day
    starts = sorted({t.start for t in terms})
    while day <= through:
        cycle = usage_rules.customer_billing_cycle(terms, day)
        if cycle is None:
            later = [s for s in starts if s > day]
            if not later:
                break
            day = later[0]
            continue
        start, end = cycle
        if end > through:
            break
        if start >= first_day:
            primary = usage_rules.primary_subscription(terms, start)
            cycles.append((start, end, primary.id))
        day = end + DAY
    return cycles


def cycles_to_close(customer_ids: list[int], through: date) -> list[Cycle]:
    """Every cycle of these customers that ended by `through` and is not closed: after
    the last closed one, or since the retention window's start for a customer never
    billed."""
    terms = terms_by_customer(customer_ids)
    last_closed = dict(
        ClosedCycle.objects.unscoped()
        .filter(customer_id__in=customer_ids)
        .order_by()
        .values("customer_id")
        .annotate(last=Max("cycle_end"))
        .values_list("customer_id", "last")
    )
    window = retention_start(through)
    found = []
    for customer_id in sorted(terms):
        subs = terms[customer_id]
        if customer_id in last_closed:
            first_day = last_closed[customer_id] + DAY
        else:
            first_day = max(window, min(t.start for t in subs))
        for start, end, primary in closable_cycles(subs, first_day, through):
            found.append(Cycle(customer_id, start, end, primary))
    return found


def _compute_missing_days(cycles: list[Cycle], through: date) -> set[int]:
    """Have the usage engine compute every day of `cycles` without rows, and every
    dirty day of their customers up to `through`. Returns the customers it could not
    compute (another run holds them): they are not billed in this run."""
    if not cycles:
        return set()
    ids = sorted({c.customer_id for c in cycles})
    first = min(c.start for c in cycles)
    computed = set(
        DailyUsage.objects.unscoped()
        .filter(customer_id__in=ids, usage_date__gte=first, usage_date__lte=through)
        .values("customer_id", "cycle_start")
        .annotate(days=Count("usage_date", distinct=True))
        .values_list("customer_id", "cycle_start", "days")
    )
    complete = {(c, s) for c, s, days in computed}
    days_of = {(c, s): days for c, s, days in computed}
    todo: dict[date, set[int]] = defaultdict(set)
    for cycle in cycles:
        length = (cycle.end - cycle.start).days + 1
        if (cycle.customer_id, cycle.start) in complete and days_of[
            (cycle.customer_id, cycle.start)
        ] == length:
            continue
        present = set(
            DailyUsage.objects.unscoped()
            .filter(
                customer_id=cycle.customer_id,
                usage_date__gte=cycle.start,
                usage_date__lte=cycle.end,
            )
            .values_list("usage_date", flat=True)
        )
        day = cycle.start
        while day <= cycle.end:
            if day not in present:
                todo[day].add(cycle.customer_id)
            day += DAY
    dirty = DirtyDay.objects.unscoped().filter(customer_id__in=ids, usage_date__lte=through)
    for customer_id, day in dirty.values_list("customer_id", "usage_date"):
        todo[day].add(customer_id)
    skipped: set[int] = set()
    for day in sorted(todo):
        skipped |= engine.compute_day(sorted(todo[day]), day).skipped
    return skipped
