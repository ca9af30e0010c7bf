"""The billed-overage forecast on known series (usage/forecast.py)."""

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from usage.forecast import (
    DayFigures,
    TrendSums,
    fit_line,
    forecast_billed_overage,
    round_half_up,
)

START = date(2024, 6, 9)
END = date(2024, 7, 8)  # 30 days: x = 0..29


def series(used: list[int], commitment: int, substituted: int = 0) -> list[DayFigures]:
    return [
        DayFigures(
            usage_date=START + timedelta(days=i),
            used=u,
            commitment=commitment,
            substituted=substituted,
            overage=max(0, u - commitment - substituted),
        )
        for i, u in enumerate(used)
    ]


@pytest.mark.parametrize(
    ("used", "commitment", "substituted", "billed", "forecast"),
    [
        # Nothing computed yet: nothing to forecast.
        ([], 10, 0, 0, 0),
        # Flat usage under the commitment: no overage now or later.
        ([8, 8, 8, 8], 10, 0, 0, 0),
        # One day only: the trend is flat at that day's excess.
        ([12], 10, 0, 2, 2),
        # +1 a day from 5 (x=0) → 34 on the last day (x=29): 24 above 10.
        ([5, 6, 7, 8], 10, 0, 0, 24),
        # Already at 3 over, flat: the billed overage stays 3.
        ([13, 13, 13], 10, 0, 3, 3),
        # Falling usage never forecasts less than what is already billed.
        ([20, 18, 16, 14], 10, 0, 10, 10),
        # Substituted premium licences cover standard excess: 12 − 10 − 2 = 0, flat.
        ([12, 12, 12], 10, 2, 0, 0),
        # Excess −1, −1, 0, 0, 1: line −1.2 + 0.5x → 13.3 on x = 29 → 13 over.
        ([9, 9, 10, 10, 11], 10, 0, 1, 13),
        # Excess 0, 0, 1, 1: line −0.1 + 0.4x → 11.5 on x = 29, rounded half up → 12.
        ([10, 10, 11, 11], 10, 0, 1, 12),
    ],
)
def test_forecast_on_known_series(used, commitment, substituted, billed, forecast):
    result = forecast_billed_overage(
        series(used, commitment, substituted), cycle_start=START, cycle_end=END
    )
    assert result.billed_so_far == billed
    assert result.billed_forecast == forecast


def test_last_day_of_the_cycle_adds_no_projection():
    days = series([10] * 29 + [15], 10)
    result = forecast_billed_overage(days, cycle_start=START, cycle_end=END)
    assert result.billed_forecast == result.billed_so_far == 5
    assert result.projected_last_day is None


def test_days_outside_the_cycle_are_ignored():
    before = DayFigures(START - timedelta(days=1), used=99, commitment=1, overage=98)
    result = forecast_billed_overage([before, *series([4], 10)], cycle_start=START, cycle_end=END)
    assert result.billed_forecast == 0


@pytest.mark.parametrize(
    ("points", "intercept", "slope"),
    [
        ([(0, 1), (1, 3), (2, 5)], 1, 2),
        ([(3, 7)], 7, 0),
        ([(2, 1), (2, 3)], 2, 0),
        ([(0, 0), (1, 1), (2, 0), (3, 1)], Fraction(1, 5), Fraction(1, 5)),
    ],
)
def test_least_squares_line(points, intercept, slope):
    assert fit_line(TrendSums.of(points)) == (intercept, slope)


def test_round_half_up():
    assert [round_half_up(Fraction(n, 2)) for n in (-3, -1, 1, 3, 5)] == [-1, 0, 1, 2, 3]


@given(
    st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=31),
    st.integers(min_value=0, max_value=500),
)
def test_forecast_never_below_billed_and_sums_agree(used, commitment):
    days = series(used, commitment)
    end = START + timedelta(days=30)
    result = forecast_billed_overage(days, cycle_start=START, cycle_end=end)
    assert result.billed_forecast >= result.billed_so_far == max(d.overage for d in days)
    # The integer arithmetic agrees with the exact least-squares line (Fractions): the
    # forecast is the line's highest value on the days still to come, never below billed.
    intercept, slope = fit_line(
        TrendSums.of(((d.usage_date - START).days, d.excess) for d in days)
    )
    still_to_come = [intercept + slope * x for x in range(len(used), 31)]
    expected = result.billed_so_far
    if still_to_come:
        expected = max(expected, round_half_up(max(still_to_come)))
    assert result.billed_forecast == expected
    assert result.slope_per_day == slope
