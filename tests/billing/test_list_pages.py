"""The invoice lists read a page as ids first, then those rows (billing.tables.
LateRowPaginator): walking every page in every order a person can click shows each visible
invoice once, in that order, and nothing of the other tenant."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection

from billing.models import Invoice
from orgs.roles import Role
from tests.factories import CustomerFactory, SubscriptionFactory, issued_invoice

SAME_MOMENT = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
LINKS = re.compile(r'<a href="/customers/\d+/invoices/(\d+)/">')


@pytest.fixture
def two_steps(monkeypatch):
    """Every page read in two steps (with 50 rows a page, from page 11 on)."""
    monkeypatch.setattr("billing.tables.ONE_STATEMENT_BELOW", 0)


@pytest.fixture
def many(world):
    """Tenant A's partner with 11 invoices more over three customers, most issued at one
    moment with equal totals, so only the id tells the ties apart."""
    assert world.a.invoice and world.b.invoice
    partner = world.a.customer.managing_partner
    customers = [world.a.customer] + [
        CustomerFactory(partner=partner, name=f"Customer a{n}-7f3a") for n in (2, 3)
    ]
    with mock.patch("django.utils.timezone.now", return_value=SAME_MOMENT):
        for n in range(11):
            customer = customers[n % 3]
            start = date(2025, 1 + n // 3, 1)  # three customers share each period
            sub = SubscriptionFactory(customer=customer, start_date=start)
            issued_invoice(
                sub,
                lines=[("A-FLEX-WCC-S-N-O", 1 + n % 2)],
                cycle=(start, start + timedelta(days=27)),
            )
    return Invoice.objects.filter(partner=partner)


def walk(client, path: str, sort: str) -> list[int]:
    ids: list[int] = []
    page = 1
    while True:
        response = client.get(path, {"sort": sort, "per_page": 4, "page": page})
        assert response.status_code == 200
        ids += [int(i) for i in LINKS.findall(response.content.decode())]
        if not re.search(rf"[?&;]page={page + 1}\b", response.content.decode()):
            return ids
        page += 1


ORDERS = {
    "": ("-issued_at", "-id"),
    "issued_at": ("issued_at", "id"),
    "-issued_at": ("-issued_at", "-id"),
    "customer": ("customer__name", "id"),
    "-customer": ("-customer__name", "-id"),
    "total": ("total", "id"),
    "-total": ("-total", "-id"),
    "period_start": ("period_start", "id"),
    "-period_start": ("-period_start", "-id"),
    "status": ("status", "id"),
    "number": ("number",),
}


@pytest.mark.parametrize("sort", ORDERS)
@pytest.mark.parametrize("steps", ["two_steps", "one_statement_first"])
def test_every_page_of_every_order_shows_each_invoice_once(
    client, world, many, sort, steps, monkeypatch
):
    if steps == "two_steps":
        monkeypatch.setattr("billing.tables.ONE_STATEMENT_BELOW", 0)
    else:  # the first two pages in one statement, the next ones in two steps
        monkeypatch.setattr("billing.tables.ONE_STATEMENT_BELOW", 8)
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    shown = walk(client, "/invoices/", sort)
    expected = list(many.order_by(*ORDERS[sort]).values_list("pk", flat=True))
    assert len(expected) == 12  # the tenant's own, 11 more and nothing of tenant B
    assert shown == expected
    assert world.b.invoice.pk not in shown


def test_a_customers_pages_and_a_page_past_the_end(client, world, many, two_steps):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    path = f"/customers/{world.a.customer.pk}/invoices/"
    mine = many.filter(customer=world.a.customer)
    assert walk(client, path, "-total") == list(
        mine.order_by("-total", "-id").values_list("pk", flat=True)
    )
    # django-tables2 shows the last page for a page number past the end.
    last = client.get(path, {"per_page": 4, "page": 99}).content.decode()
    oldest = mine.order_by("issued_at", "id").first()
    assert f"/invoices/{oldest.pk}/" in last


@pytest.mark.parametrize("sort", ["", "-total"])
def test_the_page_reads_ids_then_rows(
    client, world, many, sort, two_steps, django_assert_max_num_queries
):
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    client.get("/invoices/")
    with django_assert_max_num_queries(13) as queries:
        body = client.get("/invoices/", {"per_page": 4, "page": 2, "sort": sort}).content
    sql = [q["sql"] for q in queries.captured_queries]
    # The count, the page's ids (the invoice's columns alone, no join), its rows by id.
    (at,) = [i for i, s in enumerate(sql) if "billing_invoice" in s and "OFFSET 4" in s]
    assert sql[at].startswith('SELECT "billing_invoice"."id"') and "JOIN" not in sql[at]
    assert len(LINKS.findall(body.decode())) == 4
    hinted = connection.vendor == "postgresql" and not sort
    # In the index's order PostgreSQL walks the index: sorting off for that statement only.
    assert ("set_config('enable_sort', 'off', true)" in sql[at - 1]) is hinted
    assert ("set_config('enable_sort'" in sql[at + 1]) is hinted
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_sort")
            assert cursor.fetchone() == ("on",)


def test_the_first_pages_are_one_statement(client, world, many, django_assert_max_num_queries):
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    client.get("/invoices/")
    with django_assert_max_num_queries(9) as queries:
        client.get("/invoices/", {"per_page": 4, "page": 2})
    (page,) = [q["sql"] for q in queries.captured_queries if "OFFSET 4" in q["sql"]]
    assert "JOIN" in page and "enable_sort" not in " ".join(
        q["sql"] for q in queries.captured_queries
    )
