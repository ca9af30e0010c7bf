"""The estimated invoice of the current cycle: the same lines, prices and tax as the
invoice would have, today and at the forecast; shown as an estimate."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import services
from orgs.roles import Role
from tests.billing.helpers import billed_customer, write_cycle
from tests.conftest import ensure_catalogue
from usage import rules as usage_rules
from usage.models import CycleUsage

pytestmark = pytest.mark.django_db


def current_cycle(sub):
    today = timezone.now().date()
    start, end = usage_rules.billing_cycle(sub.billing_day, today)
    return today, start, end


def test_estimate_now_and_at_forecast():
    ensure_catalogue()
    today = timezone.now().date()
    customer, sub = billed_customer(start=today - timedelta(days=3), country="FR")
    _today, start, end = current_cycle(sub)
    # Rows for the days so far only (the cycle is not over).
    write_cycle(sub, (start, today), {"Standard Named Agent": [1, 2, 2, 3]})
    CycleUsage.objects.filter(customer=customer, usage_type="Standard Named Agent").update(
        forecast=5
    )
    estimate = services.invoice_estimates([customer.pk], today)[customer.pk]
    assert estimate.cycle == (start, end)
    assert [(ln.sku, ln.quantity) for ln in estimate.lines_now] == [("A-FLEX-WCC-S-N-O", 3)]
    assert [(ln.sku, ln.quantity) for ln in estimate.lines_forecast] == [("A-FLEX-WCC-S-N-O", 5)]
    assert estimate.now.subtotal == Decimal("331.50") and estimate.now.tax_rate == 20
    assert estimate.forecast.total == Decimal("552.50") * Decimal("1.2")


def test_dashboard_and_partner_view_mark_it_as_an_estimate(client, world):
    today = timezone.now().date()
    customer, sub = world.a.customer, world.a.customer.subscriptions.first()
    _today, start, _end = current_cycle(sub)
    write_cycle(sub, (start, today), {"IVR Port": [2]})
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    home = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="estimated-invoice"' in home and "Estimate — not an invoice" in home
    total = services.invoice_estimates([customer.pk], today)[customer.pk].now.total
    assert str(customer.country) == "NL" and total == Decimal("78.65")  # 65.00 + 21 % VAT
    assert f'id="estimate-now">{total}<' in home
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    overview = client.get("/usage/").content.decode()
    assert 'id="estimated-invoices"' in overview and str(total) in overview
    assert world.b.customer.name not in overview
