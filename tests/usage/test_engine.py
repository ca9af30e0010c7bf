"""The engine's stored rows equal the plain rules of ``usage.rules`` computed naively,
for random customers, subscriptions and sessions, also when events arrive late; and the
SPEC's worked example end to end through the API and the engine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from orgs.roles import Role
from subscriptions.models import Subscription
from tests.usage.helpers import assert_summaries_match, make_customer, store, stored_rows
from usage import engine, rules, services, tasks
from usage.models import DailyUsage, DirtyDay, NamedAgentFirstDay

pytestmark = pytest.mark.django_db

D0 = date(2024, 2, 26)  # the window crosses a month end and Feb 29
N_DAYS = 5
DAYS = [D0 + timedelta(days=i) for i in range(N_DAYS)]
LATE_NOW = datetime(2024, 3, 3, 12, tzinfo=UTC)
EDGES = [0, 1, 59, 60, 61, 899, 900, 901, 2700, 3600, 5400, 86_400, 100_000]


def _moment(minutes: int, second: int) -> datetime:
    return datetime(2024, 2, 25, tzinfo=UTC) + timedelta(minutes=minutes, seconds=second)


@st.composite
def agent_sessions(draw):
    start = _moment(
        draw(st.integers(0, 6 * 96 - 1)) * 15, draw(st.sampled_from([0, 1, 59, 60, 61, 840]))
    )
    duration = draw(st.sampled_from(EDGES))
    return rules.AgentSession(
        agent_id=f"agent-{draw(st.integers(0, 4))}",
        premium=draw(st.booleans()),
        login_at=start,
        logout_at=start + timedelta(seconds=duration),
    )


@st.composite
def ivr_sessions(draw):
    start = _moment(
        draw(st.integers(0, 6 * 96 - 1)) * 15 + draw(st.integers(0, 3)),
        draw(st.sampled_from([0, 1, 30, 59])),
    )
    duration = draw(st.sampled_from([0, 1, 59, 60, 61, 120, 3600, 90_000]))
    return rules.IvrSession(started_at=start, ended_at=start + timedelta(seconds=duration))


@st.composite
def subscriptions(draw):
    n = draw(st.integers(1, 2))
    model = draw(st.sampled_from([rules.NAMED, rules.CONCURRENT]))
    subs = []
    for _ in range(n):
        start = D0 + timedelta(days=draw(st.integers(-40, 3)))
        end = draw(st.one_of(st.none(), st.integers(0, 45)))
        subs.append(
            {
                "start_date": start,
                "end_date": None if end is None else start + timedelta(days=end),
                "agent_model": model,
                "standard_agents": draw(st.integers(0, 3)),
                "premium_agents": draw(st.integers(0, 2)),
                "addon_ivr_ports": draw(st.integers(0, 2)),
            }
        )
    return subs


def naive_rows(terms, agents, ivrs, days=DAYS) -> dict:
    rows = []
    cycle_of = {}
    for day in days:
        primary = rules.primary_subscription(terms, day)
        if primary is None:
            continue
        cycle = rules.customer_billing_cycle(terms, day)
        cycle_of[day] = (cycle[0], primary.id)
        if primary.agent_model == rules.NAMED:
            used = rules.named_agents_used(agents, cycle[0], day)
        else:
            used = rules.concurrent_agents_used(agents, day)
        rows.extend(
            rules.daily_detail_rows(
                day,
                primary.agent_model,
                rules.commitments_on(terms, day),
                used.standard,
                used.premium,
                rules.ivr_ports_used(ivrs, day),
            )
        )
    rows = rules.mark_overage_peaks(rows, lambda d: cycle_of[d][0])
    return {
        (r.usage_date, r.usage_type): (
            cycle_of[r.usage_date][1],
            cycle_of[r.usage_date][0],
            r.units_used,
            r.units_commitment,
            r.units_substituted,
            r.units_overage,
            r.usage_unit,
            r.comment,
        )
        for r in rows
    }


PROPERTY = settings(
    max_examples=30,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(
    subs=subscriptions(),
    agents=st.lists(agent_sessions(), max_size=10),
    ivrs=st.lists(ivr_sessions(), max_size=6),
    other_agents=st.lists(agent_sessions(), max_size=4),
)
def test_engine_rows_equal_the_rules(subs, agents, ivrs, other_agents):
    customer, terms = make_customer(subs)
    other, _other_terms = make_customer(subs)
    store(customer, agents, ivrs)
    store(other, other_agents, [])
    engine.compute_days([customer.pk, other.pk], DAYS[0], DAYS[-1])
    assert stored_rows(customer) == naive_rows(terms, agents, ivrs)
    assert_summaries_match()
    # Running again gives the same rows.
    engine.compute_days([customer.pk], DAYS[0], DAYS[-1])
    assert stored_rows(customer) == naive_rows(terms, agents, ivrs)
    assert_summaries_match()


@PROPERTY
@given(
    subs=subscriptions(),
    early=st.lists(agent_sessions(), max_size=8),
    late=st.lists(agent_sessions(), min_size=1, max_size=4),
    early_ivr=st.lists(ivr_sessions(), max_size=4),
    late_ivr=st.lists(ivr_sessions(), max_size=3),
)
def test_late_events_recompute_the_days_they_touch(subs, early, late, early_ivr, late_ivr):
    customer, terms = make_customer(subs)
    store(customer, early, early_ivr)
    engine.compute_days([customer.pk], DAYS[0], DAYS[-1])
    Subscription.objects.unscoped().filter(customer=customer).update(status="active")

    def as_json(moment):
        return moment.isoformat()

    services.agent_sessions_ingest(
        customer=customer,
        now=LATE_NOW,
        payload={
            "sessions": [
                {
                    "id": f"late{i}",
                    "agent_id": s.agent_id,
                    "license": "premium" if s.premium else "standard",
                    "login_at": as_json(s.login_at),
                    "logout_at": as_json(s.logout_at),
                }
                for i, s in enumerate(late)
            ]
        },
    )
    services.ivr_sessions_ingest(
        customer=customer,
        now=LATE_NOW,
        payload={
            "sessions": [
                {
                    "id": f"late{i}",
                    "started_at": as_json(s.started_at),
                    "ended_at": as_json(s.ended_at),
                }
                for i, s in enumerate(late_ivr)
            ]
        },
    )
    with time_machine.travel(LATE_NOW + timedelta(minutes=5), tick=False):
        tasks.recompute_dirty_days()
    stored = stored_rows(customer)
    # Late events may touch days before the window: those are computed too.
    days = sorted(set(DAYS) | {day for day, _type in stored})
    assert stored == naive_rows(terms, early + late, early_ivr + late_ivr, days)
    assert_summaries_match()


def test_named_first_days_grow_a_day_at_a_time(django_assert_max_num_queries):
    customer, terms = make_customer(
        [
            {
                "start_date": date(2024, 2, 1),
                "agent_model": "named",
                "standard_agents": 1,
                "premium_agents": 0,
                "addon_ivr_ports": 0,
            }
        ]
    )
    sessions = [
        rules.AgentSession(
            f"agent-{d}",
            d == 3,
            datetime(2024, 2, 1 + d, 9, tzinfo=UTC),
            datetime(2024, 2, 1 + d, 10, tzinfo=UTC),
        )
        for d in range(6)
    ]
    store(customer, sessions, [])
    engine.compute_days([customer.pk], date(2024, 2, 1), date(2024, 2, 6))
    stored = dict(NamedAgentFirstDay.objects.unscoped().values_list("agent_id", "first_premium"))
    assert len(stored) == 6 and stored["agent-3"] == date(2024, 2, 4)
    days = [date(2024, 2, 1) + timedelta(days=i) for i in range(6)]
    assert stored_rows(customer) == naive_rows(terms, sessions, [], days)
    # A later night reads one day of sessions, a constant number of queries.
    with django_assert_max_num_queries(25):
        engine.compute_days([customer.pk], date(2024, 2, 7), date(2024, 2, 7))


def test_the_overage_peak_moves_when_a_late_day_beats_it(api, world):
    customer = world.a.customer  # named, 10 standard, 5 premium committed
    Subscription.objects.unscoped().filter(customer=customer).update(start_date=date(2024, 6, 1))
    api.force_authenticate(world.a[Role.PARTNER_FULL_ADMIN])

    def login(prefix, n, day, license="standard"):
        return [
            {
                "id": f"{prefix}{i}",
                "agent_id": f"{prefix}{i}",
                "license": license,
                "login_at": f"2024-06-{day:02d}T09:00:00Z",
                "logout_at": f"2024-06-{day:02d}T10:00:00Z",
            }
            for i in range(n)
        ]

    with time_machine.travel(datetime(2024, 6, 4, 1, tzinfo=UTC), tick=False):
        api.post(
            f"/api/v1/customers/{customer.pk}/agent-sessions/",
            {"sessions": login("s", 17, 2)},
            format="json",
        )
    with time_machine.travel(datetime(2024, 6, 4, 1, 30, tzinfo=UTC), tick=False):
        engine.compute_days([customer.pk], date(2024, 6, 1), date(2024, 6, 3))
    standard = {
        r.usage_date.day: r
        for r in DailyUsage.objects.unscoped().filter(usage_type="Standard Named Agent")
    }
    assert standard[2].units_overage == 2 and standard[2].comment == "Overage peak"
    assert standard[3].comment == ""
    with time_machine.travel(datetime(2024, 6, 4, 2, tzinfo=UTC), tick=False):
        # Premium agents on day 3 use up the premium licences that covered standard.
        api.post(
            f"/api/v1/customers/{customer.pk}/agent-sessions/",
            {"sessions": login("p", 5, 3, "premium")},
            format="json",
        )
        assert set(DirtyDay.objects.unscoped().values_list("usage_date", flat=True)) == {
            date(2024, 6, 3)
        }
    with time_machine.travel(datetime(2024, 6, 4, 3, tzinfo=UTC), tick=False):
        tasks.recompute_dirty_days()
    standard = {
        r.usage_date.day: r
        for r in DailyUsage.objects.unscoped().filter(usage_type="Standard Named Agent")
    }
    assert standard[3].units_overage == 7 and standard[3].comment == "Overage peak"
    assert standard[2].comment == ""
    assert not DirtyDay.objects.unscoped().exists()


def test_spec_worked_example_end_to_end(api, world):
    """SPEC §5: named, 5 premium and 20 standard committed, billing day 9."""
    customer = world.a.customer
    Subscription.objects.unscoped().filter(customer=customer).update(
        start_date=date(2024, 5, 9), standard_agents=20, premium_agents=5, addon_ivr_ports=0
    )
    api.force_authenticate(world.a[Role.PARTNER_FULL_ADMIN])

    def sessions(prefix, n, day, license):
        return [
            {
                "id": f"{prefix}{i}",
                "agent_id": f"{prefix}{i}",
                "license": license,
                "login_at": f"2024-06-{day}T08:00:00+02:00",
                "logout_at": f"2024-06-{day}T17:00:00+02:00",
            }
            for i in range(n)
        ]

    batch = (
        sessions("p", 4, 10, "premium")
        + sessions("s", 28, 10, "standard")
        + sessions("p2-", 2, 12, "premium")
        + sessions("s2-", 3, 12, "standard")
    )
    with time_machine.travel(datetime(2024, 6, 13, 0, 5, tzinfo=UTC), tick=False):
        response = api.post(
            f"/api/v1/customers/{customer.pk}/agent-sessions/", {"sessions": batch}, format="json"
        )
        assert response.json() == {"accepted": 37, "duplicates": 0}
        tasks.compute_yesterday()  # June 12 (the beat entry's task)
        tasks.recompute_dirty_days()  # June 10 and 11, marked by the late batch
    rows = api.get(f"/api/v1/customers/{customer.pk}/usage/daily/?from=2024-06-10&to=2024-06-12")
    table = [
        (
            r["usage_date"],
            r["usage_type"],
            r["units_used"],
            r["units_commitment"],
            r["units_substituted"],
            r["units_overage"],
            r["comment"],
        )
        for r in rows.json()["results"]
        if r["usage_type"] != "IVR Port"
    ]
    assert table == [
        ("2024-06-10", "Premium Named Agent", 4, 5, 0, 0, ""),
        ("2024-06-10", "Standard Named Agent", 28, 20, 1, 7, ""),
        ("2024-06-11", "Premium Named Agent", 4, 5, 0, 0, ""),
        ("2024-06-11", "Standard Named Agent", 28, 20, 1, 7, ""),
        ("2024-06-12", "Premium Named Agent", 6, 5, 0, 1, "Overage peak"),
        ("2024-06-12", "Standard Named Agent", 31, 20, 0, 11, "Overage peak"),
    ]


def test_substitution_example_concurrent(world):
    """SPEC §5: 10 premium and 10 standard committed, four days."""
    customer, _terms = make_customer(
        [
            {
                "start_date": date(2024, 3, 1),
                "agent_model": "concurrent",
                "standard_agents": 10,
                "premium_agents": 10,
                "addon_ivr_ports": 0,
            }
        ]
    )
    per_day = {1: (10, 10), 2: (15, 0), 3: (15, 10), 4: (1, 12)}
    agents = []
    for day, (standard, premium) in per_day.items():
        for i in range(standard + premium):
            login = datetime(2024, 3, day, 9, tzinfo=UTC)
            agents.append(
                rules.AgentSession(f"d{day}-{i}", i >= standard, login, login + timedelta(hours=2))
            )
    store(customer, agents, [])
    engine.compute_days([customer.pk], date(2024, 3, 1), date(2024, 3, 4))
    got = {
        (r.usage_date.day, r.usage_type[:8]): (r.units_substituted, r.units_overage)
        for r in DailyUsage.objects.unscoped().filter(customer=customer)
        if r.usage_type != "IVR Port"
    }
    assert got == {
        (1, "Premium "): (0, 0),
        (1, "Standard"): (0, 0),
        (2, "Premium "): (0, 0),
        (2, "Standard"): (5, 0),
        (3, "Premium "): (0, 0),
        (3, "Standard"): (0, 5),
        (4, "Premium "): (0, 2),
        (4, "Standard"): (0, 0),
    }
