"""Turning the counts into daily-detail rows, marking the cycle's overage peaks and
writing the day idempotently (delete then insert per (customer, day))."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from usage import rules
from usage.engine.cycles import cycle_usage_refresh
from usage.engine.load import _bulk_insert, _concurrent_used, _CustomerDay, _ivr_used
from usage.engine.named import _named_used
from usage.models import (
    DailyUsage,
)

DAILY_COLUMNS = [
    "customer_id",
    "subscription_id",
    "usage_date",
    "cycle_start",
    "usage_type",
    "units_used",
    "units_commitment",
    "units_substituted",
    "units_overage",
    "usage_unit",
    "comment",
    "computed_at",
]


# --- rows, peaks, writing -------------------------------------------------------------


def _rows(plan: dict[int, _CustomerDay], day: date) -> list[tuple[int, rules.DailyDetailRow]]:
    ids = sorted(plan)
    ivr = dict(zip(ids, _ivr_used(ids, day).tolist(), strict=True))
    used: dict[int, tuple[int, int]] = {}
    for model, counter in ((rules.CONCURRENT, _concurrent_used), (rules.NAMED, _named_used)):
        group = [c for c in ids if plan[c].agent_model == model]
        if not group:
            continue
        args = (group, day, plan) if model == rules.NAMED else (group, day)
        standard, premium = counter(*args)
        used.update(zip(group, zip(standard.tolist(), premium.tolist(), strict=True), strict=True))
    rows = []
    for c in ids:
        standard, premium = used[c]
        for row in rules.daily_detail_rows(
            day, plan[c].agent_model, plan[c].commitments, standard, premium, ivr[c]
        ):
            rows.append((c, row))
    return rows


def _mark_peaks(
    ids: list[int],
    day: date,
    plan: dict[int, _CustomerDay],
    rows: list[tuple[int, rules.DailyDetailRow]],
) -> list[tuple[int, rules.DailyDetailRow, int | None]]:
    """Comments of the day's rows and of stored rows of the same cycles whose peak moved.

    Only stored rows with overage or a comment can be or stop being a peak, so only those
    are read. Returns (customer, row, stored id or None for the new rows).
    """
    stored = DailyUsage.objects.unscoped().filter(customer_id__in=ids).exclude(usage_date=day)
    cycle_starts = {p.cycle[0] for p in plan.values()}
    candidates = (
        stored.filter(cycle_start__in=cycle_starts)
        .exclude(units_overage=0, comment="")
        .values_list(
            "pk",
            "customer_id",
            "usage_date",
            "cycle_start",
            "usage_type",
            "units_overage",
            "comment",
        )
    )
    # Customers with no rows today may still carry a stale peak on this day: deleting
    # the day's rows removes it, and the cycle's other rows keep their comments.
    by_customer: dict[int, list[tuple[rules.DailyDetailRow, int | None]]] = defaultdict(list)
    for c, row in rows:
        by_customer[c].append((row, None))
    for pk, c, usage_date, cycle_start, usage_type, overage, comment in candidates:
        if c in plan and cycle_start == plan[c].cycle[0]:
            by_customer[c].append(
                (
                    rules.DailyDetailRow(usage_date, usage_type, 0, 0, 0, overage, "", comment),
                    pk,
                )
            )
    result: list[tuple[int, rules.DailyDetailRow, int | None]] = []
    for c, entries in by_customer.items():
        marked = rules.mark_overage_peaks([row for row, _pk in entries], lambda _d: 0)
        for (row, pk), new in zip(entries, marked, strict=True):
            if pk is None:
                result.append((c, new, None))
            elif new.comment != row.comment:
                result.append((c, new, pk))
    return result


def _write(
    ids: list[int],
    day: date,
    plan: dict[int, _CustomerDay],
    rows: list[tuple[int, rules.DailyDetailRow, int | None]],
    computed_at: datetime,
) -> None:
    old = DailyUsage.objects.unscoped().filter(customer_id__in=ids, usage_date=day)
    # The cycles whose figures change: those of the rows replaced or deleted (a customer
    # with no subscription that day any more) and those of the new rows.
    cycle_starts = set(old.order_by().values_list("cycle_start", flat=True).distinct())
    cycle_starts |= {p.cycle[0] for p in plan.values()}
    old.delete()
    new = [(c, row) for c, row, pk in rows if pk is None]
    plan_rows = []
    for c, row in new:
        plan_rows.append(
            (
                c,
                plan[c].primary,
                row.usage_date,
                plan[c].cycle[0],
                row.usage_type,
                row.units_used,
                row.units_commitment,
                row.units_substituted,
                row.units_overage,
                row.usage_unit,
                row.comment,
                computed_at,
            )
        )
    _bulk_insert(DailyUsage, DAILY_COLUMNS, plan_rows)
    peaks = [pk for _c, row, pk in rows if pk is not None and row.comment == rules.OVERAGE_PEAK]
    cleared = [pk for _c, row, pk in rows if pk is not None and row.comment != rules.OVERAGE_PEAK]
    if peaks:
        DailyUsage.objects.unscoped().filter(pk__in=peaks).update(comment=rules.OVERAGE_PEAK)
    if cleared:
        DailyUsage.objects.unscoped().filter(pk__in=cleared).update(comment="")
    cycle_usage_refresh(
        ids, cycle_starts, cycle_ends={(c, p.cycle[0]): p.cycle[1] for c, p in plan.items()}
    )
