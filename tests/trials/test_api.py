"""The trials API: the same services as the pages, JSON errors naming the field, 404
across tenants, constant query counts."""

import datetime as dt

import pytest
import time_machine

from orgs.models import PartnerRelationship
from orgs.roles import Role
from tests.factories import TrialFactory
from trials.models import Trial

START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def new_trial_body(**overrides):
    body = {
        "company_name": "API Co",
        "admin_email": "boss@apico.test",
        "industry": "retail",
        "country": "CA",
        "services": ["meetings", "contact_center", "devices"],
        "meetings_site_url": "apico.webex.com",
        "meetings_time_zone": "America/Toronto",
        "standard_agents": 3,
        "premium_agents": 1,
        "devices": [{"model": "desk_pro", "quantity": 2}],
    }
    return {**body, **overrides}


def test_partner_starts_a_trial_for_a_new_customer(api, world, clock):
    api.force_authenticate(world.a[Role.SALES_ADMIN])
    response = api.post("/api/v1/trials/", new_trial_body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "active"
    assert data["length_days"] == 90
    assert data["end_date"] == "2025-05-30"
    assert data["days_left"] == 90
    assert sorted(data["services"]) == ["contact_center", "devices", "meetings"]
    assert data["devices"] == [{"model": "desk_pro", "quantity": 2}]
    customer_id = data["customer"]
    listed = api.get(f"/api/v1/customers/{customer_id}/trials/").json()["results"]
    assert [t["id"] for t in listed] == [data["id"]]


def test_errors_name_the_field(api, world):
    api.force_authenticate(world.a[Role.SALES_ADMIN])
    response = api.post(
        "/api/v1/trials/", new_trial_body(meetings_site_url="", length_days=45), format="json"
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"length_days"}
    response = api.post("/api/v1/trials/", new_trial_body(meetings_site_url=""), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "meetings_site_url"
    assert not Trial.objects.filter(customer__name="API Co").exists()


@pytest.mark.parametrize("role", [Role.PARTNER_FULL_ADMIN, Role.PARTNER_READ_ONLY])
def test_only_sales_roles_start(api, world, role):
    api.force_authenticate(world.a[role])
    assert api.post("/api/v1/trials/", new_trial_body(), format="json").status_code == 403


def test_extend_change_convert_delete(api, world, clock):
    api.force_authenticate(world.a[Role.SALES_FULL_ADMIN])
    trial = world.a.trial
    base = f"/api/v1/customers/{world.a.customer.pk}/trials/{trial.pk}/"
    clock.shift(dt.timedelta(days=25))
    response = api.post(base + "extend/")
    assert response.status_code == 200
    assert response.json()["end_date"] == "2025-04-25"
    response = api.put(base + "services/", {"services": ["calling", "messaging"]}, format="json")
    assert response.status_code == 200
    assert sorted(response.json()["services"]) == ["calling", "messaging"]
    response = api.post(
        base + "convert/",
        {"offer": "A-WX", "lines": [{"sku": "A-WX-X", "quantity": 1}]},
        format="json",
    )
    assert response.status_code == 400  # a tier 1 partner gives the web order id
    assert response.json()["errors"][0]["field"] == "web_order_id"
    assert api.delete(base).status_code == 204
    assert not Trial.objects.filter(pk=trial.pk).exists()


def test_customer_scoped_start_for_a_paying_customer(api, world, clock):
    api.force_authenticate(world.a[Role.SALES_FULL_ADMIN])
    url = f"/api/v1/customers/{world.a.customer.pk}/trials/"
    response = api.post(url, {"services": ["calling"], "length_days": 30}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["end_date"] == "2025-03-31"
    response = api.post(url, {"services": ["meetings"]}, format="json")  # partner trials it
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "services"


def test_other_tenant_gets_404(api, world):
    api.force_authenticate(world.a[Role.SALES_FULL_ADMIN])
    base = f"/api/v1/customers/{world.b.customer.pk}/trials/"
    assert api.get(base).status_code == 404
    assert api.get(f"{base}{world.b.trial.pk}/").status_code == 404
    # Another customer's trial id under one's own customer is not found either.
    own = f"/api/v1/customers/{world.a.customer.pk}/trials/{world.b.trial.pk}/"
    assert api.get(own).status_code == 404
    assert world.b.trial.pk not in [t["id"] for t in api.get("/api/v1/trials/").json()["results"]]


def test_another_partners_trial_on_my_customer_stays_hidden(api, world):
    PartnerRelationship.objects.create(partner=world.b.partner, customer=world.a.customer)
    theirs = TrialFactory(customer=world.a.customer, partner=world.b.partner)
    api.force_authenticate(world.a[Role.SALES_FULL_ADMIN])
    url = f"/api/v1/customers/{world.a.customer.pk}/trials/"
    assert theirs.pk not in [t["id"] for t in api.get(url).json()["results"]]
    assert api.get(f"{url}{theirs.pk}/").status_code == 404


def test_list_query_count_is_constant(api, world, django_assert_max_num_queries):
    api.force_authenticate(world.a[Role.SALES_FULL_ADMIN])
    url = f"/api/v1/customers/{world.a.customer.pk}/trials/"
    for _ in range(5):
        TrialFactory(customer=world.a.customer, partner=world.a.partner, services=["calling"])
    with django_assert_max_num_queries(8):
        assert len(api.get(url).json()["results"]) == 6
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/trials/").json()["results"]) >= 6


def test_convert_through_the_api(api, world, clock):
    api.force_authenticate(world.a[Role.SALES_FULL_ADMIN])
    base = f"/api/v1/customers/{world.a.customer.pk}/trials/{world.a.trial.pk}/"
    response = api.post(
        base + "convert/",
        {
            "web_order_id": "WO-API-1",
            "offer": "A-FLEX-3-CC",
            "lines": [{"sku": "A-FLEX-WCC-P-N", "quantity": 4}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "converted"
    assert response.json()["order"] is not None
    response = api.post(
        base + "convert/",
        {
            "web_order_id": "WO-API-2",
            "offer": "A-FLEX-3-CC",
            "lines": [{"sku": "NOPE", "quantity": 1}],
        },
        format="json",
    )
    assert response.status_code == 400  # converted already


def test_provisioning_only_partner_reads_and_manages_its_trial(api, world):
    customer_b = world.b.customer
    PartnerRelationship.objects.create(
        partner=world.a.partner, customer=customer_b, access=PartnerRelationship.Access.PROVISIONING
    )
    trial = TrialFactory(customer=customer_b, partner=world.a.partner, services=["calling"])
    api.force_authenticate(world.a[Role.SALES_FULL_ADMIN])
    listed = api.get(f"/api/v1/customers/{customer_b.pk}/trials/")
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()["results"]] == [trial.pk]
    assert api.get(f"/api/v1/customers/{customer_b.pk}/trials/{trial.pk}/").status_code == 200
    # ...but nothing else of a customer it may only provision.
    assert api.get(f"/api/v1/customers/{customer_b.pk}/").status_code == 404
