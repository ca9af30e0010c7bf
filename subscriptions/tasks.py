"""Scheduled work on orders (SPEC §2): sweeps find the due orders, per-order tasks take
ids and call a service that re-checks under a row lock, so each is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from orgs import clock
from subscriptions import rules, services
from subscriptions.models import Order

OPEN = (Order.Status.AWAITING, Order.Status.SETUP_STARTED)


@shared_task
def send_due_setup_emails() -> int:
    """On the RSD the provisioning contact gets the Set up now email."""
    due = Order.objects.unscoped().filter(
        status__in=OPEN,
        setup_email_sent_at__isnull=True,
        requested_start_date__lte=clock.today(),
    )
    ids = list(due.values_list("pk", flat=True))
    for order_id in ids:
        send_setup_email.delay(order_id=order_id)
    return len(ids)


@shared_task
def send_setup_email(*, order_id: int) -> None:
    order = Order.objects.unscoped().filter(pk=order_id, status__in=OPEN).first()
    if order is not None and order.setup_email_sent_at is None:
        services.order_setup_email_send(actor=None, order=order)


@shared_task
def notify_account_managers() -> int:
    """One day after the RSD, an unopened wizard is reported to the account manager."""
    today = clock.today()
    due = Order.objects.unscoped().filter(
        status__in=OPEN,
        wizard_opened_at__isnull=True,
        account_manager_notified_at__isnull=True,
        requested_start_date__lte=today - rules.ACCOUNT_MANAGER_DELAY,
    )
    ids = list(due.values_list("pk", flat=True))
    for order_id in ids:
        notify_account_manager.delay(order_id=order_id)
    return len(ids)


@shared_task
def notify_account_manager(*, order_id: int) -> None:
    services.order_account_manager_notify_if_due(order_id=order_id)


@shared_task
def close_overdue_orders() -> int:
    """Orders not provisioned 7 (A-FLEX*) or 30 days after the email close."""
    now = timezone.now()
    candidates = Order.objects.unscoped().filter(
        status__in=OPEN,
        setup_email_sent_at__lte=now - rules.close_after("A-FLEX"),
    )
    ids = [
        order.pk
        for order in candidates.select_related("offer")
        if now >= rules.close_deadline(order.offer.code, order.setup_email_sent_at)
    ]
    for order_id in ids:
        close_order.delay(order_id=order_id)
    return len(ids)


@shared_task
def close_order(*, order_id: int) -> None:
    services.order_close_if_due(order_id=order_id)
