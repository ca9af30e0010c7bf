"""Reads of the subscriptions app shared by pages, API and template tags."""

from __future__ import annotations

from orgs.tenancy import CHANGE
from subscriptions.models import Subscription


def pending_subscription(person, customer) -> Subscription | None:
    return (
        Subscription.objects.visible_to(person, CHANGE)
        .filter(customer=customer, status=Subscription.Status.PENDING_SETUP)
        .select_related("order__offer")
        .order_by("start_date", "id")
        .first()
    )
