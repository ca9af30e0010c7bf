"""Forecast of a cycle's billed overage from the trend so far: pure, no database.

Method (also explained on the pages that show it): for each usage type, the daily
*excess* is ``units used − units commitment − units substituted`` (negative while there is
headroom; its positive part is the day's overage). A straight line is fitted through the
days computed so far by least squares, and projected to every remaining day of the cycle.
The billed overage of a cycle is its highest daily overage, so the forecast is the higher
of the billed overage so far and the highest projected daily overage, rounded half up.
With one day so far the trend is flat (that day's excess). A falling trend never
forecasts less than what is already billed.

The fit only needs five sums (n, Σx, Σy, Σxy, Σx²), so the partner usage view can let
the database add them up for thousands of customers at once and call `forecast_from_sums`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction


@dataclass(frozen=True)
class DayFigures:
    """One day of one usage type, as the daily detail shows it."""

    usage_date: date
    used: int
    commitment: int
    substituted: int = 0
    overage: int = 0

    @property
    def excess(self) -> int:
        return self.used - self.commitment - self.substituted


@dataclass(frozen=True)
class TrendSums:
    """What a least-squares line needs; x is days since the cycle start, y the excess."""

    n: int = 0
    sum_x: int = 0
    sum_y: int = 0
    sum_xy: int = 0
    sum_xx: int = 0

    @classmethod
    def of(cls, points: Iterable[tuple[int, int]]) -> TrendSums:
        n = sum_x = sum_y = sum_xy = sum_xx = 0
        for x, y in points:
            n += 1
            sum_x += x
            sum_y += y
            sum_xy += x * y
            sum_xx += x * x
        return cls(n, sum_x, sum_y, sum_xy, sum_xx)


@dataclass(frozen=True)
class Forecast:
    billed_so_far: int
    billed_forecast: int
    slope_per_day: Fraction  # excess units gained (or lost) per day
    projected_last_day: Fraction | None  # the trend's excess on the cycle's last day

    @property
    def extra(self) -> int:
        """Overage the trend adds to what is already billed."""
        return self.billed_forecast - self.billed_so_far


def round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def fit_line(sums: TrendSums) -> tuple[Fraction, Fraction]:
    """(intercept, slope) of the least-squares line; flat through the mean when the days
    cannot give a slope (one day, or all on the same x)."""
    if sums.n == 0:
        return Fraction(0), Fraction(0)
    denominator = sums.n * sums.sum_xx - sums.sum_x * sums.sum_x
    if denominator == 0:
        return Fraction(sums.sum_y, sums.n), Fraction(0)
    slope = Fraction(sums.n * sums.sum_xy - sums.sum_x * sums.sum_y, denominator)
    intercept = (sums.sum_y - slope * sums.sum_x) / sums.n
    return intercept, slope


def _line(sums: TrendSums) -> tuple[int, int, int]:
    """(base, slope numerator, scale): the line's value at x is (base + slope·n·x) / scale.

    With D = nΣx² − (Σx)² and S = nΣxy − ΣxΣy, the value at x is
    (Σy·D − S·Σx + S·n·x) / (n·D); exact integers (the partner view runs this for
    thousands of rows, where Fractions are too slow)."""
    n = sums.n
    denominator = n * sums.sum_xx - sums.sum_x * sums.sum_x
    if denominator == 0:  # one day, or every day on the same x: a flat line
        slope_num, denominator = 0, 1
    else:
        slope_num = n * sums.sum_xy - sums.sum_x * sums.sum_y
    return sums.sum_y * denominator - slope_num * sums.sum_x, slope_num, n * denominator


def billed_forecast_from_sums(
    sums: TrendSums, *, billed_so_far: int, last_x: int, cycle_last_x: int
) -> int:
    """`forecast_from_sums(...).billed_forecast` alone, in integers only."""
    if sums.n == 0 or cycle_last_x <= last_x:
        return billed_so_far
    base, slope_num, scale = _line(sums)
    # A straight line peaks at one end of the remaining days.
    best_x = cycle_last_x if slope_num >= 0 else last_x + 1
    numerator = base + slope_num * sums.n * best_x
    projected = max(0, (2 * numerator + scale) // (2 * scale))  # rounded half up
    return max(billed_so_far, projected)


def forecast_from_sums(
    sums: TrendSums, *, billed_so_far: int, last_x: int, cycle_last_x: int
) -> Forecast:
    """Forecast from the trend sums. `last_x` is the last day computed so far and
    `cycle_last_x` the cycle's last day, both counted in days from the cycle start."""
    n = sums.n
    if n == 0:
        return Forecast(billed_so_far, billed_so_far, Fraction(0), None)
    base, slope_num, scale = _line(sums)
    projected_end = None
    if cycle_last_x > last_x:
        projected_end = Fraction(base + slope_num * n * cycle_last_x, scale)
    return Forecast(
        billed_so_far=billed_so_far,
        billed_forecast=billed_forecast_from_sums(
            sums, billed_so_far=billed_so_far, last_x=last_x, cycle_last_x=cycle_last_x
        ),
        slope_per_day=Fraction(slope_num * n, scale),
        projected_last_day=projected_end,
    )


def forecast_billed_overage(
    days: Iterable[DayFigures], *, cycle_start: date, cycle_end: date
) -> Forecast:
    """The forecast billed overage of one usage type from its days so far in the cycle."""
    days = [day for day in days if cycle_start <= day.usage_date <= cycle_end]
    billed = max((day.overage for day in days), default=0)
    if not days:
        return Forecast(0, 0, Fraction(0), None)
    sums = TrendSums.of(((day.usage_date - cycle_start).days, day.excess) for day in days)
    return forecast_from_sums(
        sums,
        billed_so_far=billed,
        last_x=max((day.usage_date - cycle_start).days for day in days),
        cycle_last_x=(cycle_end - cycle_start).days,
    )
