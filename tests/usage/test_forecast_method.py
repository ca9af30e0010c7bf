"""The forecast per usage type with its range (usage/forecast.py): its properties (never
below billed so far, flat stays flat, the range holds the point, a weekday pattern is
followed) and known series."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usage import rules
from usage.forecast import (
    BASIS_FINAL,
    BASIS_HISTORY,
    BASIS_NO_HISTORY,
    BASIS_WEEKDAYS,
    DayFigures,
    PastCycle,
    forecast_overage,
)

NAMED = rules.STANDARD_NAMED_AGENT
PEAK = rules.STANDARD_CONCURRENT_AGENT
IVR = rules.IVR_PORT
# 2024-06-01 is a Saturday; cycles of 30 days.
START = date(2024, 6, 1)
END = START + timedelta(days=29)


def day(on: date, used: int, commitment: int, substituted: int = 0) -> DayFigures:
    return DayFigures(
        usage_date=on,
        used=used,
        commitment=commitment,
        substituted=substituted,
        overage=max(0, used - commitment - substituted),
    )


def run_of(start: date, used: list[int], commitment: int) -> list[DayFigures]:
    return [day(start + timedelta(days=i), u, commitment) for i, u in enumerate(used)]


def past_cycles(
    used_per_day, commitment: int, cycles: int = 3, before: date = START
) -> list[PastCycle]:
    """`cycles` previous 30-day cycles before `before`; used_per_day(date, index in cycle)."""
    out = []
    for n in range(cycles, 0, -1):
        start = before - timedelta(days=30 * n)
        days = [start + timedelta(days=i) for i in range(30)]
        out.append(
            PastCycle(
                start,
                days[-1],
                [day(d, used_per_day(d, i), commitment) for i, d in enumerate(days)],
            )
        )
    return out


def weekday_shape(weekday: int, weekend: int):
    return lambda d, _i: weekend if d.weekday() >= 5 else weekday


# --- flat stays flat ---------------------------------------------------------------------


@pytest.mark.parametrize("usage_type", [NAMED, PEAK, IVR, rules.PREMIUM_NAMED_AGENT])
@pytest.mark.parametrize("with_history", [True, False])
@pytest.mark.parametrize("known", [1, 3, 7, 14, 21, 29])
def test_a_flat_series_forecasts_exactly_what_is_billed(usage_type, with_history, known):
    history = past_cycles(lambda _d, _i: 28, 25) if with_history else []
    result = forecast_overage(
        usage_type,
        run_of(START, [28] * known, 25),
        cycle_start=START,
        cycle_end=END,
        history=history,
    )
    assert (result.point, result.low, result.high) == (3, 3, 3)
    assert result.billed_so_far == 3


def test_hooli_flat_28_of_25_is_not_forecast_at_62():
    """The issue's example: standard named agents flat at 28 of 25 for a week."""
    result = forecast_overage(
        NAMED,
        run_of(START, [28] * 7, 25),
        cycle_start=START,
        cycle_end=END,
        history=past_cycles(lambda _d, _i: 28, 25),
    )
    assert result.point == 3
    assert result.basis == BASIS_HISTORY and not result.uncertain


# --- weekday pattern --------------------------------------------------------------------


def test_peaks_follow_the_weekday_pattern():
    """Weekdays at 40, weekends at 10, 30 committed. The cycle starts on a Saturday: the
    two days known are the quiet weekend (nothing billed so far), but the weekdays to come
    will reach 40 as they always have: 10 over."""
    history = past_cycles(weekday_shape(40, 10), 30)
    result = forecast_overage(
        PEAK, run_of(START, [10, 10], 30), cycle_start=START, cycle_end=END, history=history
    )
    assert result.billed_so_far == 0
    assert result.point == 10
    assert result.basis == BASIS_WEEKDAYS and not result.uncertain


def test_a_cycle_ending_on_a_weekend_forecasts_the_weekend():
    """Known through Friday with only Saturday and Sunday to come: weekends stay at 10,
    under the commitment, so nothing more is billed than the weekdays already did."""
    end = date(2024, 6, 30)  # a Sunday
    history = past_cycles(weekday_shape(40, 20), 35)
    used = [20 if (START + timedelta(days=i)).weekday() >= 5 else 33 for i in range(28)]
    result = forecast_overage(
        PEAK, run_of(START, used, 35), cycle_start=START, cycle_end=end, history=history
    )
    assert result.billed_so_far == 0
    assert result.point == 0 and result.high == 0


def test_weekend_centres_follow_their_own_pattern():
    """A centre busiest on weekends: its weekend level is what the forecast reaches."""
    monday = START + timedelta(days=2)
    history = past_cycles(weekday_shape(10, 40), 30, before=monday)
    known = run_of(monday, [10, 10, 10, 10, 10], 30)  # Mon-Fri
    result = forecast_overage(
        PEAK, known, cycle_start=monday, cycle_end=monday + timedelta(days=29), history=history
    )
    assert result.point == 10


# --- named agents -----------------------------------------------------------------------


def test_named_agents_grow_as_the_previous_cycles_did():
    """Each previous cycle reached 20 agents on day 7 and 30 by its end (+50 %); this
    cycle has 24 on day 7, so about 36 by the end: 11 over 25."""
    history = past_cycles(lambda _d, i: min(30, 20 + max(0, i - 6) * 10 // 23), 25)
    used = [14, 16, 18, 20, 22, 23, 24]
    result = forecast_overage(
        NAMED, run_of(START, used, 25), cycle_start=START, cycle_end=END, history=history
    )
    assert result.billed_so_far == 0
    assert 9 <= result.point <= 13
    assert result.low < result.point < result.high


def test_named_agents_without_history_are_uncertain_and_modest():
    """A first cycle: no previous cycle to learn from. The count may grow, but never by
    more than a quarter of itself."""
    used = [10, 14, 17, 19, 20, 21, 22]
    result = forecast_overage(NAMED, run_of(START, used, 20), cycle_start=START, cycle_end=END)
    assert result.uncertain and result.basis == BASIS_NO_HISTORY
    assert 2 <= result.point <= 2 + 22 // 4
    assert result.high <= 2 + 22 // 4 + 10


@pytest.mark.parametrize("usage_type", [NAMED, PEAK])
def test_no_day_left_is_final(usage_type):
    days = run_of(START, [30] * 30, 25)
    result = forecast_overage(usage_type, days, cycle_start=START, cycle_end=END)
    assert (result.point, result.low, result.high, result.basis) == (5, 5, 5, BASIS_FINAL)
    assert not result.uncertain


def test_nothing_computed_yet():
    result = forecast_overage(PEAK, [], cycle_start=START, cycle_end=END)
    assert (result.billed_so_far, result.point, result.high) == (0, 0, 0)
    assert result.uncertain


def test_days_outside_the_cycle_are_ignored():
    before = day(START - timedelta(days=1), 99, 10)
    result = forecast_overage(
        PEAK, [before, *run_of(START, [8, 8], 10)], cycle_start=START, cycle_end=END
    )
    assert result.billed_so_far == 0 and result.point == 0


def test_peaks_without_enough_days_are_uncertain():
    result = forecast_overage(
        IVR, run_of(START, [30, 34, 31], 30), cycle_start=START, cycle_end=END
    )
    assert result.uncertain and result.basis == BASIS_NO_HISTORY
    assert result.point == 4 and result.high == 4 + (34 - 30)


# --- properties ---------------------------------------------------------------------------

used_series = st.lists(st.integers(min_value=0, max_value=80), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(
    usage_type=st.sampled_from([NAMED, PEAK, IVR]),
    used=used_series,
    past=st.lists(st.integers(min_value=0, max_value=80), min_size=0, max_size=90),
    commitment=st.integers(min_value=0, max_value=60),
)
def test_never_below_billed_and_the_range_holds_the_point(usage_type, used, past, commitment):
    if usage_type == NAMED:  # cumulative in a cycle
        used = [max(used[: i + 1]) for i in range(len(used))]
    history = []
    if past:
        first = START - timedelta(days=len(past))
        history = [PastCycle(first, START - timedelta(days=1), run_of(first, past, commitment))]
    days = run_of(START, used, commitment)
    result = forecast_overage(usage_type, days, cycle_start=START, cycle_end=END, history=history)
    billed = max(d.overage for d in days)
    assert result.billed_so_far == billed
    assert billed <= result.low <= result.point <= result.high


@settings(max_examples=60, deadline=None)
@given(
    usage_type=st.sampled_from([NAMED, PEAK, IVR]),
    level=st.integers(min_value=0, max_value=80),
    commitment=st.integers(min_value=0, max_value=80),
    known=st.integers(min_value=1, max_value=29),
    with_history=st.booleans(),
)
def test_flat_stays_flat(usage_type, level, commitment, known, with_history):
    history = past_cycles(lambda _d, _i: level, commitment) if with_history else []
    result = forecast_overage(
        usage_type,
        run_of(START, [level] * known, commitment),
        cycle_start=START,
        cycle_end=END,
        history=history,
    )
    billed = max(0, level - commitment)
    assert (result.low, result.point, result.high) == (billed, billed, billed)


@settings(max_examples=60, deadline=None)
@given(
    weekday=st.integers(min_value=20, max_value=80),
    weekend=st.integers(min_value=0, max_value=19),
    known=st.integers(min_value=1, max_value=2),
)
def test_weekday_peaks_are_forecast_from_a_quiet_weekend(weekday, weekend, known):
    """Whatever the levels: from a quiet weekend start, the forecast reaches the weekday
    level the customer's history has, not the weekend's."""
    commitment = weekend + (weekday - weekend) // 2
    history = past_cycles(weekday_shape(weekday, weekend), commitment)
    result = forecast_overage(
        PEAK,
        run_of(START, [weekend] * known, commitment),
        cycle_start=START,
        cycle_end=END,
        history=history,
    )
    assert result.billed_so_far == 0
    assert result.point == weekday - commitment


# --- what the method learns ----------------------------------------------------------------


def test_more_days_ahead_forecast_a_higher_peak():
    """A noisy weekday level: the busiest of sixteen weekdays ahead is likelier to rise above
    what is billed than the busiest of two, so the forecast grows with the days left."""
    noisy = [36, 44, 40, 38, 42, 41, 39, 43, 37, 40]

    def used(d, i):
        return 10 if d.weekday() >= 5 else noisy[i % len(noisy)]

    history = past_cycles(used, 38)
    known = [
        day(START + timedelta(days=i), used(START + timedelta(days=i), i), 38) for i in range(7)
    ]
    long = forecast_overage(PEAK, known, cycle_start=START, cycle_end=END, history=history)
    short = forecast_overage(
        PEAK, known, cycle_start=START, cycle_end=START + timedelta(days=8), history=history
    )
    assert long.basis == short.basis == BASIS_WEEKDAYS
    assert short.billed_so_far == long.billed_so_far
    assert short.point <= long.point
    assert long.point > long.billed_so_far
    assert long.high > long.point


def test_a_holiday_does_not_widen_the_peak_range():
    """The same weekdays with one public holiday (the day's agents mostly away) in the
    history: a low day says nothing of how high the days ahead go."""

    def used(d, i):
        return 10 if d.weekday() >= 5 else 40 + (i % 3)

    plain = past_cycles(used, 38)
    with_holiday = past_cycles(
        lambda d, i: 5 if (d, i) == (plain[1].days[10].usage_date, 10) else used(d, i), 38
    )
    known = run_of(START, [10, 10, 40, 41, 42, 40, 41], 38)
    a = forecast_overage(PEAK, known, cycle_start=START, cycle_end=END, history=plain)
    b = forecast_overage(PEAK, known, cycle_start=START, cycle_end=END, history=with_holiday)
    assert (a.point, a.low, a.high) == (b.point, b.low, b.high)


def test_premium_named_reads_the_pace_of_both_named_types():
    """Premium agents are few: 4 premium over a cycle say little, but the standard agents
    of the same cycles (40, 10 % new after day 7) set the pace for both."""

    def grows(base):
        return lambda _d, i: base if i < 7 else base + (base // 10) * (i - 6) // 23

    premium_history = past_cycles(lambda _d, _i: 4, 2)
    standard_history = past_cycles(grows(40), 30)
    known = run_of(START, [20] * 7, 10)
    alone = forecast_overage(
        rules.PREMIUM_NAMED_AGENT, known, cycle_start=START, cycle_end=END, history=premium_history
    )
    pooled = forecast_overage(
        rules.PREMIUM_NAMED_AGENT,
        known,
        cycle_start=START,
        cycle_end=END,
        history=premium_history,
        related_history=standard_history,
    )
    assert alone.point == 10  # four flat premium agents: no new ones
    assert pooled.point > alone.point  # agents come and go: some new premium ones too
    assert pooled.low <= pooled.point <= pooled.high


def test_a_team_arriving_once_is_not_expected_every_cycle():
    """A previous cycle where a team of 20 arrived on one day (on 40 agents): the next
    cycles do not expect 20 more, at most a capped day's worth."""

    def with_team(_d, i):
        return 40 if i < 15 else 60

    last_start = START - timedelta(days=30)
    team_cycle = PastCycle(
        last_start,
        START - timedelta(days=1),
        run_of(last_start, [with_team(None, i) for i in range(30)], 30),
    )
    history = [*past_cycles(lambda _d, _i: 40, 30, cycles=2, before=last_start), team_cycle]
    result = forecast_overage(
        NAMED, run_of(START, [40] * 7, 30), cycle_start=START, cycle_end=END, history=history
    )
    assert 10 <= result.point <= 13


def test_a_first_week_without_history_forecasts_no_new_agents():
    """The first week's arrivals are the cycle's agents logging in again: without a
    previous cycle, no new agents are forecast before the second week (the range allows
    them)."""
    result = forecast_overage(
        NAMED, run_of(START, [10, 16, 19, 21, 22, 22, 22], 20), cycle_start=START, cycle_end=END
    )
    assert result.uncertain
    assert result.point == result.billed_so_far == 2
    assert result.high > result.point
