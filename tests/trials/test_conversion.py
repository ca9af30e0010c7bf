"""Converting a trial to paid through the provisioning service: tier 1 places the order
mapped onto the trial's customer; tier 2 asks its distributor, whose people process the
request. The customer organisation (and its usage data) stays the same."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from orgs.roles import Role
from subscriptions.models import Order, Subscription
from tests.factories import PartnerFactory, PersonFactory
from trials import services
from trials.models import ConversionRequest, Trial


def _order_of(trial):
    trial.refresh_from_db()
    return Order.objects.unscoped().get(pk=trial.order_id)


def test_tier_one_order_is_mapped_onto_the_trial_customer(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    trial = world.a.trial
    with django_capture_on_commit_callbacks(execute=True):
        trial = services.trial_convert(
            actor=world.a[Role.SALES_FULL_ADMIN],
            trial=trial,
            web_order_id="WO-1",
            offer_code="A-FLEX-3-CC",
            lines=[("A-FLEX-WCC-S-N", 10)],
            provisioning_contact_email="me@partner.test",
        )
    assert trial.status == Trial.Status.CONVERTED and trial.order.web_order_id == "WO-1"
    # Provisioned in the same step: no Set up now email with a link that is already dead.
    assert "me@partner.test" not in [address for m in mailoutbox for address in m.to]
    order = _order_of(trial)
    assert order.partner == world.a.partner and order.customer == world.a.customer
    assert order.status == Order.Status.PROVISIONED
    subscription = Subscription.objects.unscoped().get(order=order)
    assert subscription.customer == world.a.customer and subscription.standard_agents == 10
    with pytest.raises(ValidationError):  # converted once
        services.trial_convert(
            actor=world.a[Role.SALES_FULL_ADMIN],
            trial=trial,
            web_order_id="WO-2",
            offer_code="A-FLEX-3-CC",
            lines=[("A-FLEX-WCC-S-N", 1)],
            provisioning_contact_email="me@partner.test",
        )


def test_conversion_still_works_in_grace_but_not_after(world):
    trial = world.a.trial
    services.trial_tick(trial_id=trial.pk, today=trial.end_date)
    trial.refresh_from_db()
    assert trial.status == Trial.Status.GRACE
    services.trial_convert(
        actor=world.a[Role.SALES_FULL_ADMIN],
        trial=trial,
        web_order_id="WO-G",
        offer_code="A-FLEX-3-CC",
        lines=[("A-FLEX-WCC-S-N", 5)],
        provisioning_contact_email="me@partner.test",
    )
    trial.refresh_from_db()
    assert trial.status == Trial.Status.CONVERTED
    other = world.b.trial
    services.trial_tick(trial_id=other.pk, today=other.end_date)
    services.trial_tick(trial_id=other.pk, today=other.end_date + dt.timedelta(days=30))
    other.refresh_from_db()
    assert other.status == Trial.Status.ENDED
    with pytest.raises(ValidationError):
        services.trial_convert(
            actor=world.b[Role.SALES_FULL_ADMIN],
            trial=other,
            web_order_id="WO-E",
            offer_code="A-FLEX-3-CC",
            lines=[("A-FLEX-WCC-S-N", 1)],
            provisioning_contact_email="x@x.test",
        )


def test_tier_two_request_is_processed_by_the_distributor(world):
    distributor = PartnerFactory(is_distributor=True)
    dist_admin = PersonFactory(organization=distributor, role=Role.PARTNER_FULL_ADMIN)
    partner = world.a.partner
    partner.tier, partner.distributor = 2, distributor
    partner.save()
    trial = world.a.trial
    with pytest.raises(ValidationError):  # tier 2 cannot place the order itself
        services.trial_convert(
            actor=world.a[Role.SALES_FULL_ADMIN],
            trial=trial,
            web_order_id="WO-3",
            offer_code="A-FLEX-3-CC",
            lines=[("A-FLEX-WCC-S-N", 1)],
            provisioning_contact_email="x@x.test",
        )
    request = services.trial_conversion_request(
        actor=world.a[Role.SALES_FULL_ADMIN],
        trial=trial,
        offer_code="A-FLEX-3-CC",
        lines=[("A-FLEX-WCC-S-N", 10)],
    )
    with pytest.raises(PermissionDenied):
        services.conversion_process(
            actor=world.a[Role.PARTNER_FULL_ADMIN], conversion=request, web_order_id="WO-4"
        )
    request = services.conversion_process(actor=dist_admin, conversion=request, web_order_id="WO-4")
    assert request.status == ConversionRequest.Status.PROCESSED
    trial.refresh_from_db()
    assert trial.status == Trial.Status.CONVERTED and request.order == trial.order
    order = _order_of(trial)
    assert order.partner == partner and order.customer == world.a.customer
    from orgs.models import AuditLog

    assert AuditLog.objects.filter(
        action="trial.convert", actor=dist_admin, organization=world.a.customer
    ).exists()
    with pytest.raises(ValidationError):
        services.conversion_process(actor=dist_admin, conversion=request, web_order_id="WO-5")


def test_distributor_page_lists_and_processes(client, world):
    distributor = PartnerFactory(is_distributor=True, name="Dist 9c1")
    dist_admin = PersonFactory(organization=distributor, role=Role.PARTNER_FULL_ADMIN)
    world.a.partner.tier, world.a.partner.distributor = 2, distributor
    world.a.partner.save()
    request = services.trial_conversion_request(
        actor=world.a[Role.SALES_FULL_ADMIN],
        trial=world.a.trial,
        offer_code="A-FLEX-3-CC",
        lines=[("A-FLEX-WCC-S-N", 10)],
    )
    client.force_login(dist_admin)
    page = client.get("/trials/conversions/").content.decode()
    assert world.a.customer.name in page and "A-FLEX-WCC-S-N × 10" in page
    assert world.b.customer.name not in page
    client.post(f"/trials/conversions/{request.pk}/process/", {"web_order_id": "WO-9"})
    request.refresh_from_db()
    assert request.status == ConversionRequest.Status.PROCESSED


def _lines(*lines) -> dict:
    """The order form's line formset data."""
    data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0"}
    for n, (sku, quantity) in enumerate(lines):
        data[f"lines-{n}-sku"], data[f"lines-{n}-quantity"] = sku, quantity
    return data


def test_convert_page_tier_one(client, world):
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    url = f"/trials/{world.a.trial.pk}/convert/"
    page = client.get(url).content.decode()
    assert world.a.trial.admin_email in page and "Place the order" in page
    bad = client.post(url, {"offer_code": "A-FLEX-3-CC", **_lines(("A-FLEX-WCC-S-N", "x"))})
    assert "Enter a whole number." in bad.content.decode()
    response = client.post(
        url,
        {
            "web_order_id": "WO-P",
            "offer_code": "A-FLEX-3-CC",
            "provisioning_contact_email": "me@partner.test",
            **_lines(("A-FLEX-WCC-S-N", "3")),
        },
    )
    assert response.status_code == 302
    world.a.trial.refresh_from_db()
    assert world.a.trial.status == Trial.Status.CONVERTED


def test_convert_page_tier_two_sends_the_request(client, world):
    distributor = PartnerFactory(is_distributor=True)
    world.a.partner.tier, world.a.partner.distributor = 2, distributor
    world.a.partner.save()
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    url = f"/trials/{world.a.trial.pk}/convert/"
    assert "Send to my distributor" in client.get(url).content.decode()
    client.post(url, {"offer_code": "A-FLEX-3-CC", **_lines(("A-FLEX-WCC-S-N", "10"))})
    request = ConversionRequest.objects.get(trial=world.a.trial, status="pending")
    assert request.distributor == distributor and request.lines == [["A-FLEX-WCC-S-N", 10]]
