"""The cycle summaries (`CycleUsage`): rebuilt from the daily rows of the cycles a
computation touched, with their trend sums, days and billed-overage forecast
(`usage.cycle_forecast`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Count, ExpressionWrapper, F, Func, IntegerField, Max, Sum

from usage import cycle_forecast, rules
from usage.engine.load import _bulk_insert
from usage.models import (
    CycleUsage,
    DailyUsage,
)
from usage.selectors import terms_by_customer

# --- cycle summaries ------------------------------------------------------------------


class DaysSince(Func):
    """Whole days from the second date to the first."""

    output_field = IntegerField()
    arity = 2

    def _operands(self, compiler):
        later, earlier = (compiler.compile(e) for e in self.get_source_expressions())
        return later[0], earlier[0], (*later[1], *earlier[1])

    def as_sql(self, compiler, connection, **extra_context):
        later, earlier, params = self._operands(compiler)
        return f"CAST(ROUND(julianday({later}) - julianday({earlier})) AS INTEGER)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        later, earlier, params = self._operands(compiler)
        return f"({later} - {earlier})", params


CYCLE_USAGE_COLUMNS = [
    "customer_id",
    "cycle_start",
    "usage_type",
    "n",
    "sum_x",
    "sum_y",
    "sum_xy",
    "sum_xx",
    "last_x",
    "used",
    "commitment",
    "overage",
    "last_usage_date",
]


def cycle_usage_figures(daily_rows):
    """The `CycleUsage` columns (all but cycle_end) of `daily_rows` grouped by customer,
    cycle and usage type: the trend sums of usage/forecast.py and the cycle's highs."""
    x = DaysSince(F("usage_date"), F("cycle_start"))
    excess = ExpressionWrapper(
        F("units_used") - F("units_commitment") - F("units_substituted"),
        output_field=IntegerField(),
    )
    return (
        daily_rows.values("customer_id", "cycle_start", "usage_type")
        .annotate(
            n=Count("id"),
            sum_x=Sum(x),
            sum_y=Sum(excess),
            sum_xy=Sum(ExpressionWrapper(x * excess, output_field=IntegerField())),
            sum_xx=Sum(ExpressionWrapper(x * x, output_field=IntegerField())),
            last_x=Max(x),
            used=Max("units_used"),
            commitment=Max("units_commitment"),
            overage=Max("units_overage"),
            last_usage_date=Max("usage_date"),
        )
        .order_by()
        .values_list(*CYCLE_USAGE_COLUMNS)
    )


def cycle_usage_refresh(
    customer_ids: Iterable[int],
    cycle_starts: Iterable[date],
    *,
    cycle_ends: dict[tuple[int, date], date] | None = None,
) -> None:
    """Rebuild the `CycleUsage` rows of every cycle of `customer_ids` starting on one of
    `cycle_starts` from their daily rows: delete them, then insert one aggregate of the
    daily rows (so a cycle whose days are all gone loses its summary). Idempotent.

    The engine calls it for the days it writes; code that writes `DailyUsage` rows any
    other way (tests with `DailyUsageFactory`, data loads) must call it afterwards, or the
    partner usage view will not see those rows. `cycle_ends` maps (customer, cycle
    start) to the cycle's last day where known; the others are worked out from the
    customer's subscriptions.
    """
    ids, starts = sorted(set(customer_ids)), sorted(set(cycle_starts))
    if not ids or not starts:
        return
    with transaction.atomic():
        CycleUsage.objects.unscoped().filter(customer_id__in=ids, cycle_start__in=starts).delete()
        figures = list(
            cycle_usage_figures(
                DailyUsage.objects.unscoped().filter(customer_id__in=ids, cycle_start__in=starts)
            )
        )
        ends = dict(cycle_ends or {})
        missing = {(row[0], row[1]) for row in figures} - set(ends)
        if missing:
            ends.update(_cycle_ends(missing))
        forecasts = cycle_forecast.forecast_columns(ids, starts, ends)
        rows = [(*row, ends[(row[0], row[1])], *forecasts[row[:3]]) for row in figures]
        _bulk_insert(
            CycleUsage,
            [*CYCLE_USAGE_COLUMNS, "cycle_end", *cycle_forecast.FORECAST_COLUMNS],
            rows,
        )


def _cycle_ends(cycles: set[tuple[int, date]]) -> dict[tuple[int, date], date]:
    """Last day of each (customer, cycle start), from the customer's subscriptions; a
    cycle they no longer explain ends on the last day of the month after its start."""
    terms = terms_by_customer({c for c, _s in cycles})
    ends = {}
    for customer_id, start in cycles:
        cycle = rules.customer_billing_cycle(terms[customer_id], start)
        if cycle is None or cycle[0] != start:
            cycle = rules.billing_cycle(start.day, start)
        ends[(customer_id, start)] = cycle[1]
    return ends
