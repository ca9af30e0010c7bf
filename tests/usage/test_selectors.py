"""Usage selectors the pages share: the dashboard, the partner overview's aggregate (its
stored forecast held equal to the pure forecast), and digital usage."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from orgs.models import Organization
from subscriptions.models import Subscription
from tests.factories import (
    CustomerFactory,
    DailyUsageFactory,
    SubscriptionFactory,
    cycle_usage_from_daily_rows,
)
from usage import selectors
from usage.forecast import DayFigures, PastCycle, forecast_overage

TODAY = date(2024, 6, 20)
STANDARD, PREMIUM, IVR = "Standard Named Agent", "Premium Named Agent", "IVR Port"


def test_overview_forecast_equals_the_pure_forecast(world):
    rng = random.Random(7)
    expected = {}
    for n in range(6):
        customer = CustomerFactory(partner=world.a.partner)
        billing_day = 1 + 5 * n
        subscription = SubscriptionFactory(customer=customer, start_date=date(2024, 1, billing_day))
        cycle_start = (
            date(2024, 6, billing_day) if billing_day <= 20 else date(2024, 5, billing_day)
        )
        cycle_end = (
            date(2024, 7, billing_day) if billing_day <= 20 else date(2024, 6, billing_day)
        ) - timedelta(days=1)
        days = []
        day = cycle_start
        while day <= TODAY - timedelta(days=1):
            used = rng.randint(5, 25)
            substituted = rng.randint(0, 2)
            row = DailyUsageFactory(
                customer=customer,
                subscription=subscription,
                usage_date=day,
                cycle_start=cycle_start,
                usage_type=STANDARD,
                units_used=used,
                units_commitment=10,
                units_substituted=substituted,
            )
            days.append(DayFigures(day, used, 10, substituted, row.units_overage))
            day += timedelta(days=1)
        # A row of the previous cycle is not part of the current one, but its history.
        previous = DailyUsageFactory(
            customer=customer,
            subscription=subscription,
            usage_date=cycle_start - timedelta(days=1),
            cycle_start=cycle_start - timedelta(days=28),
            usage_type=STANDARD,
            units_used=99,
            units_commitment=10,
        )
        history = [
            PastCycle(
                previous.cycle_start,
                cycle_start - timedelta(days=1),
                [DayFigures(previous.usage_date, 99, 10, 0, previous.units_overage)],
            )
        ]
        expected[customer.pk] = forecast_overage(
            STANDARD, days, cycle_start=cycle_start, cycle_end=cycle_end, history=history
        )
    cycle_usage_from_daily_rows()
    customers = Organization.objects.filter(pk__in=expected)
    rows = selectors.usage_overview(customers, TODAY)
    standard = {r.customer_id: r for r in rows if r.usage_type == STANDARD}
    assert set(standard) == set(expected)
    for customer_id, forecast in expected.items():
        row = standard[customer_id]
        assert row.overage == forecast.billed_so_far
        assert (row.forecast, row.forecast_low, row.forecast_high) == (
            forecast.point,
            forecast.low,
            forecast.high,
        )
        assert row.forecast_uncertain == forecast.uncertain
    # Only computed usage types are listed (the nightly run computes every type).
    assert {r.usage_type for r in rows} == {STANDARD}


def test_overview_leaves_out_customers_without_an_active_subscription(world):
    Subscription.objects.filter(customer=world.a.customer).update(
        start_date=date(2024, 1, 1),
        end_date=TODAY - timedelta(days=1),
        status=Subscription.Status.ENDED,
    )
    rows = selectors.usage_overview(Organization.objects.filter(pk=world.a.customer.pk), TODAY)
    assert list(rows) == []


@pytest.mark.parametrize(
    ("used", "commitment", "overage", "status", "percent"),
    [
        (9, 10, 0, "near", 90),
        (8, 10, 0, "under", 80),
        (11, 10, 1, "over", 110),
        (11, 10, 0, "near", 110),  # above commitment but covered by substitution
        (0, 0, 0, "under", None),
        (3, 0, 0, "over", 10**6),
    ],
)
def test_overview_status_and_percent_are_worked_out_in_sql(
    world, used, commitment, overage, status, percent
):
    from usage.models import CycleUsage

    CycleUsage.objects.unscoped().create(
        customer=world.a.customer,
        cycle_start=TODAY - timedelta(days=3),
        cycle_end=TODAY + timedelta(days=20),
        usage_type=STANDARD,
        n=1,
        sum_x=0,
        sum_y=0,
        sum_xy=0,
        sum_xx=0,
        last_x=0,
        used=used,
        commitment=commitment,
        overage=overage,
        last_usage_date=TODAY,
    )
    (row,) = selectors.usage_overview(Organization.objects.filter(pk=world.a.customer.pk), TODAY)
    assert (row.status, row.percent) == (status, percent)
    filtered = selectors.usage_overview(Organization.objects.all(), TODAY).filter(status=status)
    assert [r.pk for r in filtered] == [row.pk]


def test_dashboard_days_and_forecasts(world):
    subscription = Subscription.objects.get(customer=world.a.customer)
    subscription.start_date = date(2024, 3, 9)
    subscription.save()
    for i in range(3):
        DailyUsageFactory(
            customer=world.a.customer,
            subscription=subscription,
            usage_date=date(2024, 6, 9) + timedelta(days=i),
            cycle_start=date(2024, 6, 9),
            usage_type=IVR,
            units_used=30 + i,
            units_commitment=30,
        )
    dashboard = selectors.usage_dashboard(world.a.customer, TODAY)
    assert dashboard.current.cycle_start == date(2024, 6, 9)
    assert dashboard.agent_types == (PREMIUM, STANDARD)
    assert [d.units_used for d in dashboard.days_by_type[IVR]] == [30, 31, 32]
    # Rows written without the engine have no summary: the forecast is what is billed.
    ivr = dashboard.current.by_type[IVR]
    assert (ivr.forecast, ivr.forecast_low, ivr.forecast_high) == (2, 2, 2)
    assert ivr.forecast_uncertain
    assert dashboard.digital == []


def test_digital_usage_sums_units_per_sku_within_the_cycle(world):
    from usage.models import DigitalUsage

    def record(record_id, sku, units, at):
        DigitalUsage.objects.unscoped().create(
            customer=world.a.customer, record_id=record_id, sku=sku, units=units, occurred_at=at
        )

    record("1", "A-CHAN-U-SMS-INTL", 700, "2024-06-09T00:00:00Z")
    record("2", "A-CHAN-U-SMS-INTL", 900, "2024-06-10T23:59:59Z")
    record("3", "A-VOICE-U-INTL", 5, "2024-06-10T12:00:00Z")
    record("4", "A-CHAN-U-SMS-INTL", 50, "2024-06-11T00:00:00Z")  # after the range
    record("5", "A-CHAN-U-SMS-INTL", 50, "2024-06-08T23:59:59Z")  # before it
    figures = selectors.digital_usage_for_cycle(
        world.b.customer, date(2024, 6, 9), date(2024, 6, 10)
    )
    assert figures == []  # the other tenant's usage is not this customer's
    sms, voice = selectors.digital_usage_for_cycle(
        world.a.customer, date(2024, 6, 9), date(2024, 6, 10)
    )
    assert (sms.sku_code, sms.units) == ("A-CHAN-U-SMS-INTL", 1600)
    assert sms.units_beyond_included == max(0, 1600 - sms.included_units)
    assert (voice.sku_code, voice.units) == ("A-VOICE-U-INTL", 5)
