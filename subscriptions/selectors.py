"""Reads of the subscriptions app shared by pages, API and template tags."""

from __future__ import annotations

from django.db.models import QuerySet

from orgs import roles
from orgs.tenancy import CHANGE, visible_rows
from subscriptions.models import Order, Subscription


def pending_subscription(person, customer) -> Subscription | None:
    return (
        Subscription.objects.visible_to(person, CHANGE)
        .filter(customer=customer, status=Subscription.Status.PENDING_SETUP)
        .select_related("order__offer")
        .order_by("start_date", "id")
        .first()
    )


def partner_orders(person, orders: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """The orders on a partner's order list (page, export and API): their partner's;
    nobody else has an order list. `orders` is where a list view starts (the rows already
    scoped to `person`); by default every order the person reaches."""
    if orders is None:
        orders = visible_rows(Order, person)
    if person.role not in roles.PARTNER_ROLES:
        return orders.none()
    return orders.select_related("offer", "partner", "customer", "subscription")
