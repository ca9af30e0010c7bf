"""The "forecast to exceed commitment" alert: raised once per usage type and cycle when the
low end of the forecast the engine stored is above the commitment, before any overage."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from orgs.roles import Role
from tests.factories import DailyUsageFactory, cycle_usage_from_daily_rows
from tests.usage.helpers import subscription_from_march_9
from usage.alerts import FORECAST_ABOVE, forecast_crossed
from usage.alerts.models import OverageAlert, OverageAlertSettings
from usage.alerts.services import alert_settings_update, alerts_evaluate
from usage.models import CycleUsage

pytestmark = pytest.mark.django_db

CONCURRENT = "Standard Concurrent Agent"
# Billing day 9; 2024-06-09 is a Sunday.
CYCLE_START = date(2024, 6, 9)
PREVIOUS_START = date(2024, 5, 9)


@pytest.mark.parametrize(
    ("forecast_low", "days_left", "on_forecast", "crossed"),
    [
        (0, 20, True, False),  # the low end at the commitment: not sure enough
        (1, 20, True, True),
        (4, 1, True, True),
        (4, 0, True, False),  # the cycle's last day: nothing left to act on
        (4, 20, False, False),  # turned off
    ],
)
def test_forecast_crossed(forecast_low, days_left, on_forecast, crossed):
    assert (
        forecast_crossed(forecast_low=forecast_low, days_left=days_left, on_forecast=on_forecast)
        == crossed
    )


@pytest.fixture
def subscription(world):
    return subscription_from_march_9(world)


def busy_weekdays(subscription, first: date, last: date, cycle_start: date) -> None:
    """14 concurrent agents on weekdays, 5 at weekends, 10 committed."""
    day = first
    while day <= last:
        used = 5 if day.weekday() >= 5 else 14
        DailyUsageFactory(
            customer=subscription.customer,
            subscription=subscription,
            usage_date=day,
            cycle_start=cycle_start,
            usage_type=CONCURRENT,
            units_used=used,
            units_commitment=10,
            units_overage=max(0, used - 10),
        )
        day += timedelta(days=1)


def test_raised_once_before_any_overage_and_emailed(
    world, subscription, mailoutbox, django_capture_on_commit_callbacks
):
    # Two weeks known before the cycle (the customer's usage began mid-cycle).
    two_weeks_before = CYCLE_START - timedelta(days=14)
    busy_weekdays(subscription, two_weeks_before, CYCLE_START - timedelta(days=1), PREVIOUS_START)
    # The new cycle's first day is a quiet Sunday: nothing billed yet.
    busy_weekdays(subscription, CYCLE_START, CYCLE_START, CYCLE_START)
    cycle_usage_from_daily_rows()
    summary = CycleUsage.objects.unscoped().get(cycle_start=CYCLE_START, usage_type=CONCURRENT)
    # 15 days are too little to learn each weekday's level (three weeks): uncertain, the
    # highest excess seen (4) with as much again as the days varied (9) above it.
    assert (summary.forecast, summary.forecast_low, summary.forecast_high) == (4, 4, 13)
    assert summary.overage == 0 and summary.forecast_uncertain
    with django_capture_on_commit_callbacks(execute=True):
        raised = alerts_evaluate(customer_id=world.a.customer.pk, day=CYCLE_START)
    assert [(a.usage_type, a.threshold) for a in raised] == [(CONCURRENT, FORECAST_ABOVE)]
    alert = raised[0]
    assert (alert.forecast, alert.forecast_low, alert.forecast_high) == (4, 4, 13)
    assert alert.units_overage == 0 and alert.cycle_end == date(2024, 7, 8)
    assert alert.threshold_label == "Forecast to exceed commitment"
    recipients = {m.to[0] for m in mailoutbox}
    assert world.a[Role.CUSTOMER_FULL_ADMIN].email in recipients
    body = mailoutbox[0].body
    assert "forecast to exceed commitment: billed overage 4 expected (likely 4 to 13)" in body
    assert "still time to buy licences or release agents" in body

    # Monday brings the overage: "any overage" now, the forecast alert not again.
    mailoutbox.clear()
    monday = CYCLE_START + timedelta(days=1)
    busy_weekdays(subscription, monday, monday, CYCLE_START)
    cycle_usage_from_daily_rows()
    raised = alerts_evaluate(customer_id=world.a.customer.pk, day=monday)
    assert [a.threshold for a in raised if a.usage_type == CONCURRENT] == ["90", "100", "overage"]
    assert (
        OverageAlert.objects.filter(customer=world.a.customer, threshold=FORECAST_ABOVE).count()
        == 1
    )


def test_not_raised_when_turned_off_or_from_a_later_forecast(world, subscription):
    busy_weekdays(subscription, PREVIOUS_START, CYCLE_START - timedelta(days=1), PREVIOUS_START)
    busy_weekdays(subscription, CYCLE_START, CYCLE_START + timedelta(days=1), CYCLE_START)
    cycle_usage_from_daily_rows()
    # Evaluating Sunday after Monday was computed (a backfill): the stored forecast is
    # Monday's, which says nothing of what was known on Sunday.
    raised = alerts_evaluate(customer_id=world.a.customer.pk, day=CYCLE_START)
    assert FORECAST_ABOVE not in {a.threshold for a in raised}
    alert_settings_update(
        actor=world.a[Role.CUSTOMER_FULL_ADMIN], customer=world.a.customer, on_forecast=False
    )
    raised = alerts_evaluate(customer_id=world.a.customer.pk, day=CYCLE_START + timedelta(days=1))
    assert FORECAST_ABOVE not in {a.threshold for a in raised}
    assert OverageAlertSettings.objects.get(customer=world.a.customer).on_forecast is False


def test_settings_page_offers_the_forecast_alert(client, world):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/customers/{world.a.customer.pk}/usage/alerts/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Alert when the forecast exceeds the commitment" in page.content.decode()
    response = client.post(
        url, {"enabled": "on", "warning_percent": "90", "limit_percent": "100", "on_overage": "on"}
    )
    assert response.status_code == 302
    assert OverageAlertSettings.objects.get(customer=world.a.customer).on_forecast is False
