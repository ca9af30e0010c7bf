"""Exports are safe to open (no cell is a formula) and read right (dates are dates, the
sheet has a name)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import openpyxl
import pytest

from orgs.exports import neutralise
from orgs.roles import Role
from tests.factories import CustomerFactory

EVIL = ["=HYPERLINK(\"http://evil.test\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
        "\tTAB", "\rCR"]


@pytest.mark.parametrize("value", EVIL)
def test_formula_triggers_are_neutralised(value):
    assert neutralise(value) == "'" + value
    assert neutralise("Smith & Sons") == "Smith & Sons"
    assert neutralise(-5) == -5


@pytest.mark.django_db
def test_customer_exports_neutralise_formulas_and_keep_dates_as_dates(client, world):
    for k, name in enumerate(EVIL):
        customer = CustomerFactory(name=name, partner=world.a.partner)
        customer.created_at = datetime(2026, 11, 30, 16, 29, 48, 121004 + k, tzinfo=UTC)
        customer.save(update_fields=["created_at"])
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])

    rows = list(csv.reader(io.StringIO(client.get("/customers/?_export=csv").content.decode())))
    header = rows[0]
    since = header.index("Customer since")
    evil_rows = [row for row in rows[1:] if row[0].lstrip("'") in EVIL]
    assert len(evil_rows) == len(EVIL)
    for row in evil_rows:
        assert row[0].startswith("'")
        assert row[since] == "2026-11-30"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row

    response = client.get("/customers/?_export=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.title == "Customers"
    header = [cell.value for cell in sheet[1]]
    since = header.index("Customer since")
    cells = list(sheet.iter_rows(min_row=2))
    assert cells
    for row in cells:
        for cell in row:
            assert cell.data_type != "f", cell.value
        assert isinstance(row[since].value, datetime | date)
        assert row[since].is_date
    names = {row[0].value for row in cells}
    assert "'=HYPERLINK(\"http://evil.test\",\"x\")" in names


@pytest.mark.django_db
def test_order_export_has_timestamps_to_the_second_and_a_named_sheet(client, world):
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    rows = list(csv.reader(io.StringIO(client.get("/orders/?_export=csv").content.decode())))
    placed = rows[0].index("Placed")
    assert rows[1:]
    for row in rows[1:]:
        datetime.strptime(row[placed], "%Y-%m-%d %H:%M:%S")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/orders/?_export=xlsx").content))
    assert book.active.title == "Orders"
    header = [cell.value for cell in book.active[1]]
    assert book.active.cell(row=2, column=header.index("Placed") + 1).is_date
