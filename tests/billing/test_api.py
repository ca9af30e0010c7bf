"""The invoices API and pages: shapes, files, filters, 405 on writes, 404 across tenants."""

from __future__ import annotations

from datetime import date

import pytest

from billing import services
from billing.models import BillingDetails, Invoice
from orgs.models import AuditLog
from orgs.roles import Role
from tests.billing.helpers import write_cycle
from tests.factories import SubscriptionFactory, issued_invoice

JUNE = (date(2025, 6, 9), date(2025, 7, 8))


@pytest.fixture
def issued(world):
    """Customer A's June invoice from daily rows (on a subscription of its own), after
    each tenant's own invoice."""
    assert world.a.invoice and world.b.invoice
    sub = SubscriptionFactory(customer=world.a.customer, start_date=JUNE[0])
    write_cycle(sub, JUNE, {"Standard Named Agent": [3]})
    invoice = issued_invoice(
        sub, lines=[("A-FLEX-WCC-S-N-O", 3), ("A-FLEX-WCC-IVR-O", 1)], cycle=JUNE
    )
    return invoice


def test_customer_invoice_list_and_detail(api, world, issued):
    api.force_authenticate(world.a[Role.CUSTOMER_READ_ONLY])
    body = api.get(f"/api/v1/customers/{world.a.customer.pk}/invoices/").json()
    numbers = [row["number"] for row in body["results"]]
    assert issued.number in numbers and world.b.invoice.number not in numbers
    detail = api.get(f"/api/v1/customers/{world.a.customer.pk}/invoices/{issued.pk}/").json()
    assert detail["number"] == issued.number
    assert detail["period_start"] == "2025-06-09" and detail["currency"] == "USD"
    assert detail["subtotal"] == "364.00" and detail["total"] == "364.00"
    assert detail["tax_rate"] == "0.00" and detail["recurring_total"] == "0.00"
    assert [
        (
            ln["position"],
            ln["kind"],
            ln["sku"],
            ln["quantity"],
            ln["unit"],
            ln["unit_price"],
            ln["amount"],
        )
        for ln in detail["lines"]
    ] == [
        (1, "overage", "A-FLEX-WCC-S-N-O", 3, "Agent", "110.5000", "331.50"),
        (2, "overage", "A-FLEX-WCC-IVR-O", 1, "Port", "32.5000", "32.50"),
    ]
    assert detail["lines"][0]["billing_period"] == "09-JUN-2025 to 08-JUL-2025"
    assert set(detail) >= {
        "id", "number", "customer", "subscription", "status", "issued_at", "due_date",
        "period_start", "period_end", "currency", "lines", "recurring_total", "usage_total",
        "other_total", "subtotal", "tax_rate", "tax_total", "total",
    }  # fmt: skip


def test_csv_and_pdf(api, world, issued):
    api.force_authenticate(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/api/v1/customers/{world.a.customer.pk}/invoices/{issued.pk}/"
    csv = api.get(url + "?format=csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    rows = csv.content.decode().splitlines()
    assert rows[0].startswith("Invoice Number,Issued,Due Date")
    assert "A-FLEX-WCC-S-N-O" in rows[1] and "331.50" in rows[1]
    pdf = api.get(url + "?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    missing = api.get(
        f"/api/v1/customers/{world.a.customer.pk}/invoices/{world.b.invoice.pk}/?format=pdf"
    )
    assert missing.status_code == 404 and "message" in missing.json()


def test_writes_answer_405(api, world, issued):
    api.force_authenticate(world.a[Role.PARTNER_FULL_ADMIN])
    base = f"/api/v1/customers/{world.a.customer.pk}/invoices/"
    assert api.post(base, {}, format="json").status_code == 405
    assert api.delete(f"{base}{issued.pk}/").status_code == 405
    assert api.patch(f"{base}{issued.pk}/", {"total": "0"}, format="json").status_code == 405
    assert api.post("/api/v1/invoices/", {}, format="json").status_code == 405


def test_all_invoices_with_filters(api, world, issued):
    api.force_authenticate(world.a[Role.PARTNER_FULL_ADMIN])
    body = api.get("/api/v1/invoices/").json()
    assert {row["number"] for row in body["results"]} == {issued.number, world.a.invoice.number}
    by_period = api.get("/api/v1/invoices/?period=2025-06-20").json()["results"]
    assert [row["number"] for row in by_period] == [issued.number]
    by_customer = api.get(f"/api/v1/invoices/?customer={world.b.customer.pk}").json()
    assert by_customer["results"] == []
    assert api.get("/api/v1/invoices/?status=issued").json()["count"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [("period=2024-02-30", "period"), ("status=paid", "status"), ("customer=abc", "customer")],
)
def test_bad_filters_name_the_field(api, world, query, field):
    api.force_authenticate(world.a[Role.PARTNER_FULL_ADMIN])
    response = api.get(f"/api/v1/invoices/?{query}")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_trial_partner_never_sees_the_managing_partners_invoices(api, world, issued):
    from orgs.models import PartnerRelationship

    PartnerRelationship.objects.create(
        partner=world.b.partner, customer=world.a.customer, access="full", is_managing=False
    )
    api.force_authenticate(world.b[Role.PARTNER_FULL_ADMIN])
    assert api.get(f"/api/v1/customers/{world.a.customer.pk}/invoices/").json()["results"] == []
    assert (
        api.get(f"/api/v1/customers/{world.a.customer.pk}/invoices/{issued.pk}/").status_code == 404
    )


def test_pages(client, world, issued):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    page = client.get(f"/customers/{world.a.customer.pk}/invoices/{issued.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "09-JUN-2025 to 08-JUL-2025" in body and "331.50" in body and "364.00" in body
    assert (
        f"/customers/{world.a.customer.pk}/usage/daily/?subscription={issued.subscription_id}&amp;cycle=2025-06-09"
        in body
    )
    link = (
        f"/customers/{world.a.customer.pk}/usage/daily/?subscription={issued.subscription_id}"
        "&cycle=2025-06-09&focus=Standard+Named+Agent"
    )
    assert link.replace("&", "&amp;") in body
    daily = client.get(link).content.decode()
    assert 'class="peak focus" id="overage-peak" data-usage-type="Standard Named Agent"' in daily
    csv = client.get(f"/customers/{world.a.customer.pk}/invoices/{issued.pk}/?export=csv")
    assert csv["Content-Type"].startswith("text/csv")
    xlsx = client.get(f"/customers/{world.a.customer.pk}/invoices/{issued.pk}/?export=xlsx")
    assert xlsx.content[:2] == b"PK"
    pdf = client.get(f"/customers/{world.a.customer.pk}/invoices/{issued.pk}/pdf/")
    assert pdf.content.startswith(b"%PDF")
    listing = client.get(f"/customers/{world.a.customer.pk}/invoices/").content.decode()
    assert issued.number in listing and world.b.invoice.number not in listing
    assert client.get(f"/customers/{world.a.customer.pk}/invoices/?_export=csv").status_code == 200


def test_partner_list_shows_every_customer_and_filters(client, world, issued):
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    body = client.get("/invoices/").content.decode()
    assert issued.number in body and world.a.invoice.number in body
    assert world.b.invoice.number not in body
    filtered = client.get("/invoices/?period_from=2025-06-01&period_to=2025-06-30").content.decode()
    assert issued.number in filtered and world.a.invoice.number not in filtered
    export = client.get("/invoices/?_export=xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_billing_details_by_partner_admin_and_customer_admin(client, world):
    url = f"/customers/{world.a.customer.pk}/billing/"
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    form = {
        "billing_address": "1 Rue de la Paix\n75002 Paris",
        "vat_number": "not-a-number",
        "billing_emails": "ap@initech.test",
        "tax_rate": "5",
    }
    world.a.customer.country = "FR"
    world.a.customer.save()
    response = client.post(url, form)
    assert response.status_code == 200 and "Not a valid EU VAT number" in response.content.decode()
    form["vat_number"] = "FR40303265045"
    assert client.post(url, form).status_code == 302
    details = BillingDetails.objects.get(customer=world.a.customer)
    assert details.vat_number == "FR40303265045" and details.tax_rate is None  # not theirs to set
    assert AuditLog.objects.filter(action="billing_details.update").exists()
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    assert client.post(url, {**form, "tax_rate": "5.5"}).status_code == 302
    details.refresh_from_db()
    assert str(details.tax_rate) == "5.50"
    bad = client.post(url, {**form, "billing_emails": "nope", "tax_rate": "-1"})
    assert (
        bad.status_code == 200
        and not Invoice.objects.filter(customer=world.a.customer, tax_rate=-1).exists()
    )


def test_the_next_invoice_carries_the_details(world):
    from tests.billing.helpers import billed_customer

    customer, sub = billed_customer(start=JUNE[0], partner=world.a.partner)
    BillingDetails.objects.create(customer=customer, billing_address="Here", purchase_order="PO-77")
    write_cycle(sub, JUNE, {"Standard Named Agent": [1]})
    services.invoices_issue([customer.pk], through=JUNE[1])
    invoice = Invoice.objects.get(customer=customer)
    assert invoice.bill_to["purchase_order"] == "PO-77"
    assert invoice.bill_to["billing_address"] == "Here"
    assert invoice.number.startswith("PARTNER")  # the partner's numbering continues
