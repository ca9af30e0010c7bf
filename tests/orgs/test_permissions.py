"""One home for permission checks: a service that writes on a person's behalf asks
`orgs.tenancy.require` (`can`), so a read-only admin is refused by the service itself
(403 on the page), and another tenant's object answers 404 before any service runs."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from billing import services as billing
from billing.models import BillingDetails, Dispute
from orgs.models import Organization
from orgs.roles import Role
from orgs.services import customer_create
from orgs.tenancy import CHANGE, require
from usage.alerts import services as alerts
from usage.alerts.models import OverageAlertSettings

READ_ONLY = [Role.CUSTOMER_READ_ONLY, Role.PARTNER_READ_ONLY]
ALERTS = {
    "enabled": "on",
    "warning_percent": "70",
    "limit_percent": "95",
    "on_overage": "on",
    "on_forecast": "",
}


def test_require_lets_the_system_through_and_refuses_who_cannot(world):
    require(None, world.a.customer, CHANGE)
    require(world.a[Role.PARTNER_FULL_ADMIN], world.a.customer, CHANGE)
    with pytest.raises(PermissionDenied):
        require(world.a[Role.CUSTOMER_READ_ONLY], world.a.customer, CHANGE)
    with pytest.raises(PermissionDenied):
        require(world.b[Role.PARTNER_FULL_ADMIN], world.a.customer, CHANGE)


# ---- overage alert settings -----------------------------------------------------------


@pytest.mark.parametrize("role", READ_ONLY)
def test_a_read_only_admin_cannot_save_alert_settings(client, world, role):
    client.force_login(world.a[role])
    url = reverse("usage-alerts", kwargs={"customer_id": world.a.customer.pk})
    assert client.post(url, ALERTS).status_code == 403
    with pytest.raises(PermissionDenied):
        alerts.alert_settings_update(actor=world.a[role], customer=world.a.customer, enabled=False)
    assert not OverageAlertSettings.objects.unscoped().filter(customer=world.a.customer).exists()


def test_another_tenant_gets_404_on_alert_settings(client, world):
    client.force_login(world.b[Role.PARTNER_FULL_ADMIN])
    url = reverse("usage-alerts", kwargs={"customer_id": world.a.customer.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, ALERTS).status_code == 404
    with pytest.raises(PermissionDenied):
        alerts.alert_settings_update(
            actor=world.b[Role.PARTNER_FULL_ADMIN], customer=world.a.customer, enabled=False
        )
    assert not OverageAlertSettings.objects.unscoped().filter(customer=world.a.customer).exists()


def test_a_full_admin_saves_alert_settings(client, world):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = reverse("usage-alerts", kwargs={"customer_id": world.a.customer.pk})
    assert client.post(url, ALERTS).status_code == 302
    saved = OverageAlertSettings.objects.unscoped().get(customer=world.a.customer)
    assert (saved.warning_percent, saved.limit_percent) == (70, 95)


# ---- creating a customer --------------------------------------------------------------


def _create(world, actor):
    return customer_create(
        actor=actor,
        partner=world.a.partner,
        name="Newco",
        country="NL",
        admin_email="boss@newco.test",
    )


@pytest.mark.parametrize(
    "who",
    [
        ("a", Role.PARTNER_READ_ONLY),  # sees all, changes nothing
        ("a", Role.CUSTOMER_FULL_ADMIN),  # a customer, not the partner
        ("b", Role.PARTNER_FULL_ADMIN),  # another partner
    ],
)
def test_customer_create_refuses_who_may_not_change_the_partner(world, who):
    tenant, role = who
    with pytest.raises(PermissionDenied):
        _create(world, getattr(world, tenant)[role])
    assert not Organization.objects.filter(name="Newco").exists()


@pytest.mark.parametrize("role", [Role.PARTNER_FULL_ADMIN, Role.PARTNER_ADMIN, Role.SALES_ADMIN])
def test_the_partners_people_create_customers(world, role):
    customer, admin = _create(world, world.a[role])
    assert customer.partner_relationships.get().partner == world.a.partner
    assert admin.role == Role.CUSTOMER_FULL_ADMIN


# ---- billing details and disputes -----------------------------------------------------


@pytest.mark.parametrize("role", READ_ONLY)
def test_a_read_only_admin_cannot_save_billing_details(client, world, role):
    client.force_login(world.a[role])
    url = reverse("billing:details", kwargs={"customer_id": world.a.customer.pk})
    assert client.post(url, {"purchase_order": "PO-1"}).status_code == 403
    with pytest.raises(PermissionDenied):
        billing.billing_details_update(
            actor=world.a[role], customer=world.a.customer, changes={"purchase_order": "PO-1"}
        )
    assert not BillingDetails.objects.unscoped().filter(purchase_order="PO-1").exists()


def test_another_tenant_gets_404_on_billing_details(client, world):
    client.force_login(world.b[Role.PARTNER_FULL_ADMIN])
    url = reverse("billing:details", kwargs={"customer_id": world.a.customer.pk})
    assert client.post(url, {"purchase_order": "PO-1"}).status_code == 404
    with pytest.raises(PermissionDenied):
        billing.billing_details_update(
            actor=world.b[Role.PARTNER_FULL_ADMIN],
            customer=world.a.customer,
            changes={"purchase_order": "PO-1"},
        )


@pytest.mark.parametrize(
    "who",
    [
        ("a", Role.CUSTOMER_FULL_ADMIN),  # who opened it does not settle it
        ("a", Role.PARTNER_READ_ONLY),
        ("b", Role.PARTNER_FULL_ADMIN),
    ],
)
def test_dispute_resolve_refuses_who_may_not_settle(world, who):
    tenant, role = who
    dispute = world.a.dispute
    with pytest.raises(PermissionDenied):
        billing.dispute_resolve(
            actor=getattr(world, tenant)[role], dispute=dispute, outcome="rejected", note="No."
        )
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN
