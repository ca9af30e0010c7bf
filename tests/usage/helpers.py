"""Helpers of the usage tests: a customer with subscriptions and its terms, sessions
stored as the API would, the daily rows and cycle summaries the engine wrote, and their
plain recomputation. Shared by the engine, command, task, worker and evidence tests."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from subscriptions.models import Subscription
from tests.factories import CustomerFactory, SubscriptionFactory
from usage import rules
from usage.forecast import TrendSums
from usage.models import AgentSession, CycleUsage, DailyUsage, IvrSession

# A named subscription from 2024-01-15 (billing day 15): 2 standard, 1 premium agent.
NAMED_FROM_JAN_15 = {
    "start_date": date(2024, 1, 15),
    "agent_model": "named",
    "standard_agents": 2,
    "premium_agents": 1,
    "addon_ivr_ports": 0,
}


def subscription_from_march_9(world) -> Subscription:
    """Tenant A's subscription, started 2024-03-09: billing day 9, so June's cycle runs
    from 2024-06-09 (a Sunday) to 2024-07-08."""
    subscription = Subscription.objects.get(customer=world.a.customer)
    subscription.start_date = date(2024, 3, 9)
    subscription.save()
    return subscription


def terms_of(subscriptions) -> list[rules.SubscriptionTerms]:
    """The rules' terms of these Subscription rows, built here rather than by the
    selector under test."""
    return [
        rules.SubscriptionTerms(
            s.pk,
            s.start_date,
            s.end_date,
            s.billing_day,
            s.agent_model,
            s.standard_agents,
            s.premium_agents,
            s.addon_ivr_ports,
        )
        for s in subscriptions
    ]


def stored_rows(customer) -> dict:
    return {
        (r.usage_date, r.usage_type): (
            r.subscription_id,
            r.cycle_start,
            r.units_used,
            r.units_commitment,
            r.units_substituted,
            r.units_overage,
            r.usage_unit,
            r.comment,
        )
        for r in DailyUsage.objects.unscoped().filter(customer=customer)
    }


def store(customer, agents, ivrs, offset: int = 0):
    AgentSession.objects.unscoped().bulk_create(
        AgentSession(
            customer=customer,
            session_id=f"a{offset + i}",
            agent_id=s.agent_id,
            premium=s.premium,
            login_at=s.login_at,
            logout_at=s.logout_at,
            multi_day=s.logout_at - s.login_at > timedelta(days=1),
        )
        for i, s in enumerate(agents)
    )
    IvrSession.objects.unscoped().bulk_create(
        IvrSession(
            customer=customer,
            session_id=f"i{offset + i}",
            started_at=s.started_at,
            ended_at=s.ended_at,
            multi_day=s.ended_at - s.started_at > timedelta(days=1),
        )
        for i, s in enumerate(ivrs)
    )


def make_customer(subs):
    customer = CustomerFactory()
    created = [SubscriptionFactory(customer=customer, **values) for values in subs]
    return customer, terms_of(created)


# Shrinking through the database is slow; a failing example is readable as drawn.


def plain_summaries() -> dict:
    """The summary of every (customer, cycle, type), added up in Python from the rows."""
    groups = defaultdict(list)
    for row in DailyUsage.objects.unscoped().all():
        groups[(row.customer_id, row.cycle_start, row.usage_type)].append(row)
    summaries = {}
    for (customer_id, cycle_start, usage_type), rows in groups.items():
        points = [
            (
                (r.usage_date - cycle_start).days,
                r.units_used - r.units_commitment - r.units_substituted,
            )
            for r in rows
        ]
        sums = TrendSums.of(points)
        summaries[(customer_id, cycle_start, usage_type)] = (
            sums.n,
            sums.sum_x,
            sums.sum_y,
            sums.sum_xy,
            sums.sum_xx,
            max(x for x, _y in points),
            max(r.units_used for r in rows),
            max(r.units_commitment for r in rows),
            max(r.units_overage for r in rows),
            max(r.usage_date for r in rows),
        )
    return summaries


def stored_summaries() -> dict:
    return {
        (s.customer_id, s.cycle_start, s.usage_type): (
            s.n,
            s.sum_x,
            s.sum_y,
            s.sum_xy,
            s.sum_xx,
            s.last_x,
            s.used,
            s.commitment,
            s.overage,
            s.last_usage_date,
        )
        for s in CycleUsage.objects.unscoped().all()
    }


def assert_summaries_match() -> None:
    assert stored_summaries() == plain_summaries()
    # Each summary ends on the last day of its customer's cycle.
    for summary in CycleUsage.objects.unscoped().all():
        terms = terms_of(Subscription.objects.unscoped().filter(customer_id=summary.customer_id))
        cycle = rules.customer_billing_cycle(terms, summary.cycle_start)
        assert (summary.cycle_start, summary.cycle_end) == cycle
