"""The cycle summaries (`CycleUsage`) the engine keeps equal the plain aggregate of the
daily rows they summarise: after a run, a re-run, a late event and a deleted day.
test_engine.py's property tests check them too, through `helpers.assert_summaries_match`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from subscriptions.models import Subscription
from tests.factories import CustomerFactory, SubscriptionFactory
from tests.usage.helpers import assert_summaries_match, stored_summaries
from usage import engine, rules
from usage.models import AgentSession, CycleUsage, DailyUsage

pytestmark = pytest.mark.django_db


def agent(customer, n: int, day: date, *, premium: bool = False, hours: int = 2) -> AgentSession:
    login = rules.day_start(day) + timedelta(hours=9)
    return AgentSession(
        customer=customer,
        session_id=f"s{n}",
        agent_id=f"agent-{n}",
        premium=premium,
        login_at=login,
        logout_at=login + timedelta(hours=hours),
    )


def test_summaries_follow_runs_late_events_and_deleted_days():
    start = date(2024, 5, 9)
    customers = [CustomerFactory() for _ in range(3)]
    for i, customer in enumerate(customers):
        SubscriptionFactory(
            customer=customer,
            start_date=start - timedelta(days=3 * i),
            agent_model=rules.NAMED if i != 1 else rules.CONCURRENT,
            standard_agents=2,
            premium_agents=1,
        )
        AgentSession.objects.unscoped().bulk_create(
            agent(customer, n, start + timedelta(days=n % 40), premium=n % 3 == 0)
            for n in range(12)
        )
    ids = [c.pk for c in customers]
    last = start + timedelta(days=40)  # crosses a cycle boundary
    engine.compute_days(ids, start - timedelta(days=6), last)
    assert CycleUsage.objects.unscoped().exists()
    assert_summaries_match()
    before = stored_summaries()
    engine.compute_days(ids, start - timedelta(days=6), last)
    assert stored_summaries() == before  # re-running changes nothing

    # Late sessions recompute their day (concurrent agents: no first days to forget).
    AgentSession.objects.unscoped().bulk_create(
        [agent(customers[1], 90 + n, start + timedelta(days=3), premium=True) for n in range(5)]
    )
    engine.compute_days([customers[1].pk], start + timedelta(days=3), start + timedelta(days=3))
    assert stored_summaries() != before
    assert_summaries_match()

    # The subscription now ends earlier: recomputing deletes the days after it, and the
    # summaries lose them (a cycle with no day left loses its summary).
    Subscription.objects.unscoped().filter(customer=customers[2]).update(
        end_date=start + timedelta(days=20)
    )
    engine.compute_days([customers[2].pk], start, last)
    assert (
        not DailyUsage.objects.unscoped()
        .filter(customer=customers[2], usage_date__gt=start + timedelta(days=20))
        .exists()
    )
    assert_summaries_match()
    assert (
        CycleUsage.objects.unscoped()
        .filter(customer=customers[2], last_usage_date__gt=start + timedelta(days=20))
        .count()
        == 0
    )


def test_refresh_summarises_rows_written_directly():
    """`cycle_usage_refresh` is what tests and data loads call after writing rows."""
    from tests.factories import DailyUsageFactory, cycle_usage_from_daily_rows

    subscription = SubscriptionFactory(start_date=date(2024, 1, 31))
    cycle = (date(2024, 2, 29), date(2024, 3, 30))
    for i, used in enumerate([3, 9, 4]):
        DailyUsageFactory(
            customer=subscription.customer,
            subscription=subscription,
            usage_date=cycle[0] + timedelta(days=i),
            cycle_start=cycle[0],
            units_used=used,
            units_commitment=5,
        )
    cycle_usage_from_daily_rows()
    assert_summaries_match()
    summary = CycleUsage.objects.unscoped().get()
    assert (summary.used, summary.overage, summary.cycle_end, summary.last_x) == (
        9,
        4,
        cycle[1],
        2,
    )
    DailyUsage.objects.unscoped().all().delete()
    engine.cycle_usage_refresh([subscription.customer_id], [cycle[0]])
    assert not CycleUsage.objects.unscoped().exists()
