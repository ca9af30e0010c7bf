"""Prices fixed at order time (SPEC §6): order lines keep the price of the day, the
order its currency; the API takes optional prices and refuses bad ones by field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orgs.roles import Role
from subscriptions.models import Order, Sku

ORDER = {
    "web_order_id": "WO-PRICE-1",
    "offer": "A-FLEX-3-CC",
    "requested_start_date": "2030-01-15",
    "provisioning_contact_email": "setup@partner-a.test",
    "lines": [{"sku": "A-FLEX-WCC-S-C", "quantity": 20}, {"sku": "A-FLEX-WCC-IVR", "quantity": 4}],
}


@pytest.fixture
def sales(api, world):
    api.force_authenticate(world.a[Role.SALES_ADMIN])
    return api


def prices(body) -> dict[str, str]:
    return {line["sku"]: line["unit_price"] for line in body["lines"]}


def test_catalogue_prices_by_default(sales):
    response = sales.post("/api/v1/orders/", ORDER, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["currency"] == "USD"
    assert prices(body) == {
        "A-FLEX-WCC-S-C": "120.0000",
        "A-FLEX-WCC-S-C-O": "156.0000",
        "A-FLEX-WCC-IVR": "25.0000",
        "A-FLEX-WCC-IVR-O": "32.5000",
    }
    detail = sales.get(f"/api/v1/orders/{body['id']}/").json()
    assert detail["currency"] == "USD" and prices(detail) == prices(body)


def test_given_prices_win_and_stay_when_the_catalogue_changes(sales):
    lines = [
        {
            "sku": "A-FLEX-WCC-S-C",
            "quantity": 20,
            "unit_price": "99.5",
            "overage_unit_price": "130",
        },
        {"sku": "A-FLEX-WCC-IVR", "quantity": 4},
    ]
    body = sales.post("/api/v1/orders/", {**ORDER, "lines": lines}, format="json").json()
    Sku.objects.filter(code="A-FLEX-WCC-IVR-O").update(unit_price=Decimal("99"))
    detail = sales.get(f"/api/v1/orders/{body['id']}/").json()
    assert prices(detail) == {
        "A-FLEX-WCC-S-C": "99.5000",
        "A-FLEX-WCC-S-C-O": "130.0000",
        "A-FLEX-WCC-IVR": "25.0000",
        "A-FLEX-WCC-IVR-O": "32.5000",
    }


def test_another_currency_needs_every_price(sales):
    lines = [{"sku": "A-FLEX-WCC-S-C", "quantity": 2, "unit_price": "110.00"}]
    response = sales.post(
        "/api/v1/orders/", {**ORDER, "currency": "EUR", "lines": lines}, format="json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["lines[0].overage_unit_price"]
    lines[0]["overage_unit_price"] = "140.00"
    response = sales.post(
        "/api/v1/orders/", {**ORDER, "currency": "EUR", "lines": lines}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["currency"] == "EUR"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"currency": "XYZ"}, "currency", "Unknown currency XYZ."),
        ({"currency": "eur"}, "currency", "ISO 4217"),
        (
            {"lines": [{"sku": "A-FLEX-WCC-S-C", "quantity": 1, "unit_price": "-1"}]},
            "lines[0].unit_price",
            "cannot be negative",
        ),
        (
            {"lines": [{"sku": "A-FLEX-WCC-S-C", "quantity": 1, "unit_price": "ten"}]},
            "lines[0].unit_price",
            "decimal number",
        ),
        (
            {"lines": [{"sku": "A-FLEX-WCC-S-C", "quantity": 1, "unit_price": "1.00001"}]},
            "lines[0].unit_price",
            "four decimals",
        ),
        (
            {"lines": [{"sku": "A-FLEX-WCC-S-C", "quantity": 1, "unit_price": "NaN"}]},
            "lines[0].unit_price",
            "decimal number",
        ),
        ({"lines": [{"sku": "A-FLEX-WCC-IVR-O", "quantity": 1}]}, "lines[0].sku", "overage"),
    ],
)
def test_bad_prices_and_currencies_name_the_field(sales, change, field, reason):
    response = sales.post("/api/v1/orders/", {**ORDER, **change}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert reason in errors[0]["reason"]
    assert not Order.objects.filter(web_order_id="WO-PRICE-1").exists()


def test_catalogue_endpoint(sales):
    body = sales.get("/api/v1/catalogue/").json()
    assert body["currency"] == "USD"
    skus = {sku["code"]: sku for sku in body["skus"]}
    assert skus["A-FLEX-WCC-S-N"]["overage_sku"] == "A-FLEX-WCC-S-N-O"
    assert skus["A-FLEX-WCC-S-N-O"]["unit_price"] == "110.5000"
    assert skus["A-FLEX-WCC-S-N-O"]["overage_of"] == "A-FLEX-WCC-S-N"
    assert skus["A-CHAN-U-SMS-INTL"]["included_units"] == 1000
    assert skus["A-CHAN-U-SMS-INTL"]["usage_type"] == "digital"
    offers = {offer["code"]: offer for offer in body["offers"]}
    assert "A-FLEX-WCC-S-N" in offers["A-FLEX-3-CC"]["skus"]


def test_catalogue_needs_a_login(api):
    assert api.get("/api/v1/catalogue/").status_code in (401, 403)
