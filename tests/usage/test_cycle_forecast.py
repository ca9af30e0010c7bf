"""The forecast the engine stores with each cycle summary: the pure forecast of the cycle's
days and the customer's previous cycles, stored with its range, read back by the pages
and the API without recomputing it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from orgs.roles import Role
from subscriptions.models import Subscription
from tests.factories import DailyUsageFactory, cycle_usage_from_daily_rows
from usage import selectors
from usage.forecast import BASIS_HISTORY, DayFigures, PastCycle, forecast_overage
from usage.models import CycleUsage

pytestmark = pytest.mark.django_db

STANDARD, PREMIUM, IVR = "Standard Named Agent", "Premium Named Agent", "IVR Port"
# Billing day 9: cycles May 9 - Jun 8 and Jun 9 - Jul 8 (2024).
PREVIOUS = (date(2024, 5, 9), date(2024, 6, 8))
CURRENT = (date(2024, 6, 9), date(2024, 7, 8))


def subscription_of(tenant) -> Subscription:
    subscription = Subscription.objects.get(customer=tenant.customer)
    subscription.start_date = date(2024, 3, 9)
    subscription.standard_agents, subscription.premium_agents = 25, 5
    subscription.save()
    return subscription


def write_days(subscription, cycle, used_of_day, usage_type=STANDARD, commitment=25, days=None):
    start, end = cycle
    count = (end - start).days + 1 if days is None else days
    for i in range(count):
        used = used_of_day(i)
        DailyUsageFactory(
            customer=subscription.customer,
            subscription=subscription,
            usage_date=start + timedelta(days=i),
            cycle_start=start,
            usage_type=usage_type,
            units_used=used,
            units_commitment=commitment,
            units_overage=max(0, used - commitment),
        )


def test_hooli_flat_28_of_25_is_forecast_at_3(world):
    """The issue's example: 28 of 25 standard named agents all along, last cycle and
    this one's first week: the billed overage will be 3 (the straight line said 62)."""
    subscription = subscription_of(world.a)
    write_days(subscription, PREVIOUS, lambda _i: 28)
    write_days(subscription, CURRENT, lambda _i: 28, days=7)
    cycle_usage_from_daily_rows()
    summary = CycleUsage.objects.unscoped().get(
        customer=world.a.customer, cycle_start=CURRENT[0], usage_type=STANDARD
    )
    assert (summary.forecast, summary.forecast_low, summary.forecast_high) == (3, 3, 3)
    assert summary.forecast_basis == BASIS_HISTORY and not summary.forecast_uncertain
    assert len(summary.days) == 7 and summary.days[0] == [0, 28, 25, 0, 3]


def test_the_stored_forecast_is_the_pure_forecast_with_the_previous_cycle(world):
    subscription = subscription_of(world.a)
    previous = [20 + min(i, 10) for i in range(31)]  # reached 30 by day 10
    current = [18, 20, 22, 24, 26, 27, 28]
    write_days(subscription, PREVIOUS, lambda i: previous[i])
    write_days(subscription, CURRENT, lambda i: current[i], days=7)
    cycle_usage_from_daily_rows()
    start = PREVIOUS[0]
    history = [
        PastCycle(
            start,
            PREVIOUS[1],
            [
                DayFigures(start + timedelta(days=i), u, 25, 0, max(0, u - 25))
                for i, u in enumerate(previous)
            ],
        )
    ]
    days = [
        DayFigures(CURRENT[0] + timedelta(days=i), u, 25, 0, max(0, u - 25))
        for i, u in enumerate(current)
    ]
    expected = forecast_overage(
        STANDARD, days, cycle_start=CURRENT[0], cycle_end=CURRENT[1], history=history
    )
    summary = CycleUsage.objects.unscoped().get(
        customer=world.a.customer, cycle_start=CURRENT[0], usage_type=STANDARD
    )
    assert (summary.forecast, summary.forecast_low, summary.forecast_high) == (
        expected.point,
        expected.low,
        expected.high,
    )
    assert expected.point > expected.billed_so_far == 3  # more agents still to come
    # The finished previous cycle forecasts what it billed.
    closed = CycleUsage.objects.unscoped().get(
        customer=world.a.customer, cycle_start=PREVIOUS[0], usage_type=STANDARD
    )
    assert closed.forecast == closed.forecast_low == closed.forecast_high == 5


def test_forecast_selector_for_the_estimated_invoice(world):
    subscription = subscription_of(world.a)
    write_days(subscription, PREVIOUS, lambda _i: 28)
    write_days(subscription, CURRENT, lambda _i: 28, days=7)
    write_days(subscription, CURRENT, lambda _i: 4, usage_type=PREMIUM, commitment=5, days=7)
    cycle_usage_from_daily_rows()
    forecasts = selectors.forecast_billed_overage(world.a.customer, date(2024, 6, 16))
    assert set(forecasts) == {STANDARD, PREMIUM}
    standard = forecasts[STANDARD]
    assert (standard.billed_so_far, standard.forecast) == (3, 3)
    assert (standard.forecast_low, standard.forecast_high) == (3, 3)
    assert standard.cycle_start == CURRENT[0] and standard.cycle_end == CURRENT[1]
    assert forecasts[PREMIUM].forecast == 0
    # Another tenant's customer has none of them.
    assert selectors.forecast_billed_overage(world.b.customer, date(2024, 6, 16)) == {}


def test_api_returns_the_stored_forecast(api, world, time_machine, django_assert_max_num_queries):
    subscription = subscription_of(world.a)
    write_days(subscription, PREVIOUS, lambda _i: 28)
    write_days(subscription, CURRENT, lambda _i: 28, days=7)
    cycle_usage_from_daily_rows()
    # The page and the API read what is stored: change it, and they show the change.
    CycleUsage.objects.unscoped().filter(cycle_start=CURRENT[0], usage_type=STANDARD).update(
        forecast=7, forecast_low=4, forecast_high=11
    )
    api.force_authenticate(world.a[Role.CUSTOMER_FULL_ADMIN])
    time_machine.move_to("2024-06-16T12:00Z", tick=False)
    with django_assert_max_num_queries(10):
        body = api.get(f"/api/v1/customers/{world.a.customer.pk}/usage/current/").json()
    standard = next(u for u in body["usage"] if u["usage_type"] == STANDARD)
    assert (standard["forecast"], standard["forecast_low"], standard["forecast_high"]) == (
        7,
        4,
        11,
    )
    assert standard["forecast_basis"] == BASIS_HISTORY
    assert standard["forecast_uncertain"] is False
    # A type with no computed day: nothing billed, nothing forecast.
    ivr = next(u for u in body["usage"] if u["usage_type"] == IVR)
    assert (ivr["forecast"], ivr["forecast_low"], ivr["forecast_high"]) == (0, 0, 0)


def test_daily_detail_and_cards_show_the_stored_forecast(client, world, time_machine):
    subscription = subscription_of(world.a)
    write_days(subscription, PREVIOUS, lambda _i: 28)
    write_days(subscription, CURRENT, lambda _i: 28, days=7)
    cycle_usage_from_daily_rows()
    time_machine.move_to("2024-06-16T12:00Z", tick=False)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    daily = client.get(
        f"/customers/{world.a.customer.pk}/usage/daily/?cycle=2024-06-09"
    ).content.decode()
    assert 'id="cycle-forecast"' in daily
    # Flat: the forecast is what is billed, and says what it rests on.
    assert "Overage so far 3; forecast billed overage 3." in daily
    assert "Based on the new agents your previous cycles added after this day." in daily
    home = client.get(f"/customers/{world.a.customer.pk}/").content.decode()
    assert "Overage so far 3; forecast billed overage 3." in home
    assert "Uncertain." not in home.split('data-usage-type="Standard Named Agent"')[1][:2000]
