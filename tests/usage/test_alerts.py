"""Overage alerts: thresholds (pure), evaluation after a computed day, emails once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError

from orgs.models import CustomerAssignment
from orgs.roles import Role
from tests.factories import DailyUsageFactory, PersonFactory
from tests.usage.helpers import subscription_from_march_9
from usage.alerts import thresholds_crossed
from usage.alerts.models import OverageAlert, OverageAlertSettings
from usage.alerts.services import alert_recipients, alerts_evaluate

CYCLE_START = date(2024, 6, 9)
STANDARD, PREMIUM, IVR = "Standard Named Agent", "Premium Named Agent", "IVR Port"


@pytest.mark.parametrize(
    ("used", "commitment", "overage", "percents", "on_overage", "crossed"),
    [
        (0, 10, 0, [90, 100], True, []),
        (8, 10, 0, [90, 100], True, []),
        (9, 10, 0, [90, 100], True, ["90"]),
        (10, 10, 0, [90, 100], True, ["90", "100"]),
        (12, 10, 2, [90, 100], True, ["90", "100", "overage"]),
        (12, 10, 0, [90, 100], True, ["90", "100"]),  # covered by substitution
        (12, 10, 2, [100, 90], False, ["90", "100"]),
        (3, 0, 3, [90], True, ["90", "overage"]),
        (5, 10, 0, [50, 50], True, ["50"]),
    ],
)
def test_thresholds_crossed(used, commitment, overage, percents, on_overage, crossed):
    assert (
        thresholds_crossed(
            used=used,
            commitment=commitment,
            overage=overage,
            percents=percents,
            on_overage=on_overage,
        )
        == crossed
    )


@pytest.fixture
def subscription(world):
    return subscription_from_march_9(world)


def day_rows(subscription, day, standard_used, *, premium_used=0):
    common = {
        "customer": subscription.customer,
        "subscription": subscription,
        "usage_date": day,
        "cycle_start": CYCLE_START if day >= CYCLE_START else date(2024, 5, 9),
    }
    DailyUsageFactory(**common, usage_type=STANDARD, units_used=standard_used, units_commitment=10)
    DailyUsageFactory(**common, usage_type=PREMIUM, units_used=premium_used, units_commitment=5)
    DailyUsageFactory(**common, usage_type=IVR, units_used=1, units_commitment=40)


def test_alerts_are_raised_and_emailed_once_per_threshold_type_and_cycle(
    world, subscription, mailoutbox, django_capture_on_commit_callbacks
):
    day_rows(subscription, CYCLE_START, 9)
    with django_capture_on_commit_callbacks(execute=True):
        raised = alerts_evaluate(customer_id=world.a.customer.pk, day=CYCLE_START)
    assert [(a.usage_type, a.threshold) for a in raised] == [(STANDARD, "90")]
    assert raised[0].cycle_end == date(2024, 7, 8)
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == alert_recipients(world.a.customer)
    assert world.a[Role.CUSTOMER_FULL_ADMIN].email in recipients
    assert world.a[Role.PARTNER_FULL_ADMIN].email in recipients
    assert world.a[Role.PARTNER_ADMIN].email in recipients  # created the customer
    assert world.a[Role.CUSTOMER_READ_ONLY].email not in recipients
    assert world.a[Role.SALES_FULL_ADMIN].email not in recipients
    assert world.b[Role.PARTNER_FULL_ADMIN].email not in recipients
    message = mailoutbox[0]
    assert "Usage alert for" in message.subject
    assert "90 % of commitment" in message.body
    assert f"/customers/{world.a.customer.pk}/usage/daily/" in message.body

    # Run again, and the next day still at 90 %: nothing new.
    mailoutbox.clear()
    day_rows(subscription, CYCLE_START + timedelta(days=1), 9)
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_evaluate(customer_id=world.a.customer.pk, day=CYCLE_START) == []
        assert (
            alerts_evaluate(customer_id=world.a.customer.pk, day=CYCLE_START + timedelta(days=1))
            == []
        )
    assert mailoutbox == []

    # Over: 100 % and any overage, in one email per person.
    day_rows(subscription, CYCLE_START + timedelta(days=2), 12, premium_used=6)
    with django_capture_on_commit_callbacks(execute=True):
        raised = alerts_evaluate(
            customer_id=world.a.customer.pk, day=CYCLE_START + timedelta(days=2)
        )
    assert sorted((a.usage_type, a.threshold) for a in raised) == [
        (PREMIUM, "100"),
        (PREMIUM, "90"),
        (PREMIUM, "overage"),
        (STANDARD, "100"),
        (STANDARD, "overage"),
    ]
    assert len(mailoutbox) == len(recipients)
    assert "any overage" in mailoutbox[0].body
    assert OverageAlert.objects.filter(customer=world.a.customer).count() == 6
    assert all(a.recipients == recipients for a in OverageAlert.objects.all())


def test_a_new_cycle_alerts_again(world, subscription):
    day_rows(subscription, date(2024, 6, 8), 12)
    day_rows(subscription, CYCLE_START, 12)
    first = alerts_evaluate(customer_id=world.a.customer.pk, day=date(2024, 6, 8))
    second = alerts_evaluate(customer_id=world.a.customer.pk, day=CYCLE_START)
    assert {a.cycle_start for a in first} == {date(2024, 5, 9)}
    assert {a.cycle_start for a in second} == {CYCLE_START}
    assert len(first) == len(second) == 3


def test_the_unique_constraint_refuses_a_second_alert(world, subscription):
    fields = {
        "customer": world.a.customer,
        "cycle_start": CYCLE_START,
        "cycle_end": date(2024, 7, 8),
        "usage_type": STANDARD,
        "threshold": "overage",
        "usage_date": CYCLE_START,
        "units_used": 12,
        "units_commitment": 10,
        "units_overage": 2,
    }
    OverageAlert.objects.create(**fields)
    with pytest.raises(IntegrityError):
        OverageAlert.objects.create(**fields)


def test_settings_turn_thresholds_off_and_on(world, subscription):
    OverageAlertSettings.objects.create(
        customer=world.a.customer, warning_percent=None, limit_percent=120, on_overage=False
    )
    day_rows(subscription, CYCLE_START, 12)
    assert [
        a.threshold for a in alerts_evaluate(customer_id=world.a.customer.pk, day=CYCLE_START)
    ] == ["120"]
    OverageAlertSettings.objects.filter(customer=world.a.customer).update(enabled=False)
    day_rows(subscription, CYCLE_START + timedelta(days=1), 20)
    assert (
        alerts_evaluate(customer_id=world.a.customer.pk, day=CYCLE_START + timedelta(days=1)) == []
    )


def test_nothing_to_evaluate(world):
    assert alerts_evaluate(customer_id=world.a.customer.pk, day=CYCLE_START) == []
    assert alerts_evaluate(customer_id=world.a.partner.pk, day=CYCLE_START) == []
    assert alerts_evaluate(customer_id=10**9, day=CYCLE_START) == []


def test_assigned_partner_admins_are_told_and_others_not(world, subscription):
    assigned = PersonFactory(
        organization=world.a.partner, role=Role.PARTNER_ADMIN, email="assigned@partner-a.test"
    )
    PersonFactory(
        organization=world.a.partner, role=Role.PARTNER_ADMIN, email="unrelated@partner-a.test"
    )
    CustomerAssignment.objects.create(person=assigned, customer=world.a.customer)
    recipients = alert_recipients(world.a.customer)
    assert "assigned@partner-a.test" in recipients
    assert "unrelated@partner-a.test" not in recipients


def test_alerts_are_listed_on_the_customer_home(client, world, subscription, time_machine):
    time_machine.move_to("2024-06-20T12:00Z")
    day_rows(subscription, CYCLE_START, 12)
    alerts_evaluate(customer_id=world.a.customer.pk, day=CYCLE_START)
    client.force_login(world.a[Role.CUSTOMER_READ_ONLY])
    body = client.get(f"/customers/{world.a.customer.pk}/").content.decode()
    assert "Latest overage alerts" in body and "Any overage" in body
    alerts_page = client.get(f"/customers/{world.a.customer.pk}/usage/alerts/")
    assert "Any overage" in alerts_page.content.decode()


def test_customer_home_shows_the_latest_five_alerts_and_links_to_all(
    client, world, subscription, time_machine
):
    time_machine.move_to("2024-06-20T12:00Z")
    for offset in range(8):
        OverageAlert.objects.create(
            customer=world.a.customer, cycle_start=CYCLE_START,
            cycle_end=CYCLE_START + timedelta(days=29), usage_type="IVR Port",
            threshold=str(10 + offset), usage_date=CYCLE_START + timedelta(days=offset),
            units_used=10, units_commitment=10, units_overage=0,
        )
    client.force_login(world.a[Role.CUSTOMER_READ_ONLY])
    body = client.get(f"/customers/{world.a.customer.pk}/").content.decode()
    table = body[body.index('id="overage-alerts"'):]
    table = table[:table.index("</table>")]
    days = [f"2024-06-{9 + offset:02d}" for offset in range(8)]
    shown = [day for day in days if f"{day}</td>" in table]
    assert shown == ["2024-06-12", "2024-06-13", "2024-06-14", "2024-06-15", "2024-06-16"]
    assert "All 8 alerts and their settings" in body
    assert f'href="/customers/{world.a.customer.pk}/usage/alerts/"' in body
