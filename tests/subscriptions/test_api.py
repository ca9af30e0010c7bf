"""The orders API: place, list, read, provision; bad input names the field; other
partners' orders answer 404; nothing is half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from orgs.models import Organization
from orgs.roles import Role
from subscriptions.models import Order, OrderLine, Subscription
from tests.factories import OrderFactory

ORDER = {
    "web_order_id": "WO-API-1",
    "offer": "A-FLEX-3-CC",
    "requested_start_date": "2026-01-15",
    "provisioning_contact_email": "setup@partner-a.test",
    "lines": [{"sku": "A-FLEX-WCC-S-C", "quantity": 20}, {"sku": "A-FLEX-WCC-IVR", "quantity": 4}],
}
PROVISION = {
    "customer_admin_email": "admin@apico.example",
    "company_name": "ApiCo",
    "country": "FR",
    "organization": "new",
}


@pytest.fixture
def sales(api, world):
    api.force_authenticate(world.a[Role.SALES_ADMIN])
    return api


def test_place_an_order(sales, world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = sales.post("/api/v1/orders/", ORDER, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "awaiting"
    assert body["offer"] == "A-FLEX-3-CC"
    assert {(line["sku"], line["quantity"], line["is_overage"]) for line in body["lines"]} == {
        ("A-FLEX-WCC-S-C", 20, False),
        ("A-FLEX-WCC-IVR", 4, False),
        ("A-FLEX-WCC-S-C-O", 0, True),
        ("A-FLEX-WCC-IVR-O", 0, True),
    }
    order = Order.objects.get(pk=body["id"])
    assert order.partner == world.a.partner
    # An RSD in the past is accepted and the Set up now email goes at once.
    assert [mail.to for mail in mailoutbox] == [["setup@partner-a.test"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"offer": "A-NOPE"}, "offer"),
        ({"requested_start_date": "15/01/2026"}, "requested_start_date"),
        ({"provisioning_contact_email": "nope"}, "provisioning_contact_email"),
        ({"web_order_id": None}, "web_order_id"),
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "A-FLEX-WCC-S-C", "quantity": 0}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "A-FLEX-WCC-S-C", "quantity": "x"}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "A-FLEX-WCC-S-C", "quantity": 1}, {"quantity": 1}]}, "lines[1].sku"),
        (
            {"lines": [{"sku": "A-FLEX-WCC-S-C", "quantity": 1}, {"sku": "ZZ", "quantity": 1}]},
            "lines[1].sku",
        ),
        ({"lines": [{"sku": "A-FLEX-WCC-S-C-O", "quantity": 1}]}, "lines[0].sku"),
        (
            {
                "lines": [
                    {"sku": "A-FLEX-WCC-S-C", "quantity": 1},
                    {"sku": "A-FLEX-WCC-P-N", "quantity": 1},
                ]
            },
            "lines",
        ),
    ],
)
def test_bad_orders_name_the_field_and_store_nothing(sales, change, field):
    before = (Order.objects.count(), OrderLine.objects.count())
    response = sales.post("/api/v1/orders/", {**ORDER, **change}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in [error["field"] for error in body["errors"]], body
    assert field in body["message"]
    assert (Order.objects.count(), OrderLine.objects.count()) == before


def test_a_duplicate_web_order_id_is_a_400(sales):
    assert sales.post("/api/v1/orders/", ORDER, format="json").status_code == 201
    response = sales.post("/api/v1/orders/", ORDER, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "web_order_id"


@pytest.mark.parametrize(
    ("role", "status"), [(Role.PARTNER_READ_ONLY, 403), (Role.CUSTOMER_FULL_ADMIN, 403)]
)
def test_only_order_placing_partner_people_place_orders(api, world, role, status):
    api.force_authenticate(world.a[role])
    assert api.post("/api/v1/orders/", ORDER, format="json").status_code == status
    assert not Order.objects.filter(web_order_id="WO-API-1").exists()


def test_token_authentication(api, world):
    from orgs.apikeys import person_token_create

    _token, key = person_token_create(person=world.a[Role.PARTNER_FULL_ADMIN])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.post("/api/v1/orders/", ORDER, format="json").status_code == 201
    api.credentials()
    assert api.get("/api/v1/orders/").status_code in (401, 403)


def test_list_shows_only_the_partners_orders(sales, world, django_assert_max_num_queries):
    for n in range(5):
        OrderFactory(partner=world.a.partner, lines=[("A-FLEX-WCC-S-N", n + 1)])
    with django_assert_max_num_queries(8):
        response = sales.get("/api/v1/orders/")
    ids = {order["id"] for order in response.json()["results"]}
    assert world.a.order.pk in ids
    assert world.b.order.pk not in ids
    assert len(ids) == 6


def test_customer_people_see_no_orders(api, world):
    api.force_authenticate(world.a[Role.CUSTOMER_FULL_ADMIN])
    assert api.get("/api/v1/orders/").json()["results"] == []
    assert api.get(f"/api/v1/orders/{world.a.order.pk}/").status_code == 404


def test_another_partners_order_is_404(sales, world):
    assert sales.get(f"/api/v1/orders/{world.a.order.pk}/").status_code == 200
    assert sales.get(f"/api/v1/orders/{world.b.order.pk}/").status_code == 404
    response = sales.post(f"/api/v1/orders/{world.b.order.pk}/provision/", PROVISION)
    assert response.status_code == 404
    assert not Organization.objects.filter(name="ApiCo").exists()


def _placed(sales) -> int:
    response = sales.post(
        "/api/v1/orders/",
        {**ORDER, "requested_start_date": str(timezone.now().date() + dt.timedelta(days=3))},
        format="json",
    )
    return response.json()["id"]


def test_provision(sales, world):
    order_id = _placed(sales)
    response = sales.post(f"/api/v1/orders/{order_id}/provision/", PROVISION, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    customer = Organization.objects.get(pk=body["customer"]["id"])
    assert customer.name == "ApiCo"
    assert body["customer"]["country"] == "FR"
    assert body["customer"]["managing_partner"] == world.a.partner.pk
    subscription = body["subscription"]
    start = timezone.now().date() + dt.timedelta(days=3)
    assert subscription["start_date"] == start.isoformat()
    assert subscription["billing_day"] == start.day
    assert subscription["agent_model"] == "concurrent"
    assert (subscription["standard_agents"], subscription["premium_agents"]) == (20, 0)
    assert subscription["addon_ivr_ports"] == 4
    assert subscription["status"] == "pending_setup"
    order = sales.get(f"/api/v1/orders/{order_id}/").json()
    assert order["status"] == "provisioned"
    assert order["customer"] == customer.pk
    assert order["subscription"] == subscription["id"]
    again = sales.post(f"/api/v1/orders/{order_id}/provision/", PROVISION, format="json")
    assert again.status_code == 400
    assert again.json()["errors"][0]["field"] == "order"


def test_provision_onto_an_existing_customer(sales, world):
    order_id = sales.post(
        "/api/v1/orders/",
        {**ORDER, "lines": [{"sku": "A-FLEX-WCC-P-N", "quantity": 3}]},
        format="json",
    ).json()["id"]
    response = sales.post(
        f"/api/v1/orders/{order_id}/provision/",
        {
            **PROVISION,
            "customer_admin_email": world.a[Role.CUSTOMER_FULL_ADMIN].email,
            "organization": str(world.a.customer.pk),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["customer"]["id"] == world.a.customer.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_admin_email": "x"}, "customer_admin_email"),
        ({"company_name": ""}, "company_name"),
        ({"country": "XX"}, "country"),
        ({"country": "FRA"}, "country"),
        ({"organization": "12345678"}, "organization"),
    ],
)
def test_bad_provisioning_names_the_field_and_writes_nothing(sales, change, field):
    order_id = _placed(sales)
    counts = (Organization.objects.count(), Subscription.objects.count())
    response = sales.post(
        f"/api/v1/orders/{order_id}/provision/", {**PROVISION, **change}, format="json"
    )
    assert response.status_code == 400
    assert field in [error["field"] for error in response.json()["errors"]]
    assert counts == (Organization.objects.count(), Subscription.objects.count())
    assert Order.objects.get(pk=order_id).status == Order.Status.AWAITING


def test_read_only_cannot_provision(api, world):
    api.force_authenticate(world.a[Role.PARTNER_READ_ONLY])
    response = api.post(f"/api/v1/orders/{world.a.order.pk}/provision/", PROVISION)
    assert response.status_code == 403


def test_the_endpoints_are_in_the_schema(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "/api/v1/orders/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/orders/{order_id}/provision/"]
    assert "get" in schema["paths"]["/api/v1/orders/{order_id}/"]


def test_provision_and_activate_at_once(sales):
    order_id = _placed(sales)
    response = sales.post(
        f"/api/v1/orders/{order_id}/provision/", {**PROVISION, "activate": True}, format="json"
    )
    assert response.status_code == 201, response.json()
    subscription = Subscription.objects.get(pk=response.json()["subscription"]["id"])
    assert response.json()["subscription"]["status"] == "active"
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.country_of_operation == "FR"
