"""``usage.engine_core`` held equal to the reference counters of ``usage.rules``.

Random batches mix several customers, come shuffled, repeat sessions, cross midnight and
cycle starts, overlap per agent and switch an agent's licence; timestamps cluster on the
edges that matter (quarter-hours, the 60 s presence threshold, minutes, midnight).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.worked_examples import (
    CONCURRENT_EXAMPLES,
    IVR_EXAMPLES,
    NAMED_CYCLE_START,
    NAMED_EXAMPLES,
    NAMED_SESSIONS,
)
from usage import engine_core, rules
from usage.engine_core import SECONDS_PER_DAY, epoch_midnight

FIRST_DAY0 = date(2023, 1, 20)  # days drawn from here cover month ends and Feb 29, 2024
N_DAY0_CHOICES = 500
MAX_DAYS = 3
# Seconds within a quarter-hour around the edges the rules care about.
EDGE_OFFSETS = [0, 1, 59, 60, 61, 839, 840, 841, 899]
EDGE_DURATIONS = [0, 1, 59, 60, 61, 899, 900, 901, 2700, 3600, 3660, 86_400]
MIDNIGHT_OFFSETS = [-3600, -2700, -900, -61, -60, -59, -1, 0, 1, 59, 60, 61, 900]

PROPERTY_SETTINGS = settings(max_examples=250, deadline=None)


@dataclass(frozen=True)
class Session:
    customer: int
    agent: int
    premium: bool
    start: int
    end: int


@dataclass(frozen=True)
class Batch:
    day0: date
    n_days: int
    n_customers: int
    sessions: list[Session]

    @property
    def day0_epoch(self) -> int:
        return epoch_midnight(self.day0)

    def days(self) -> list[date]:
        return [self.day0 + timedelta(days=d) for d in range(self.n_days)]

    def column(self, name: str) -> np.ndarray:
        return np.array([getattr(session, name) for session in self.sessions])

    def of(self, customer: int) -> list[Session]:
        return [session for session in self.sessions if session.customer == customer]


def utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def agent_sessions(sessions: list[Session]) -> list[rules.AgentSession]:
    return [rules.AgentSession(str(s.agent), s.premium, utc(s.start), utc(s.end)) for s in sessions]


def ivr_sessions(sessions: list[Session]) -> list[rules.IvrSession]:
    return [rules.IvrSession(utc(s.start), utc(s.end)) for s in sessions]


@st.composite
def instants(draw: st.DrawFn, low: int, high: int) -> int:
    """Mostly near a quarter-hour edge, sometimes near a midnight (a day or cycle start)."""
    if draw(st.integers(0, 3)):
        base = draw(st.integers(low // 900, high // 900)) * 900
        offset = draw(st.sampled_from(EDGE_OFFSETS) | st.integers(0, 899))
    else:
        base = draw(st.integers(low // SECONDS_PER_DAY, high // SECONDS_PER_DAY)) * SECONDS_PER_DAY
        offset = draw(st.sampled_from(MIDNIGHT_OFFSETS))
    return base + offset


durations = st.sampled_from(EDGE_DURATIONS) | st.integers(0, 10 * 3600)


@st.composite
def spans(draw: st.DrawFn, low: int, high: int) -> tuple[int, int]:
    start = draw(instants(low, high))
    if draw(st.booleans()):
        return start, start + draw(durations)
    other = draw(instants(low, high))
    return min(start, other), max(start, other)


@st.composite
def batches(draw: st.DrawFn, max_sessions: int = 24) -> Batch:
    day0 = FIRST_DAY0 + timedelta(days=draw(st.integers(0, N_DAY0_CHOICES)))
    n_days = draw(st.integers(1, MAX_DAYS))
    n_customers = draw(st.integers(1, 3))
    low = epoch_midnight(day0) - 2 * SECONDS_PER_DAY
    high = epoch_midnight(day0) + n_days * SECONDS_PER_DAY
    sessions = []
    for _ in range(draw(st.integers(0, max_sessions))):
        start, end = draw(spans(low, high))
        sessions.append(
            Session(
                customer=draw(st.integers(0, n_customers - 1)),
                agent=draw(st.integers(0, 3)),  # few agents: overlaps and licence switches
                premium=draw(st.booleans()),
                start=start,
                end=end,
            )
        )
    if sessions:  # re-posted sessions
        sessions += draw(st.lists(st.sampled_from(sessions), max_size=4))
    return Batch(day0, n_days, n_customers, draw(st.permutations(sessions)))


@st.composite
def billing_days(draw: st.DrawFn, batch: Batch) -> list[int]:
    """Per customer; usually one whose cycle starts inside or just before the window."""
    near = [(batch.day0 + timedelta(days=k)).day for k in range(-2, batch.n_days)]
    return [draw(st.sampled_from(near) | st.integers(1, 31)) for _ in range(batch.n_customers)]


# --- IVR ports ------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(batch=batches(max_sessions=30))
def test_ivr_ports_match_reference(batch: Batch) -> None:
    window = {
        "day0_epoch": batch.day0_epoch,
        "n_days": batch.n_days,
        "n_customers": batch.n_customers,
    }
    columns = (batch.column("customer"), batch.column("start"), batch.column("end"))
    per_minute = engine_core.ivr_ports_by_minute(*columns, **window)
    per_day = engine_core.ivr_ports_by_day(*columns, **window)
    for c in range(batch.n_customers):
        sessions = ivr_sessions(batch.of(c))
        expected = [rules.ivr_ports_by_minute(sessions, day) for day in batch.days()]
        assert per_minute[c].tolist() == [ports for day in expected for ports in day]
        assert per_day[c].tolist() == [max(day) for day in expected]


def test_ivr_ports_are_the_same_when_counted_a_day_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(7)
    day0 = epoch_midnight(date(2024, 6, 10))
    customer = rng.integers(0, 5, 5_000)
    start = day0 + rng.integers(-3_600, 4 * SECONDS_PER_DAY, 5_000)
    end = start + rng.integers(0, 3 * 3_600, 5_000)
    window = {"day0_epoch": day0, "n_days": 4, "n_customers": 5}
    at_once = engine_core.ivr_ports_by_day(customer, start, end, **window)
    monkeypatch.setattr(engine_core, "_MAX_MINUTE_CELLS", 1)
    assert engine_core.ivr_ports_by_day(customer, start, end, **window).tolist() == (
        at_once.tolist()
    )
    assert at_once.min() > 0


# --- concurrent agents ----------------------------------------------------------------


def concurrent_call(batch: Batch, *, by: str = "day") -> tuple[np.ndarray, np.ndarray]:
    counter = {
        "day": engine_core.concurrent_agents_by_day,
        "period": engine_core.concurrent_agents_by_period,
    }[by]
    return counter(
        batch.column("customer"),
        batch.column("agent"),
        batch.column("premium").astype(bool),
        batch.column("start"),
        batch.column("end"),
        day0_epoch=batch.day0_epoch,
        n_days=batch.n_days,
        n_customers=batch.n_customers,
    )


def pairs(standard: np.ndarray, premium: np.ndarray) -> list[tuple[int, int]]:
    return [(int(s), int(p)) for s, p in zip(standard, premium, strict=True)]


def assert_concurrent_matches_reference(batch: Batch) -> None:
    per_period = concurrent_call(batch, by="period")
    per_day = concurrent_call(batch, by="day")
    for c in range(batch.n_customers):
        sessions = agent_sessions(batch.of(c))
        expected = [rules.concurrent_agents_by_period(sessions, day) for day in batch.days()]
        assert pairs(per_period[0][c], per_period[1][c]) == [
            tuple(count) for day in expected for count in day
        ]
        assert pairs(per_day[0][c], per_day[1][c]) == [
            rules.concurrent_agents_used(sessions, day) for day in batch.days()
        ]


@PROPERTY_SETTINGS
@given(batch=batches())
def test_concurrent_agents_match_reference(batch: Batch) -> None:
    assert_concurrent_matches_reference(batch)


@st.composite
def long_shifts(draw: st.DrawFn) -> Batch:
    """Many agents on long, chained, overlapping shifts: high counts and long runs."""
    day0 = FIRST_DAY0 + timedelta(days=draw(st.integers(0, N_DAY0_CHOICES)))
    low = epoch_midnight(day0) - 3_600
    sessions = []
    for agent in range(draw(st.integers(1, 12))):
        start = draw(instants(low, low + 20 * 3_600))
        for _ in range(draw(st.integers(1, 4))):
            end = start + draw(st.integers(0, 4 * 3_600))
            sessions.append(Session(agent % 2, agent, draw(st.booleans()), start, end))
            start = end + draw(st.sampled_from([-600, -1, 0, 1, 59, 60, 840, 900]))
    return Batch(day0, 1, 2, draw(st.permutations(sessions)))


@settings(max_examples=80, deadline=None)
@given(batch=long_shifts())
def test_concurrent_agents_long_shifts_match_reference(batch: Batch) -> None:
    assert_concurrent_matches_reference(batch)


# --- named agents ---------------------------------------------------------------------


def cycle_starts(batch: Batch, billing_day_of: list[int]) -> np.ndarray:
    return np.array(
        [
            [epoch_midnight(rules.billing_cycle(b, day)[0]) for day in batch.days()]
            for b in billing_day_of
        ]
    )


def named_call(batch: Batch, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return engine_core.named_agents_by_day(
        batch.column("customer"),
        batch.column("agent"),
        batch.column("premium").astype(bool),
        batch.column("start"),
        batch.column("end"),
        cycle_start=starts,
        day0_epoch=batch.day0_epoch,
        n_days=batch.n_days,
        n_customers=batch.n_customers,
    )


@PROPERTY_SETTINGS
@given(data=st.data())
def test_named_agents_match_reference(data: st.DataObject) -> None:
    batch = data.draw(batches())
    billing_day_of = data.draw(billing_days(batch))
    standard, premium = named_call(batch, cycle_starts(batch, billing_day_of))
    expected = [
        [
            rules.named_agents_used(
                agent_sessions(batch.of(c)), rules.billing_cycle(billing_day_of[c], day)[0], day
            )
            for day in batch.days()
        ]
        for c in range(batch.n_customers)
    ]
    got = [
        [(int(s), int(p)) for s, p in zip(row_s, row_p, strict=True)]
        for row_s, row_p in zip(standard, premium, strict=True)
    ]
    assert got == expected


def first_days_reference(
    sessions: list[Session], cycle_start: date, until: date
) -> dict[tuple[int, int], tuple[int, int]]:
    """(customer, agent) -> (first day seen, first premium day), walking the days one by one."""
    first: dict[tuple[int, int], tuple[int, int]] = {}
    day = cycle_start
    while day <= until:
        midnight = epoch_midnight(day)
        for s in sessions:
            if min(s.end, midnight + SECONDS_PER_DAY) - max(s.start, midnight) > 0:
                seen, premium = first.get((s.customer, s.agent), (midnight, engine_core.NEVER))
                if s.premium:
                    premium = min(premium, midnight)
                first[(s.customer, s.agent)] = (seen, premium)
        day += timedelta(days=1)
    return first


def first_days_call(
    sessions: list[Session], cycle_start: np.ndarray, until: np.ndarray
) -> engine_core.NamedAgentFirstDays:
    return engine_core.named_agent_first_days(
        [s.customer for s in sessions],
        [s.agent for s in sessions],
        [s.premium for s in sessions],
        [s.start for s in sessions],
        [s.end for s in sessions],
        cycle_start=cycle_start,
        until=until,
    )


@PROPERTY_SETTINGS
@given(data=st.data())
def test_named_first_days_match_reference_and_merge(data: st.DataObject) -> None:
    """First days match a day-by-day walk, and can be grown batch by batch."""
    batch = data.draw(batches())
    billing_day_of = data.draw(billing_days(batch))
    last_day = batch.days()[-1]
    cycles = [rules.billing_cycle(b, last_day)[0] for b in billing_day_of]
    cycle_start = np.array([epoch_midnight(day) for day in cycles])
    until = np.full(batch.n_customers, epoch_midnight(last_day))

    whole = first_days_call(batch.sessions, cycle_start, until)
    expected: dict[tuple[int, int], tuple[int, int]] = {}
    for c, start in enumerate(cycles):
        expected |= first_days_reference(batch.of(c), start, last_day)
    assert {
        (int(c), int(a)): (int(seen), int(premium))
        for c, a, seen, premium in zip(
            whole.customer, whole.agent, whole.first_seen, whole.first_premium, strict=True
        )
    } == expected

    split = data.draw(st.integers(0, len(batch.sessions)))
    merged = engine_core.merge_named_first_days(
        first_days_call(batch.sessions[:split], cycle_start, until),
        first_days_call(batch.sessions[split:], cycle_start, until),
    )
    for name in ("customer", "agent", "first_seen", "first_premium"):
        assert getattr(merged, name).tolist() == getattr(whole, name).tolist()

    # The last day's counts follow from the first days alone.
    counts = engine_core.named_counts_from_first_days(
        merged, day0_epoch=epoch_midnight(last_day), n_days=1, n_customers=batch.n_customers
    )
    assert pairs(counts[0][:, 0], counts[1][:, 0]) == [
        rules.named_agents_used(agent_sessions(batch.of(c)), cycles[c], last_day)
        for c in range(batch.n_customers)
    ]


def test_named_agents_cycle_restart_inside_window() -> None:
    """A new cycle inside the window starts counting afresh; premium wins within a cycle."""
    day0 = date(2024, 6, 7)  # billing day 9: the cycle restarts on the third day
    d = epoch_midnight(day0)
    hour = 3_600
    customer = [0, 0, 0, 0]
    agent = [1, 2, 1, 3]
    premium = [False, True, True, False]
    start = [d + 9 * hour, d + 30 * hour, d + 47 * hour, d + 80 * hour]
    end = [d + 10 * hour, d + 31 * hour, d + 49 * hour, d + 81 * hour]  # #3 crosses the restart
    starts = [
        [epoch_midnight(rules.billing_cycle(9, day0 + timedelta(days=k))[0]) for k in range(4)]
    ]
    standard, premium_used = engine_core.named_agents_by_day(
        customer,
        agent,
        premium,
        start,
        end,
        cycle_start=starts,
        day0_epoch=d,
        n_days=4,
        n_customers=1,
    )
    # Jun 7: agent 1. Jun 8: 1 + premium 2; agent 1 premium from 23:00 -> both premium.
    # Jun 9 (new cycle): agent 1 premium session still running. Jun 10: + agent 3.
    assert standard.tolist() == [[1, 0, 0, 1]]
    assert premium_used.tolist() == [[0, 2, 1, 1]]


# --- the worked examples of test_rules, through the engine ----------------------------

EXAMPLE_DAY = date(2024, 6, 10)


def agent_columns(sessions: list[rules.AgentSession]) -> dict[str, list]:
    agent_index = {agent: i for i, agent in enumerate(sorted({s.agent_id for s in sessions}))}
    return {
        "customer_idx": [0] * len(sessions),
        "agent_idx": [agent_index[s.agent_id] for s in sessions],
        "premium": [s.premium for s in sessions],
        "login_at": [int(s.login_at.timestamp()) for s in sessions],
        "logout_at": [int(s.logout_at.timestamp()) for s in sessions],
    }


@pytest.mark.parametrize(("sessions", "used"), CONCURRENT_EXAMPLES)
def test_concurrent_examples(sessions: list[rules.AgentSession], used: tuple[int, int]) -> None:
    standard, premium = engine_core.concurrent_agents_by_day(
        **agent_columns(sessions),
        day0_epoch=epoch_midnight(EXAMPLE_DAY),
        n_days=1,
        n_customers=1,
    )
    assert (standard[0, 0], premium[0, 0]) == used


@pytest.mark.parametrize(("sessions", "ports"), IVR_EXAMPLES)
def test_ivr_examples(sessions: list[rules.IvrSession], ports: int) -> None:
    used = engine_core.ivr_ports_by_day(
        [0] * len(sessions),
        [int(s.started_at.timestamp()) for s in sessions],
        [int(s.ended_at.timestamp()) for s in sessions],
        day0_epoch=epoch_midnight(EXAMPLE_DAY),
        n_days=1,
        n_customers=1,
    )
    assert used[0, 0] == ports


def test_named_examples() -> None:
    """Across and ending at the cycle start, zero length, turning premium."""
    days = [day for day, _ in NAMED_EXAMPLES]
    standard, premium = engine_core.named_agents_by_day(
        **agent_columns(NAMED_SESSIONS),
        cycle_start=[[epoch_midnight(NAMED_CYCLE_START)] * len(days)],
        day0_epoch=epoch_midnight(days[0]),
        n_days=len(days),
        n_customers=1,
    )
    assert pairs(standard[0], premium[0]) == [used for _, used in NAMED_EXAMPLES]


# --- input checks ---------------------------------------------------------------------


def test_inputs_are_validated() -> None:
    midnight = epoch_midnight(date(2024, 6, 10))
    with pytest.raises(ValueError, match="midnight"):
        engine_core.ivr_ports_by_day(
            [0], [1], [2], day0_epoch=midnight + 1, n_days=1, n_customers=1
        )
    with pytest.raises(ValueError, match="ends before"):
        engine_core.ivr_ports_by_day([0], [5], [2], day0_epoch=midnight, n_days=1, n_customers=1)
    with pytest.raises(ValueError, match="customer index"):
        engine_core.ivr_ports_by_day([1], [1], [2], day0_epoch=midnight, n_days=1, n_customers=1)
    with pytest.raises(ValueError, match="differ in length"):
        engine_core.concurrent_agents_by_day(
            [0], [0, 1], [True], [1], [2], day0_epoch=midnight, n_days=1, n_customers=1
        )
    with pytest.raises(ValueError, match="no later than"):
        engine_core.named_agents_by_day(
            [0],
            [0],
            [True],
            [1],
            [2],
            cycle_start=[[midnight + SECONDS_PER_DAY]],
            day0_epoch=midnight,
            n_days=1,
            n_customers=1,
        )


@pytest.mark.parametrize("n_customers", [0, 3])
def test_empty_batches_give_zeros(n_customers: int) -> None:
    midnight = epoch_midnight(date(2024, 6, 10))
    window = {"day0_epoch": midnight, "n_days": 2, "n_customers": n_customers}
    zeros = [[0, 0]] * n_customers
    assert engine_core.ivr_ports_by_day([], [], [], **window).tolist() == zeros
    for counts in (
        engine_core.concurrent_agents_by_day([], [], [], [], [], **window),
        engine_core.named_agents_by_day(
            [], [], [], [], [], cycle_start=[midnight] * n_customers, **window
        ),
    ):
        assert [a.tolist() for a in counts] == [zeros, zeros]


def test_named_agents_one_cycle_start_per_customer() -> None:
    """A per-customer cycle start stands for the whole window."""
    midnight = epoch_midnight(date(2024, 6, 10))
    window = {"day0_epoch": midnight, "n_days": 2, "n_customers": 2}
    sessions = (
        [0, 1],
        [3, 3],
        [True, False],
        [midnight - 10, midnight + 10],
        [midnight, midnight + 20],
    )
    standard, premium = engine_core.named_agents_by_day(
        *sessions, cycle_start=[midnight - SECONDS_PER_DAY, midnight], **window
    )
    assert standard.tolist() == [[0, 0], [1, 1]]
    assert premium.tolist() == [[1, 1], [0, 0]]


def test_epoch_midnight_round_trip() -> None:
    assert epoch_midnight(date(1970, 1, 2)) == SECONDS_PER_DAY
    assert engine_core.day_of(epoch_midnight(date(2024, 2, 29))) == date(2024, 2, 29)
