"""The forecast columns of the cycle summaries (`CycleUsage`), worked out by the engine when
it writes a day: the cycle's days as the summary keeps them, and the forecast of its
billed overage (`usage.forecast.forecast_overage`) from those days and the customer's
previous cycles' summaries. Pages read the stored figures and never recompute them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from usage import rules
from usage.forecast import DayFigures, PastCycle, forecast_overage
from usage.models import CycleUsage, DailyUsage

# Previous cycles a forecast reads: the named forecast's three (the peaks read six weeks).
HISTORY_DAYS = 100
FORECAST_COLUMNS = [
    "days",
    "forecast",
    "forecast_low",
    "forecast_high",
    "forecast_uncertain",
    "forecast_basis",
]

Key = tuple[int, date, str]  # customer, cycle start, usage type
# A named forecast also reads the other named type's cycles (agents come and go at one pace).
RELATED_TYPE = {
    rules.PREMIUM_NAMED_AGENT: rules.STANDARD_NAMED_AGENT,
    rules.STANDARD_NAMED_AGENT: rules.PREMIUM_NAMED_AGENT,
}


def _figures(start: date, days: Sequence[Sequence[int]]) -> list[DayFigures]:
    return [
        DayFigures(start + timedelta(days=x), used, commitment, substituted, overage)
        for x, used, commitment, substituted, overage in days
    ]


def _earlier(cycles: Sequence[PastCycle], start: date) -> list[PastCycle]:
    """The cycles of `cycles` a forecast of the cycle starting on `start` reads."""
    return [c for c in cycles if start - timedelta(days=HISTORY_DAYS) <= c.cycle_start < start]


def forecast_columns(
    ids: Sequence[int], starts: Sequence[date], ends: dict[tuple[int, date], date]
) -> dict[Key, tuple]:
    """The `FORECAST_COLUMNS` of every (customer, cycle start, usage type) of `ids` whose
    cycle starts on one of `starts` and has daily rows, in two queries: those cycles'
    daily rows, and the previous cycles' summaries within `HISTORY_DAYS`. Cycles refreshed
    together are worked oldest first, so a later one sees an earlier one as history."""
    days: dict[Key, list[list[int]]] = defaultdict(list)
    rows = (
        DailyUsage.objects.unscoped()
        .filter(customer_id__in=ids, cycle_start__in=starts)
        .order_by("customer_id", "usage_type", "usage_date")
        .values_list(
            "customer_id",
            "cycle_start",
            "usage_type",
            "usage_date",
            "units_used",
            "units_commitment",
            "units_substituted",
            "units_overage",
        )
    )
    for customer_id, start, usage_type, on, used, commitment, substituted, overage in rows:
        days[(customer_id, start, usage_type)].append(
            [(on - start).days, used, commitment, substituted, overage]
        )
    history: dict[tuple[int, str], list[PastCycle]] = defaultdict(list)
    past = (
        CycleUsage.objects.unscoped()
        .filter(
            customer_id__in=ids,
            cycle_start__gte=min(starts) - timedelta(days=HISTORY_DAYS),
            cycle_start__lt=max(starts),
        )
        .exclude(cycle_start__in=starts)
        .values_list("customer_id", "cycle_start", "cycle_end", "usage_type", "days")
    )
    for customer_id, start, end, usage_type, past_days in past:
        history[(customer_id, usage_type)].append(PastCycle(start, end, _figures(start, past_days)))
    columns: dict[Key, tuple] = {}
    for key in sorted(days, key=lambda k: k[1]):
        customer_id, start, usage_type = key
        end = ends[(customer_id, start)]
        figures = _figures(start, days[key])
        result = forecast_overage(
            usage_type,
            figures,
            cycle_start=start,
            cycle_end=end,
            history=_earlier(history.get((customer_id, usage_type), ()), start),
            related_history=_earlier(
                history.get((customer_id, RELATED_TYPE.get(usage_type)), ()), start
            ),
        )
        columns[key] = (
            days[key],
            result.point,
            result.low,
            result.high,
            result.uncertain,
            result.basis,
        )
        history[(customer_id, usage_type)].append(PastCycle(start, end, figures))
    return columns
