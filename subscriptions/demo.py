"""Demo data of the subscriptions app: the catalogue, orders in every status for the demo
partners, and subscriptions for the demo customers, started about three months ago so
that usage has history. Written through the services, as a partner would."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from orgs import clock
from orgs.demo import DemoWorld
from subscriptions import services
from subscriptions.catalogue import seed_catalogue
from subscriptions.models import Offer, Order, Sku

# customer key, partner key, web order id, days ago, lines, subdomain
SUBSCRIPTIONS = [
    (
        "initech",
        "acme",
        "WO-ACME-1001",
        92,
        [
            ("A-FLEX-WCC-S-N", 20),
            ("A-FLEX-WCC-P-N", 5),
            ("A-FLEX-WCC-IVR", 4),
            ("A-CHAN-U-SMS-INTL", 1),
        ],
        "initech",
    ),
    (
        "umbrella",
        "acme",
        "WO-ACME-1002",
        95,
        [("A-FLEX-WCC-S-C", 30), ("A-FLEX-WCC-P-C", 10), ("A-FLEX-WCC-IVR", 10)],
        "umbrella",
    ),
    (
        "hooli",
        "acme",
        "WO-ACME-1003",
        100,
        [("A-FLEX-WCC-S-N", 15), ("A-FLEX-WCC-P-N", 5), ("A-WXCN-PRM-AUTOINT", 1)],
        "hooli",
    ),
    ("hooli", "acme", "WO-ACME-1004", 40, [("A-FLEX-WCC-S-N", 10), ("A-FLEX-WCC-IVR", 2)], ""),
    (
        "stark",
        "globex",
        "WO-GLOBEX-2001",
        88,
        [("A-FLEX-WCC-S-N", 12), ("A-FLEX-WCC-P-N", 3), ("A-CHAN-U-SMS-SC-UK", 1)],
        "stark",
    ),
    (
        "wayne",
        "globex",
        "WO-GLOBEX-2002",
        90,
        [("A-FLEX-WCC-S-C", 8), ("A-FLEX-WCC-P-C", 2), ("A-VOICE-U-INTL", 1)],
        "wayne",
    ),
]


def demo_start_date(today: dt.date, days_ago: int) -> dt.date:
    """About `days_ago` days back, on a day of the month that puts today a week or two
    into the current billing cycle, so the demo's current cycle has usage to show."""
    into_cycle = 8 + days_ago % 10
    anchor = today - dt.timedelta(days=into_cycle)
    months = max(1, round((days_ago - into_cycle) / 30))
    year, month = divmod(anchor.year * 12 + anchor.month - 1 - months, 12)
    return dt.date(year, month + 1, min(anchor.day, 28))


def seed(world: DemoWorld) -> None:
    seed_catalogue(Offer, Sku)  # `seed_demo --reset` flushes the migration's rows
    today = clock.today()
    for key, partner_key, web_order_id, days_ago, lines, subdomain in SUBSCRIPTIONS:
        partner = world.partners[partner_key]
        seller = world.people[f"sales@{partner_key}.example"]
        customer = world.customers[key]
        start = demo_start_date(today, days_ago)
        order = services.order_place(
            actor=seller,
            partner=partner,
            web_order_id=web_order_id,
            offer_code="A-FLEX-3-CC",
            requested_start_date=start,
            provisioning_contact_email=seller.email,
            lines=lines,
        )
        subscription = services.order_provision(
            actor=seller,
            order=order,
            customer_admin_email=f"admin@{key}.example",
            company_name=customer.name,
            country=customer.country.code,
            organization=customer,
        )
        services.subscription_activate(
            actor=None,
            subscription=subscription,
            country_of_operation=customer.country.code,
            meeting_site_url=f"{subdomain}-meet" if subdomain else "",
            subdomain=subdomain,
        )
        # Back-date the order's history to its requested start date.
        started = timezone.now() - dt.timedelta(days=(today - start).days)
        Order.objects.unscoped().filter(pk=order.pk).update(
            created_at=started - dt.timedelta(days=10),
            setup_email_sent_at=started,
            wizard_opened_at=started + dt.timedelta(hours=2),
            provisioned_at=started + dt.timedelta(hours=3),
        )
    for partner_key in ("acme", "globex"):
        _open_orders(world, partner_key, today)


def _open_orders(world: DemoWorld, partner_key: str, today: dt.date) -> None:
    """Orders awaiting provisioning, with set-up started, and closed."""
    partner = world.partners[partner_key]
    seller = world.people[f"sales.full@{partner_key}.example"]
    prefix = f"WO-{partner_key.upper()}"

    def place(suffix: str, days: int, offer: str, lines) -> Order:
        return services.order_place(
            actor=seller,
            partner=partner,
            web_order_id=f"{prefix}-{suffix}",
            offer_code=offer,
            requested_start_date=today + dt.timedelta(days=days),
            provisioning_contact_email=f"provisioning@{partner_key}.example",
            lines=lines,
        )

    place("3001", 14, "A-FLEX-3-CC", [("A-FLEX-WCC-S-N", 25), ("A-FLEX-WCC-P-N", 5)])
    started = place("3002", -2, "A-FLEX", [("A-FLEX-WCC-S-C", 6), ("A-FLEX-WCC-IVR", 2)])
    services.order_wizard_opened(order=started)
    closed = place("3003", -40, "A-WX", [("A-CHAN-U-SMS-INTL", 1)])
    Order.objects.unscoped().filter(pk=closed.pk).update(
        setup_email_sent_at=timezone.now() - dt.timedelta(days=40)
    )
    services.order_close_if_due(order_id=closed.pk)
