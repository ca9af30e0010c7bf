"""Converting a trial to paid: tier 1 places the order mapped onto the trial's customer;
tier 2 asks its distributor, whose people process the request. The calls into the
provisioning service are checked here against a recording stand-in."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from orgs.roles import Role
from tests.factories import OrderFactory, PartnerFactory, PersonFactory, SubscriptionFactory
from trials import services
from trials.models import ConversionRequest, Trial


@pytest.fixture
def ordering(monkeypatch):
    calls = []

    def order_place(**kwargs):
        calls.append(("place", kwargs))
        return OrderFactory(
            partner=kwargs["partner"],
            web_order_id=kwargs["web_order_id"],
            provisioning_contact_email=kwargs["provisioning_contact_email"],
        )

    def order_provision(**kwargs):
        calls.append(("provision", kwargs))
        order = kwargs["order"]
        order.customer = kwargs["organization"]
        order.save()
        return SubscriptionFactory(customer=order.customer, order=order)

    fake = SimpleNamespace(order_place=order_place, order_provision=order_provision, calls=calls)
    monkeypatch.setattr(services, "_ordering", lambda: fake)
    return fake


def test_tier_one_order_is_mapped_onto_the_trial_customer(world, ordering):
    trial = world.a.trial
    trial = services.trial_convert(
        actor=world.a[Role.SALES_FULL_ADMIN],
        trial=trial,
        web_order_id="WO-1",
        offer_code="A-FLEX-3-CC",
        lines=[("A-FLEX-WCC-S-N", 10)],
        provisioning_contact_email="me@partner.test",
    )
    assert trial.status == Trial.Status.CONVERTED and trial.order.web_order_id == "WO-1"
    (_, place), (_, provision) = ordering.calls
    assert place["partner"] == world.a.partner and place["lines"] == [("A-FLEX-WCC-S-N", 10)]
    assert provision["organization"] == world.a.customer
    assert provision["customer_admin_email"] == trial.admin_email
    with pytest.raises(ValidationError):  # converted once
        services.trial_convert(
            actor=world.a[Role.SALES_FULL_ADMIN],
            trial=trial,
            web_order_id="WO-2",
            offer_code="A-WX",
            lines=[("X", 1)],
            provisioning_contact_email="me@partner.test",
        )


def test_conversion_still_works_in_grace_but_not_after(world, ordering):
    trial = world.a.trial
    services.trial_tick(trial_id=trial.pk, today=trial.end_date)
    trial.refresh_from_db()
    assert trial.status == Trial.Status.GRACE
    services.trial_convert(
        actor=world.a[Role.SALES_FULL_ADMIN],
        trial=trial,
        web_order_id="WO-G",
        offer_code="A-WX",
        lines=[("A-WX-X", 1)],
        provisioning_contact_email="me@partner.test",
    )
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
            offer_code="A-WX",
            lines=[("A-WX-X", 1)],
            provisioning_contact_email="x@x.test",
        )


def test_tier_two_request_is_processed_by_the_distributor(world, ordering):
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
            offer_code="A-WX",
            lines=[("A-WX-X", 1)],
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
    (_, place), (_, provision) = ordering.calls
    assert place["partner"] == partner and place["actor"] == dist_admin
    assert provision["organization"] == world.a.customer
    with pytest.raises(ValidationError):
        services.conversion_process(actor=dist_admin, conversion=request, web_order_id="WO-5")


def test_distributor_page_lists_and_processes(client, world, ordering):
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


def test_convert_page_tier_one(client, world, ordering):
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    url = f"/trials/{world.a.trial.pk}/convert/"
    page = client.get(url).content.decode()
    assert world.a.trial.admin_email in page and "Place the order" in page
    bad = client.post(url, {"offer_code": "A-WX", "lines": "nonsense"})
    assert "write the SKU, a space and a quantity" in bad.content.decode()
    response = client.post(
        url,
        {"web_order_id": "WO-P", "offer_code": "A-WX", "lines": "A-WX-X 3",
         "provisioning_contact_email": "me@partner.test"},
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
    client.post(url, {"offer_code": "A-FLEX-3-CC", "lines": "A-FLEX-WCC-S-N 10"})
    request = ConversionRequest.objects.get(trial=world.a.trial, status="pending")
    assert request.distributor == distributor and request.lines == [["A-FLEX-WCC-S-N", 10]]
