"""Worked examples of SPEC §3 and §5, table-driven, against ``usage.rules``."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.worked_examples import (
    CONCURRENT_EXAMPLES,
    IVR_EXAMPLES,
    NAMED_CYCLE_START,
    NAMED_EXAMPLES,
    NAMED_SESSIONS,
    agent,
    ivr,
)
from usage import rules
from usage.rules import (
    IVR_PORT,
    OVERAGE_PEAK,
    PREMIUM_CONCURRENT_AGENT,
    PREMIUM_NAMED_AGENT,
    STANDARD_CONCURRENT_AGENT,
    STANDARD_NAMED_AGENT,
    AgentSession,
    AgentsUsed,
    Commitments,
    DailyDetailRow,
    IvrSession,
    SubscriptionTerms,
)


def subscription(
    id: int,
    start: date,
    end: date | None = None,
    *,
    standard: int = 0,
    premium: int = 0,
    ports: int = 0,
) -> SubscriptionTerms:
    return SubscriptionTerms(
        id=id,
        start=start,
        end=end,
        billing_day=start.day,
        agent_model="named",
        standard_commit=standard,
        premium_commit=premium,
        addon_ivr_ports=ports,
    )


# --- billing cycles -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("billing_day", "on", "cycle"),
    [
        # B = 8: June 8 to July 7.
        (8, date(2024, 6, 8), (date(2024, 6, 8), date(2024, 7, 7))),
        (8, date(2024, 7, 7), (date(2024, 6, 8), date(2024, 7, 7))),
        (8, date(2024, 6, 7), (date(2024, 5, 8), date(2024, 6, 7))),
        (8, date(2024, 1, 3), (date(2023, 12, 8), date(2024, 1, 7))),
        (8, date(2023, 12, 31), (date(2023, 12, 8), date(2024, 1, 7))),
        # B = 31, non-leap: Jan 31 - Feb 27, Feb 28 - Mar 30, Mar 31 - Apr 29.
        (31, date(2023, 1, 31), (date(2023, 1, 31), date(2023, 2, 27))),
        (31, date(2023, 2, 27), (date(2023, 1, 31), date(2023, 2, 27))),
        (31, date(2023, 2, 28), (date(2023, 2, 28), date(2023, 3, 30))),
        (31, date(2023, 3, 30), (date(2023, 2, 28), date(2023, 3, 30))),
        (31, date(2023, 3, 31), (date(2023, 3, 31), date(2023, 4, 29))),
        (31, date(2023, 4, 29), (date(2023, 3, 31), date(2023, 4, 29))),
        (31, date(2023, 4, 30), (date(2023, 4, 30), date(2023, 5, 30))),
        (31, date(2023, 1, 30), (date(2022, 12, 31), date(2023, 1, 30))),
        # Leap year: February has 29 days.
        (31, date(2024, 2, 28), (date(2024, 1, 31), date(2024, 2, 28))),
        (31, date(2024, 2, 29), (date(2024, 2, 29), date(2024, 3, 30))),
        (29, date(2024, 2, 29), (date(2024, 2, 29), date(2024, 3, 28))),
        (29, date(2023, 2, 28), (date(2023, 2, 28), date(2023, 3, 28))),
        (30, date(2023, 3, 29), (date(2023, 2, 28), date(2023, 3, 29))),
        # B = 1: calendar months.
        (1, date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 29))),
        (1, date(2024, 12, 31), (date(2024, 12, 1), date(2024, 12, 31))),
    ],
)
def test_billing_cycle(billing_day: int, on: date, cycle: tuple[date, date]) -> None:
    assert rules.billing_cycle(billing_day, on) == cycle


@pytest.mark.parametrize("billing_day", range(1, 32))
def test_billing_cycles_tile_the_calendar(billing_day: int) -> None:
    """Over two years (one leap) every day lies in exactly one cycle, starting on day B
    or on the last day of a month shorter than B."""
    day = date(2023, 1, 1)
    start, end = rules.billing_cycle(billing_day, day)
    while day < date(2025, 1, 1):
        assert start <= day <= end
        if day == end:
            next_start, next_end = rules.billing_cycle(billing_day, day + timedelta(days=1))
            assert next_start == end + timedelta(days=1)
            month_length = (
                (next_start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            ).day
            assert next_start.day == min(billing_day, month_length)
            start, end = next_start, next_end
        else:
            assert rules.billing_cycle(billing_day, day) == (start, end)
        day += timedelta(days=1)


@pytest.mark.parametrize("billing_day", [0, 32, -1])
def test_billing_day_out_of_range_is_refused(billing_day: int) -> None:
    with pytest.raises(ValueError, match="billing day"):
        rules.billing_cycle(billing_day, date(2024, 6, 8))


# --- voice entitlement ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("standard", "premium", "ports", "surge", "entitlement"),
    [
        (10, 4, 2, 30, 57),  # SPEC: 44 x 1.3 = 57.2 -> 57
        (10, 4, 2, 0, 44),
        (10, 4, 2, Decimal("30"), 57),
        (30, 0, 10, 15, 115),  # float: 100 * 1.15 = 114.999... -> would floor to 114
        (0, 25, 25, 7, 107),  # float: 100 * 1.07 = 107.000...01 (happens to floor right)
        (1, 0, 0, Decimal("66.6"), 4),  # 3 x 1.666 = 4.998 -> 4
        (1, 0, 0, Decimal("66.67"), 5),  # 3 x 1.6667 = 5.0001 -> 5
        (0, 0, 0, 50, 0),
    ],
)
def test_voice_entitlement(
    standard: int, premium: int, ports: int, surge: int | Decimal, entitlement: int
) -> None:
    assert rules.voice_entitlement(standard, premium, ports, surge) == entitlement


def test_voice_entitlement_float_trap_is_real() -> None:
    """The case above is one where naive float arithmetic is wrong."""
    assert int((3 * 30 + 10) * (1 + 15 / 100)) == 114
    assert rules.voice_entitlement(30, 0, 10, 15) == 115


def test_voice_entitlement_defaults_to_no_surge() -> None:
    assert rules.voice_entitlement(10, 4, 2) == 44


def test_voice_entitlement_refuses_float_surge() -> None:
    with pytest.raises(TypeError):
        rules.voice_entitlement(10, 4, 2, 30.0)  # type: ignore[arg-type]


def test_voice_entitlement_refuses_negative_values() -> None:
    with pytest.raises(ValueError):
        rules.voice_entitlement(10, 4, 2, -5)


# --- subscriptions --------------------------------------------------------------------

JAN_10 = subscription(1, date(2024, 1, 10), date(2024, 6, 20), standard=10, premium=2, ports=1)
MAR_25 = subscription(2, date(2024, 3, 25), standard=5, premium=1, ports=4)
MAR_25_LATER_ID = subscription(3, date(2024, 3, 25), date(2024, 4, 30), standard=1)
SUBSCRIPTIONS = [MAR_25_LATER_ID, MAR_25, JAN_10]


@pytest.mark.parametrize(
    ("day", "active_ids", "primary_id", "commitments"),
    [
        (date(2024, 1, 9), [], None, Commitments(0, 0, 0)),
        (date(2024, 1, 10), [1], 1, Commitments(10, 2, 1)),
        (date(2024, 3, 25), [1, 2, 3], 1, Commitments(16, 3, 5)),
        (date(2024, 4, 30), [1, 2, 3], 1, Commitments(16, 3, 5)),  # end date inclusive
        (date(2024, 5, 1), [1, 2], 1, Commitments(15, 3, 5)),
        (date(2024, 6, 20), [1, 2], 1, Commitments(15, 3, 5)),
        (date(2024, 6, 21), [2], 2, Commitments(5, 1, 4)),  # primary ended: next oldest
    ],
)
def test_active_primary_and_commitments(
    day: date, active_ids: list[int], primary_id: int | None, commitments: Commitments
) -> None:
    assert [sub.id for sub in rules.active_subscriptions(SUBSCRIPTIONS, day)] == active_ids
    primary = rules.primary_subscription(SUBSCRIPTIONS, day)
    assert (primary.id if primary else None) == primary_id
    assert rules.commitments_on(SUBSCRIPTIONS, day) == commitments


def test_primary_on_equal_start_is_lowest_id() -> None:
    subs = [MAR_25_LATER_ID, MAR_25]
    assert rules.primary_subscription(subs, date(2024, 4, 1)) == MAR_25


@pytest.mark.parametrize(
    ("day", "cycle"),
    [
        (date(2024, 1, 9), None),
        (date(2024, 1, 10), (date(2024, 1, 10), date(2024, 2, 9))),
        # Follows the primary's billing day (10), not the younger subscription's (25).
        (date(2024, 3, 26), (date(2024, 3, 10), date(2024, 4, 9))),
        (date(2024, 6, 9), (date(2024, 5, 10), date(2024, 6, 9))),
        # The primary's last cycle ends with it ...
        (date(2024, 6, 10), (date(2024, 6, 10), date(2024, 6, 20))),
        (date(2024, 6, 20), (date(2024, 6, 10), date(2024, 6, 20))),
        # ... and the next primary's first cycle starts when it takes over.
        (date(2024, 6, 21), (date(2024, 6, 21), date(2024, 6, 24))),
        (date(2024, 6, 24), (date(2024, 6, 21), date(2024, 6, 24))),
        (date(2024, 6, 25), (date(2024, 6, 25), date(2024, 7, 24))),
    ],
)
def test_customer_billing_cycle_follows_primary(day: date, cycle: tuple[date, date] | None) -> None:
    assert rules.customer_billing_cycle(SUBSCRIPTIONS, day) == cycle


def test_subscription_terms_are_validated() -> None:
    with pytest.raises(ValueError, match="ends before"):
        subscription(1, date(2024, 5, 2), date(2024, 5, 1))
    with pytest.raises(ValueError, match="agent model"):
        SubscriptionTerms(1, date(2024, 5, 2), None, 2, "mixed", 1, 1, 0)  # type: ignore[arg-type]


# --- substitution, IVR commitment -----------------------------------------------------


@pytest.mark.parametrize(
    ("standard_used", "premium_used", "expected"),
    [
        # SPEC: 10 premium and 10 standard committed, four days.
        (10, 10, rules.Substitution(0, 0, 0, 0, 0)),
        (15, 0, rules.Substitution(10, 5, 5, 0, 0)),
        (15, 10, rules.Substitution(0, 5, 0, 5, 0)),
        (1, 12, rules.Substitution(0, 0, 0, 0, 2)),
        # Partly covered standard excess.
        (25, 4, rules.Substitution(6, 15, 6, 9, 0)),
    ],
)
def test_substitution(standard_used: int, premium_used: int, expected: rules.Substitution) -> None:
    assert rules.substitution(10, 10, standard_used, premium_used) == expected


@pytest.mark.parametrize(
    ("standard", "premium", "standard_overage", "premium_overage", "ports", "commitment"),
    [
        (20, 5, 7, 0, 0, 64),  # daily-detail example, 2024-06-10
        (20, 5, 11, 1, 0, 74),  # daily-detail example, 2024-06-12
        (10, 4, 0, 0, 2, 30),  # add-on ports on top of the bundled ones
        (0, 0, 3, 2, 0, 10),  # overage licences bring their ports too
    ],
)
def test_ivr_commitment_bundles_two_ports_per_licence(
    standard: int,
    premium: int,
    standard_overage: int,
    premium_overage: int,
    ports: int,
    commitment: int,
) -> None:
    assert (
        rules.ivr_commitment(standard, premium, standard_overage, premium_overage, ports)
        == commitment
    )


@pytest.mark.parametrize(("used", "commitment", "overage"), [(70, 64, 6), (64, 64, 0), (3, 64, 0)])
def test_ivr_overage(used: int, commitment: int, overage: int) -> None:
    assert rules.ivr_overage(used, commitment) == overage


# --- named agents ---------------------------------------------------------------------


def test_named_agents_deleted_agent_still_counts() -> None:
    """Ten agents log in, one is deleted and a new one logs in: 11 named agents."""
    first_day = [agent(f"a{i}", "2024-06-10 09:00", "2024-06-10 17:00") for i in range(10)]
    # a9 is deleted: no more sessions. a10 replaces it.
    second_day = [agent(f"a{i}", "2024-06-11 09:00", "2024-06-11 17:00") for i in range(9)]
    second_day.append(agent("a10", "2024-06-11 09:00", "2024-06-11 17:00"))
    sessions = first_day + second_day
    cycle_start = date(2024, 6, 9)
    assert rules.named_agents_used(sessions, cycle_start, date(2024, 6, 10)) == (10, 0)
    assert rules.named_agents_used(sessions, cycle_start, date(2024, 6, 11)) == (11, 0)


@pytest.mark.parametrize(("day", "used"), NAMED_EXAMPLES)
def test_named_agents_used(day: date, used: AgentsUsed) -> None:
    assert rules.named_agents_used(NAMED_SESSIONS, NAMED_CYCLE_START, day) == used


def test_named_agents_before_cycle_start_is_refused() -> None:
    with pytest.raises(ValueError):
        rules.named_agents_used(NAMED_SESSIONS, date(2024, 6, 9), date(2024, 6, 8))


# --- concurrent agents ----------------------------------------------------------------


@pytest.mark.parametrize(("sessions", "used"), CONCURRENT_EXAMPLES)
def test_concurrent_agents_used(sessions: list[AgentSession], used: tuple[int, int]) -> None:
    assert rules.concurrent_agents_used(sessions, date(2024, 6, 10)) == used


def test_concurrent_agents_other_timezones_are_converted() -> None:
    cest = timezone(timedelta(hours=2))
    session = AgentSession(
        "a",
        premium=False,
        login_at=datetime(2024, 6, 11, 1, 0, tzinfo=cest),  # 2024-06-10 23:00 UTC
        logout_at=datetime(2024, 6, 11, 2, 0, tzinfo=cest),
    )
    assert rules.concurrent_agents_used([session], date(2024, 6, 10)) == (1, 0)
    assert rules.concurrent_agents_used([session], date(2024, 6, 11)) == (0, 0)


def test_naive_or_reversed_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AgentSession("a", False, datetime(2024, 6, 10, 9), datetime(2024, 6, 10, 10))
    with pytest.raises(ValueError, match="before"):
        agent("a", "2024-06-10 10:00", "2024-06-10 09:00")
    with pytest.raises(ValueError, match="before"):
        ivr("2024-06-10 10:00", "2024-06-10 09:00")


# --- IVR ports ------------------------------------------------------------------------


@pytest.mark.parametrize(("sessions", "ports"), IVR_EXAMPLES)
def test_ivr_ports_used(sessions: list[IvrSession], ports: int) -> None:
    assert rules.ivr_ports_used(sessions, date(2024, 6, 10)) == ports


# --- daily detail ---------------------------------------------------------------------

JUNE_COMMITMENTS = Commitments(standard=20, premium=5, addon_ivr_ports=0)


def june_cycle(day: date) -> tuple[date, date]:
    return rules.billing_cycle(9, day)


def test_daily_detail_example() -> None:
    """SPEC §5: named model, 5 premium and 20 standard committed, billing day 9."""
    rows = [
        *rules.daily_detail_rows(date(2024, 6, 10), "named", JUNE_COMMITMENTS, 28, 4, 70),
        *rules.daily_detail_rows(date(2024, 6, 12), "named", JUNE_COMMITMENTS, 31, 6, 70),
    ]
    marked = rules.mark_overage_peaks(rows, june_cycle)
    table = [
        (
            row.usage_date.isoformat(),
            row.usage_type,
            row.units_used,
            row.units_commitment,
            row.units_substituted,
            row.units_overage,
            row.usage_unit,
            row.comment,
        )
        for row in marked
    ]
    assert table == [
        ("2024-06-10", PREMIUM_NAMED_AGENT, 4, 5, 0, 0, "Licenses", ""),
        ("2024-06-10", STANDARD_NAMED_AGENT, 28, 20, 1, 7, "Licenses", ""),
        ("2024-06-10", IVR_PORT, 70, 64, 0, 6, "Ports", OVERAGE_PEAK),
        ("2024-06-12", PREMIUM_NAMED_AGENT, 6, 5, 0, 1, "Licenses", OVERAGE_PEAK),
        ("2024-06-12", STANDARD_NAMED_AGENT, 31, 20, 0, 11, "Licenses", OVERAGE_PEAK),
        ("2024-06-12", IVR_PORT, 70, 74, 0, 0, "Ports", ""),
    ]
    assert rules.billed_overage(marked) == {
        PREMIUM_NAMED_AGENT: 1,
        STANDARD_NAMED_AGENT: 11,
        IVR_PORT: 6,
    }


def test_daily_detail_concurrent_model_usage_types() -> None:
    rows = rules.daily_detail_rows(date(2024, 6, 10), "concurrent", JUNE_COMMITMENTS, 1, 2, 0)
    assert [(row.usage_type, row.usage_unit) for row in rows] == [
        (PREMIUM_CONCURRENT_AGENT, "Licenses"),
        (STANDARD_CONCURRENT_AGENT, "Licenses"),
        (IVR_PORT, "Ports"),
    ]


def standard_row(day: date, overage: int, comment: str = "") -> DailyDetailRow:
    return DailyDetailRow(
        day, STANDARD_NAMED_AGENT, 20 + overage, 20, 0, overage, "Licenses", comment
    )


@pytest.mark.parametrize(
    ("overages", "peak_days"),
    [
        # The first day that reached the highest overage carries the comment.
        ({date(2024, 6, 10): 3, date(2024, 6, 11): 5, date(2024, 6, 12): 5}, [date(2024, 6, 11)]),
        # No overage, no peak.
        ({date(2024, 6, 10): 0, date(2024, 6, 11): 0}, []),
        # Each cycle has its own peak (June 9 starts a new cycle).
        (
            {date(2024, 6, 7): 4, date(2024, 6, 8): 2, date(2024, 6, 9): 1, date(2024, 6, 10): 1},
            [date(2024, 6, 7), date(2024, 6, 9)],
        ),
    ],
)
@pytest.mark.parametrize("newest_first", [False, True])
def test_mark_overage_peaks(
    overages: dict[date, int], peak_days: list[date], newest_first: bool
) -> None:
    # "First" is by date, not by position: both orders give the same peaks.
    by_date = sorted(overages.items(), reverse=newest_first)
    rows = [standard_row(day, overage) for day, overage in by_date]
    marked = rules.mark_overage_peaks(rows, june_cycle)
    assert [row.usage_date for row in marked] == [row.usage_date for row in rows]
    assert sorted(row.usage_date for row in marked if row.comment == OVERAGE_PEAK) == peak_days


def test_mark_overage_peaks_moves_a_stale_peak() -> None:
    rows = [standard_row(date(2024, 6, 10), 3, OVERAGE_PEAK), standard_row(date(2024, 6, 11), 5)]
    marked = rules.mark_overage_peaks(rows, june_cycle)
    assert [row.comment for row in marked] == ["", OVERAGE_PEAK]


def test_mark_overage_peaks_refuses_duplicate_rows() -> None:
    rows = [standard_row(date(2024, 6, 10), 3), standard_row(date(2024, 6, 10), 4)]
    with pytest.raises(ValueError, match="two"):
        rules.mark_overage_peaks(rows, june_cycle)


def test_billed_overage_is_highest_daily_overage() -> None:
    rows = [
        standard_row(date(2024, 6, day), overage) for day, overage in [(9, 2), (10, 9), (11, 4)]
    ]
    assert rules.billed_overage(rows) == {STANDARD_NAMED_AGENT: 9}
