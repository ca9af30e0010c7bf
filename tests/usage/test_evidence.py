"""The evidence of a daily row (``usage.evidence``): its witnesses are as many as the row's
Units Used, for the SPEC's examples and for random sessions against the reference
counters of ``usage.rules``; and each witness really satisfies the rule that counts it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.usage import test_engine
from tests.usage.test_engine_core import (
    PROPERTY_SETTINGS,
    Batch,
    batches,
    ivr_sessions,
    utc,
)
from tests.worked_examples import (
    CONCURRENT_EXAMPLES,
    IVR_EXAMPLES,
    NAMED_CYCLE_START,
    NAMED_EXAMPLES,
    NAMED_SESSIONS,
    agent,
    at,
    ivr,
)
from usage import engine, evidence, rules, selectors
from usage.evidence import AgentSessionRecord, IvrSessionRecord
from usage.models import DailyUsage

JUNE_10 = date(2024, 6, 10)


def seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def agent_records(sessions: list[rules.AgentSession]) -> list[AgentSessionRecord]:
    return [
        AgentSessionRecord(
            f"s{i}", s.agent_id, s.premium, seconds(s.login_at), seconds(s.logout_at)
        )
        for i, s in enumerate(sessions)
    ]


def ivr_records(sessions: list[rules.IvrSession]) -> list[IvrSessionRecord]:
    return [
        IvrSessionRecord(f"i{i}", seconds(s.started_at), seconds(s.ended_at))
        for i, s in enumerate(sessions)
    ]


def batch_agents(batch: Batch) -> tuple[list[rules.AgentSession], list[AgentSessionRecord]]:
    reference = [
        rules.AgentSession(str(s.agent), s.premium, utc(s.start), utc(s.end))
        for s in batch.sessions
    ]
    return reference, agent_records(reference)


def overlaps(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> bool:
    return min(end, window_end) > max(start, window_start)


# --- named agents ---------------------------------------------------------------------


@pytest.mark.parametrize(("day", "used"), NAMED_EXAMPLES)
def test_named_witnesses_of_the_spec_example(day: date, used: rules.AgentsUsed) -> None:
    records = agent_records(NAMED_SESSIONS)
    premium = evidence.named_agent_witnesses(records, NAMED_CYCLE_START, day, premium=True)
    standard = evidence.named_agent_witnesses(records, NAMED_CYCLE_START, day, premium=False)
    assert (len(standard), len(premium)) == used


def test_named_witness_says_when_and_why_premium() -> None:
    records = agent_records(NAMED_SESSIONS)
    premium = evidence.named_agent_witnesses(
        records, NAMED_CYCLE_START, date(2024, 6, 11), premium=True
    )
    standard = evidence.named_agent_witnesses(
        records, NAMED_CYCLE_START, date(2024, 6, 11), premium=False
    )
    [ann] = premium
    assert ann.agent_id == "ann"
    assert ann.first_seen == date(2024, 6, 9)
    assert ann.premium_since == date(2024, 6, 11)
    assert ann.premium_session.session_id == "s1"
    assert ann.premium_session.login_at == at("2024-06-11 08:00")
    # bob logged in the evening before the cycle: seen on its first day.
    assert [(w.agent_id, w.first_seen, w.premium_session) for w in standard] == [
        ("bob", date(2024, 6, 9), None),
        ("eve", date(2024, 6, 10), None),
    ]


def test_named_witnesses_refuse_a_day_before_the_cycle() -> None:
    with pytest.raises(ValueError):
        evidence.named_agent_witnesses([], date(2024, 6, 9), date(2024, 6, 8), premium=True)


@PROPERTY_SETTINGS
@given(batch=batches(max_sessions=30), cycle_back=st.integers(0, 2), premium=st.booleans())
def test_named_witnesses_count_the_reference(batch: Batch, cycle_back: int, premium: bool) -> None:
    reference, records = batch_agents(batch)
    cycle_start = batch.day0 - timedelta(days=cycle_back)
    for day in batch.days():
        used = rules.named_agents_used(reference, cycle_start, day)
        witnesses = evidence.named_agent_witnesses(records, cycle_start, day, premium=premium)
        assert len(witnesses) == (used.premium if premium else used.standard)
        assert len({w.agent_id for w in witnesses}) == len(witnesses)
        window = rules.day_start(cycle_start), rules.day_start(day + rules.DAY)
        for witness in witnesses:
            assert cycle_start <= witness.first_seen <= day
            mine = [r for r in records if r.agent_id == witness.agent_id]
            seen = [r for r in mine if overlaps(r.login_at, r.logout_at, *window)]
            assert seen
            assert witness.first_seen == max(cycle_start, min(r.login_at.date() for r in seen))
            if premium:
                made = witness.premium_session
                assert made.premium and made in seen
                assert witness.premium_since == max(cycle_start, made.login_at.date())
                assert all(r.login_at >= made.login_at for r in seen if r.premium)
            else:
                assert witness.premium_session is None
                assert not any(r.premium for r in seen)


# --- concurrent agents ----------------------------------------------------------------


@pytest.mark.parametrize(("sessions", "used"), CONCURRENT_EXAMPLES)
def test_concurrent_witnesses_of_the_examples(
    sessions: list[rules.AgentSession], used: tuple[int, int]
) -> None:
    records = agent_records(sessions)
    standard = evidence.concurrent_agent_evidence(records, JUNE_10, premium=False)
    premium = evidence.concurrent_agent_evidence(records, JUNE_10, premium=True)
    assert (len(standard.witnesses), len(premium.witnesses)) == used


def test_concurrent_evidence_names_the_quarter_hour_and_presence() -> None:
    records = agent_records(
        [
            agent("a", "2024-06-10 09:00", "2024-06-10 09:45"),
            agent("a", "2024-06-10 09:50:00", "2024-06-10 09:51:00", premium=True),
            agent("b", "2024-06-10 09:14", "2024-06-10 10:00", premium=True),
            agent("c", "2024-06-10 12:00", "2024-06-10 13:00"),  # standard, alone later
        ]
    )
    found = evidence.concurrent_agent_evidence(records, JUNE_10, premium=True)
    assert found.peak_period == at("2024-06-10 09:45")
    assert found.window == (at("2024-06-10 09:00"), at("2024-06-10 10:00"))
    a, b = found.witnesses
    assert [p.logged_in for p in a.presence] == [timedelta(minutes=15)] * 3 + [timedelta(minutes=1)]
    assert [p.present for p in b.presence] == [True] * 4
    assert b.presence[0].logged_in == timedelta(minutes=1)
    assert [s.session_id for s in a.sessions] == ["s0", "s1"]
    standard = evidence.concurrent_agent_evidence(records, JUNE_10, premium=False)
    assert standard.peak_period == at("2024-06-10 12:45")
    assert [w.agent_id for w in standard.witnesses] == ["c"]


def test_concurrent_evidence_without_anyone_counted() -> None:
    found = evidence.concurrent_agent_evidence([], JUNE_10, premium=False)
    assert found.peak_period is None and found.witnesses == () and found.window is None


@PROPERTY_SETTINGS
@given(batch=batches(max_sessions=24), premium=st.booleans())
def test_concurrent_witnesses_count_the_reference(batch: Batch, premium: bool) -> None:
    reference, records = batch_agents(batch)
    for day in batch.days():
        by_period = rules.concurrent_agents_by_period(reference, day)
        counts = [c.premium if premium else c.standard for c in by_period]
        found = evidence.concurrent_agent_evidence(records, day, premium=premium)
        assert len(found.witnesses) == max(counts)
        if max(counts) == 0:
            assert found.peak_period is None
            continue
        # The first quarter-hour that reached the day's peak.
        assert found.peak_period == rules.day_start(day) + counts.index(max(counts)) * (
            rules.SAMPLING_PERIOD
        )
        start, end = found.window
        for witness in found.witnesses:
            assert len(witness.presence) == rules.COUNTING_PERIODS
            assert all(p.present for p in witness.presence)
            assert witness.presence[-1].period_start == found.peak_period
            assert all(s.agent_id == witness.agent_id for s in witness.sessions)
            assert all(overlaps(s.login_at, s.logout_at, start, end) for s in witness.sessions)
            assert any(s.premium for s in witness.sessions) == premium


# --- IVR ports ------------------------------------------------------------------------


@pytest.mark.parametrize(("sessions", "ports"), IVR_EXAMPLES)
def test_ivr_witnesses_of_the_examples(sessions: list[rules.IvrSession], ports: int) -> None:
    found = evidence.ivr_port_evidence(ivr_records(sessions), JUNE_10)
    assert len(found.witnesses) == ports


def test_ivr_evidence_names_the_first_peak_minute() -> None:
    records = ivr_records(
        [
            ivr("2024-06-10 10:00:30", "2024-06-10 10:00:40"),
            ivr("2024-06-10 10:00:50", "2024-06-10 10:01:10"),
            ivr("2024-06-10 11:00:00", "2024-06-10 11:00:01"),
            ivr("2024-06-10 11:00:59", "2024-06-10 11:01:00"),
        ]
    )
    found = evidence.ivr_port_evidence(records, JUNE_10)
    assert found.peak_minute == at("2024-06-10 10:00")
    assert [s.session_id for s in found.witnesses] == ["i0", "i1"]
    assert evidence.ivr_port_evidence([], JUNE_10) == evidence.IvrEvidence(None, ())


@PROPERTY_SETTINGS
@given(batch=batches(max_sessions=30))
def test_ivr_witnesses_count_the_reference(batch: Batch) -> None:
    reference = ivr_sessions(batch.sessions)
    records = ivr_records(reference)
    for day in batch.days():
        by_minute = rules.ivr_ports_by_minute(reference, day)
        found = evidence.ivr_port_evidence(records, day)
        assert len(found.witnesses) == max(by_minute)
        if max(by_minute):
            assert (
                found.peak_minute
                == rules.day_start(day) + by_minute.index(max(by_minute)) * rules.MINUTE
            )
            minute_end = found.peak_minute + rules.MINUTE
            assert all(
                overlaps(s.started_at, s.ended_at, found.peak_minute, minute_end)
                for s in found.witnesses
            )
        else:
            assert found.peak_minute is None


# --- through the database: the evidence of every stored row ---------------------------


@pytest.mark.django_db
@test_engine.PROPERTY
@given(
    subs=test_engine.subscriptions(),
    agents=st.lists(test_engine.agent_sessions(), max_size=10),
    ivrs=st.lists(test_engine.ivr_sessions(), max_size=6),
    other_agents=st.lists(test_engine.agent_sessions(), max_size=4),
)
def test_every_stored_row_has_as_many_witnesses_as_units_used(subs, agents, ivrs, other_agents):
    customer, _terms = test_engine.make_customer(subs)
    other, _other_terms = test_engine.make_customer(subs)
    test_engine.store(customer, agents, ivrs)
    test_engine.store(other, other_agents, ivrs)  # another customer's sessions never count
    engine.compute_days([customer.pk, other.pk], test_engine.DAYS[0], test_engine.DAYS[-1])
    rows = DailyUsage.objects.unscoped().filter(customer=customer)
    for row in rows:
        found = selectors.row_evidence(customer, row.usage_date, row.usage_type)
        assert found.row == row
        assert found.witness_count == row.units_used, (row, found)
        assert found.matches_row
    after = test_engine.DAYS[-1] + timedelta(days=1)
    assert selectors.row_evidence(customer, after, rules.IVR_PORT) is None


@pytest.mark.django_db
@pytest.mark.parametrize("premium", [False, True])
def test_a_session_of_no_length_never_stands_in_for_the_session_that_counted(premium):
    """Found by the property above (``--hypothesis-seed=5``): an agent's first session
    of the cycle lasted no time at all, so it counts nothing (usage.rules), and the
    evidence read it as the agent's first session and dropped the agent, one witness
    short of the engine's row."""
    subs = [
        {
            "start_date": date(2024, 2, 15),
            "end_date": None,
            "agent_model": rules.NAMED,
            "standard_agents": 2,
            "premium_agents": 0,
            "addon_ivr_ports": 1,
        }
    ]
    customer, _terms = test_engine.make_customer(subs)
    day = date(2024, 2, 29)
    nothing = datetime(2024, 2, 29, 5, 15, tzinfo=UTC)
    counted = datetime(2024, 2, 29, 22, 29, tzinfo=UTC)
    agents = [
        rules.AgentSession("agent-2", premium, nothing, nothing),
        rules.AgentSession("agent-2", premium, counted, counted + timedelta(minutes=15)),
    ]
    test_engine.store(customer, agents, [])
    engine.compute_days([customer.pk], day, day)
    usage_type = rules.PREMIUM_NAMED_AGENT if premium else rules.STANDARD_NAMED_AGENT
    found = selectors.row_evidence(customer, day, usage_type)
    assert found.row.units_used == 1
    assert [(w.agent_id, w.first_seen) for w in found.named] == [("agent-2", day)]
    if premium:
        assert found.named[0].premium_session.login_at == counted
