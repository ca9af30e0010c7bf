"""Reads of invoices shared by the pages, their exports and the API."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from billing import rules
from billing.models import Invoice, InvoiceLine

# The invoice CSV: one row per line, with the invoice's figures repeated (exports stay
# in the SPEC's English).
LINE_COLUMNS = (
    "Invoice Number",
    "Issued",
    "Due Date",
    "Customer",
    "Subscription",
    "Position",
    "Kind",
    "SKU",
    "Description",
    "Billing Period",
    "Quantity",
    "Unit",
    "Unit Price",
    "Amount",
    "Adjusts",
    "Currency",
)


def invoices_for(person) -> QuerySet[Invoice]:
    """Every invoice `person` may see, newest first, without their lines."""
    return (
        Invoice.objects.visible_to(person).select_related("customer").order_by("-issued_at", "-id")
    )


def invoice_with_lines(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return queryset.select_related("customer", "subscription__order__offer").prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.unscoped().order_by("position"))
    )


def money(value: Decimal, currency: str) -> str:
    return rules.money_text(value, currency)


def invoice_csv(invoice: Invoice) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LINE_COLUMNS)
    for row in invoice_rows(invoice):
        writer.writerow(row)
    return out.getvalue()


def invoice_rows(invoice: Invoice) -> list[list]:
    rows = []
    for line in invoice.lines.all():
        rows.append(
            [
                invoice.number,
                invoice.issued_at.date().isoformat(),
                invoice.due_date.isoformat(),
                invoice.bill_to.get("customer_name", ""),
                invoice.subscription_id,
                line.position,
                line.kind,
                line.sku,
                line.description,
                line.billing_period,
                line.quantity,
                line.unit,
                f"{line.unit_price:f}",
                money(line.amount, invoice.currency),
                line.adjusts,
                invoice.currency,
            ]
        )
    return rows


def summary_rows(invoice: Invoice) -> list[tuple[str, str]]:
    """The vendor's summary of charges, in its words (English: exports)."""
    c = invoice.currency
    return [
        ("Recurring Charges", money(invoice.recurring_total, c)),
        ("Usage/Overage Charges", money(invoice.usage_total, c)),
        ("Other Charges", money(invoice.other_total, c)),
        ("Subtotal (Excl. Tax)", money(invoice.subtotal, c)),
        (f"Taxes ({invoice.tax_rate.normalize():f} %)", money(invoice.tax_total, c)),
        ("Total Amount (Incl. Tax)", money(invoice.total, c)),
        ("Currency", c),
    ]
