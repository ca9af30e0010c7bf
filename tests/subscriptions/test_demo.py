"""seed_demo's orders and subscriptions."""

import datetime as dt

import pytest
from django.core.management import call_command

from subscriptions.models import Order, Subscription


def test_seed_demo_has_orders_in_every_status_and_active_subscriptions(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for partner in ("Acme Partners", "Globex Reseller"):
        statuses = set(
            Order.objects.unscoped().filter(partner__name=partner).values_list("status", flat=True)
        )
        assert statuses == set(Order.Status.values)
    models = {
        customer: sorted(
            Subscription.objects.unscoped()
            .filter(customer__name=customer, status="active")
            .values_list("agent_model", flat=True)
        )
        for customer in ("Initech", "Umbrella Health", "Hooli", "Stark Retail", "Wayne Travel")
    }
    assert models == {
        "Initech": ["named"],
        "Umbrella Health": ["concurrent"],
        "Hooli": ["named", "named"],
        "Stark Retail": ["named"],
        "Wayne Travel": ["concurrent"],
    }


@pytest.mark.parametrize(
    "today", [dt.date(2026, 11, 21), dt.date(2026, 3, 1), dt.date(2024, 12, 31)]
)
@pytest.mark.parametrize("days_ago", [40, 88, 90, 92, 100])
def test_demo_subscriptions_leave_today_inside_a_started_cycle(today, days_ago):
    from subscriptions.demo import demo_start_date
    from usage.rules import billing_cycle

    start = demo_start_date(today, days_ago)
    cycle_start, _end = billing_cycle(start.day, today)
    assert 7 <= (today - cycle_start).days <= 20
    assert 25 <= (today - start).days <= 110
