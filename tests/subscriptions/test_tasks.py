"""Scheduled order work under a controlled clock; every task is run twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from orgs.roles import Role
from subscriptions import services, tasks
from subscriptions.models import Order

RSD = dt.date(2026, 3, 10)


@pytest.fixture
def order(world, time_machine):
    time_machine.move_to("2026-03-01T08:00Z")
    world.a.partner.account_manager = world.a[Role.PARTNER_FULL_ADMIN]
    world.a.partner.save()
    return services.order_place(
        actor=world.a[Role.SALES_ADMIN],
        partner=world.a.partner,
        web_order_id="WO-T-1",
        offer_code="A-FLEX-3-CC",
        requested_start_date=RSD,
        provisioning_contact_email="contact@partner-a.test",
        lines=[("A-FLEX-WCC-S-N", 3)],
    )


def run_twice(task, capture) -> None:
    for _ in range(2):
        with capture(execute=True):
            task.delay()


def test_the_beat_schedule_names_the_order_tasks():
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "subscriptions.tasks.send_due_setup_emails",
        "subscriptions.tasks.notify_account_managers",
        "subscriptions.tasks.close_overdue_orders",
    } <= names
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["options"]["expires"] > 0


def test_set_up_now_goes_on_the_rsd_once(
    order, time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    time_machine.move_to("2026-03-09T23:00Z")
    run_twice(tasks.send_due_setup_emails, django_capture_on_commit_callbacks)
    assert mailoutbox == []
    time_machine.move_to("2026-03-10T00:05Z")
    run_twice(tasks.send_due_setup_emails, django_capture_on_commit_callbacks)
    assert [mail.to for mail in mailoutbox] == [["contact@partner-a.test"]]
    order.refresh_from_db()
    assert order.setup_email_sent_at.date() == RSD


def test_account_manager_hears_of_an_unopened_wizard_once(
    world, order, time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    time_machine.move_to("2026-03-10T12:00Z")
    run_twice(tasks.notify_account_managers, django_capture_on_commit_callbacks)
    assert mailoutbox == []
    time_machine.move_to("2026-03-11T00:20Z")
    run_twice(tasks.notify_account_managers, django_capture_on_commit_callbacks)
    assert [mail.to for mail in mailoutbox] == [[world.a[Role.PARTNER_FULL_ADMIN].email]]
    assert "WO-T-1" in mailoutbox[0].subject
    order.refresh_from_db()
    assert order.account_manager_notified_at is not None


def test_an_opened_wizard_is_not_reported(order, time_machine, mailoutbox):
    time_machine.move_to("2026-03-10T12:00Z")
    services.order_wizard_opened(order=order)
    time_machine.move_to("2026-03-12T00:20Z")
    tasks.notify_account_managers.delay()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("offer", "lines", "days"),
    [("A-FLEX-3-CC", [("A-FLEX-WCC-S-N", 3)], 7), ("A-WX", [("A-VOICE-U-INTL", 10)], 30)],
)
def test_unprovisioned_orders_close_after_the_deadline(
    world, time_machine, mailoutbox, django_capture_on_commit_callbacks, offer, lines, days
):
    time_machine.move_to("2026-03-10T09:00Z")
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_place(
            actor=world.a[Role.SALES_ADMIN],
            partner=world.a.partner,
            web_order_id="WO-C-1",
            offer_code=offer,
            requested_start_date=RSD,
            provisioning_contact_email="contact@partner-a.test",
            lines=lines,
        )
    sent = order.setup_email_sent_at
    time_machine.move_to(sent + dt.timedelta(days=days) - dt.timedelta(minutes=1))
    run_twice(tasks.close_overdue_orders, django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING
    time_machine.move_to(sent + dt.timedelta(days=days, minutes=1))
    run_twice(tasks.close_overdue_orders, django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert order.status == Order.Status.CLOSED
    closing = [mail for mail in mailoutbox if "closed" in mail.subject]
    assert len(closing) == 1


def test_provisioned_orders_never_close(world, order, time_machine):
    time_machine.move_to("2026-03-10T01:00Z")
    tasks.send_due_setup_emails.delay()
    services.order_provision(
        actor=None,
        order=order,
        customer_admin_email="admin@closed.example",
        company_name="Closed Co",
        country="NL",
    )
    time_machine.move_to("2026-04-30T01:00Z")
    tasks.close_overdue_orders.delay()
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
