"""Helpers of the billing tests: a customer with a subscription and daily rows written
as the engine would (every day of a cycle, so nothing is left to compute)."""

from __future__ import annotations

from datetime import date, timedelta

from subscriptions.models import Subscription
from tests.factories import CustomerFactory, DailyUsageFactory, PartnerFactory, SubscriptionFactory
from usage import rules as usage_rules

NAMED = (usage_rules.PREMIUM_NAMED_AGENT, usage_rules.STANDARD_NAMED_AGENT, usage_rules.IVR_PORT)
CONCURRENT = (
    usage_rules.PREMIUM_CONCURRENT_AGENT,
    usage_rules.STANDARD_CONCURRENT_AGENT,
    usage_rules.IVR_PORT,
)


def billed_customer(*, start: date, partner=None, country="US", model="named", **terms):
    partner = partner or PartnerFactory(country="NL")
    customer = CustomerFactory(partner=partner, country=country)
    subscription = SubscriptionFactory(
        customer=customer,
        start_date=start,
        agent_model=model,
        status=Subscription.Status.ACTIVE,
        **terms,
    )
    return customer, subscription


def write_cycle(
    subscription, cycle: tuple[date, date], overage: dict[str, list[int]] | None = None
):
    """Daily rows for every day of `cycle`: `overage[usage_type][i]` is day i's Units
    Overage (0 when missing), with the peak marked as the engine marks it."""
    overage = overage or {}
    types = NAMED if subscription.agent_model == "named" else CONCURRENT
    days = (cycle[1] - cycle[0]).days + 1
    for usage_type in types:
        values = overage.get(usage_type, [])
        series = [values[i] if i < len(values) else 0 for i in range(days)]
        peak = max(series) if series else 0
        peak_day = series.index(peak) if peak > 0 else None
        for i in range(days):
            DailyUsageFactory(
                subscription=subscription,
                customer=subscription.customer,
                usage_date=cycle[0] + timedelta(days=i),
                cycle_start=cycle[0],
                usage_type=usage_type,
                units_used=10 + series[i],
                units_commitment=10,
                units_overage=series[i],
                comment=usage_rules.OVERAGE_PEAK if i == peak_day else "",
            )
    from tests.factories import cycle_usage_from_daily_rows

    cycle_usage_from_daily_rows()
