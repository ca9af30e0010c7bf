"""Reads of invoices shared by the pages, their exports and the API."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from django.db.models import Case, Prefetch, QuerySet, Value, When

from billing import rules
from billing.models import Dispute, Invoice, InvoiceLine
from usage.models import DailyUsage

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


# Open disputes first (the queue), each group oldest first.
OPEN_FIRST = (
    Case(When(status=Dispute.Status.OPEN, then=Value(0)), default=Value(1)),
    "created_at",
    "id",
)


def disputes_for(person) -> QuerySet[Dispute]:
    """Every dispute `person` may see: open first, oldest first."""
    return (
        Dispute.objects.visible_to(person)
        .select_related("line", "invoice", "customer", "opened_by", "resolved_by", "credit_invoice")
        .order_by(*OPEN_FIRST)
    )


def peak_days(invoice: Invoice) -> dict[tuple[str, date], date]:
    """The peak day of each usage type billed by the invoice's lines, per billing period:
    the first day with the cycle's highest Units Overage for that type (the row the daily
    detail comments `Overage peak`). One query."""

    wanted = {
        (line.usage_type, line.period_start)
        for line in invoice.lines.all()
        if line.usage_type and line.quantity > 0
    }
    if not wanted:
        return {}
    rows = (
        DailyUsage.objects.unscoped()
        .filter(
            customer_id=invoice.customer_id,
            cycle_start__in={start for _t, start in wanted},
            usage_type__in={t for t, _s in wanted},
            units_overage__gt=0,
        )
        .order_by("usage_type", "cycle_start", "-units_overage", "usage_date")
        .values_list("usage_type", "cycle_start", "usage_date")
    )
    peaks: dict[tuple[str, date], date] = {}
    for usage_type, start, day in rows:
        peaks.setdefault((usage_type, start), day)
    return peaks
