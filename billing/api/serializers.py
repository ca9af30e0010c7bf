"""Invoices as JSON: money as decimal strings with the currency's minor unit."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing import rules
from billing.models import Invoice, InvoiceLine


@extend_schema_field(OpenApiTypes.DECIMAL)
class MoneyField(serializers.Field):
    """A Decimal as a string rounded to the invoice's currency ("123.45")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        self._currency = getattr(instance, "currency", None) or self.context.get("currency")
        return super().get_attribute(instance)

    def to_representation(self, value):
        return rules.money_text(value, self._currency)


class InvoiceLineSerializer(serializers.ModelSerializer):
    billing_period = serializers.CharField(read_only=True)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=4, read_only=True)
    amount = serializers.SerializerMethodField()

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "position",
            "kind",
            "sku",
            "description",
            "billing_period",
            "period_start",
            "period_end",
            "quantity",
            "unit",
            "unit_price",
            "amount",
            "adjusts",
        ]

    def get_amount(self, line) -> str:
        return rules.money_text(line.amount, self.context["currencies"][line.invoice_id])


class InvoiceSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    subscription = serializers.IntegerField(source="subscription_id")
    lines = serializers.SerializerMethodField()
    recurring_total = MoneyField()
    usage_total = MoneyField()
    other_total = MoneyField()
    subtotal = MoneyField()
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    tax_total = MoneyField()
    total = MoneyField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "customer",
            "subscription",
            "status",
            "issued_at",
            "due_date",
            "period_start",
            "period_end",
            "currency",
            "lines",
            "recurring_total",
            "usage_total",
            "other_total",
            "subtotal",
            "tax_rate",
            "tax_note",
            "tax_total",
            "total",
        ]

    def get_lines(self, invoice) -> list[dict]:
        context = {**self.context, "currencies": {invoice.pk: invoice.currency}}
        return InvoiceLineSerializer(invoice.lines.all(), many=True, context=context).data

    def to_representation(self, invoice) -> dict:
        return invoice_dict(invoice)


def _line_dict(line, currency: str) -> dict:
    return {
        "id": line.pk,
        "position": line.position,
        "kind": line.kind,
        "sku": line.sku,
        "description": line.description,
        "billing_period": line.billing_period,
        "period_start": line.period_start.isoformat(),
        "period_end": line.period_end.isoformat(),
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": f"{line.unit_price:.4f}",
        "amount": rules.money_text(line.amount, currency),
        "adjusts": line.adjusts,
    }


def invoice_dict(invoice) -> dict:
    """The same shape as InvoiceSerializer, written directly: a page of 100 invoices
    with their lines through DRF's field machinery cost most of the request."""
    c = invoice.currency
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "customer": invoice.customer_id,
        "subscription": invoice.subscription_id,
        "status": invoice.status,
        "issued_at": serializers.DateTimeField().to_representation(invoice.issued_at),
        "due_date": invoice.due_date.isoformat(),
        "period_start": invoice.period_start.isoformat(),
        "period_end": invoice.period_end.isoformat(),
        "currency": c,
        "lines": [_line_dict(line, c) for line in invoice.lines.all()],
        "recurring_total": rules.money_text(invoice.recurring_total, c),
        "usage_total": rules.money_text(invoice.usage_total, c),
        "other_total": rules.money_text(invoice.other_total, c),
        "subtotal": rules.money_text(invoice.subtotal, c),
        "tax_rate": f"{invoice.tax_rate:.2f}",
        "tax_note": invoice.tax_note,
        "tax_total": rules.money_text(invoice.tax_total, c),
        "total": rules.money_text(invoice.total, c),
    }


# --- disputes ---------------------------------------------------------------------------------


class DisputeOpenSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Id of a line of this invoice.")
    reason = serializers.CharField(max_length=2000, help_text="Why the line is disputed.")


class DisputeResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["accepted", "rejected"])
    credit_quantity = serializers.IntegerField(
        required=False, allow_null=True, help_text="With `accepted`: 1 up to the line's quantity."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Required with `rejected`."
    )


class DisputeSerializer(serializers.Serializer):
    """The shape of a dispute (written directly by `dispute_dict`)."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["open", "accepted", "rejected"])
    customer = serializers.IntegerField()
    invoice = serializers.IntegerField()
    invoice_number = serializers.CharField()
    line = serializers.IntegerField()
    sku = serializers.CharField()
    description = serializers.CharField()
    billing_period = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=4)
    amount_at_stake = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()
    reason = serializers.CharField()
    opened_by = serializers.EmailField(allow_null=True)
    created_at = serializers.DateTimeField()
    credit_quantity = serializers.IntegerField(allow_null=True)
    credit_amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    note = serializers.CharField()
    resolved_by = serializers.EmailField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    credit_invoice = serializers.CharField(
        allow_null=True, help_text="Number of the invoice that carried the credit."
    )

    def to_representation(self, dispute) -> dict:
        return dispute_dict(dispute)


def dispute_dict(dispute) -> dict:
    line, invoice = dispute.line, dispute.invoice
    c = invoice.currency
    when = serializers.DateTimeField().to_representation
    credit = (
        rules.money_text(rules.amount_at_stake(-dispute.credit_quantity, line.unit_price, c), c)
        if dispute.credit_quantity
        else None
    )
    return {
        "id": dispute.pk,
        "status": dispute.status,
        "customer": dispute.customer_id,
        "invoice": invoice.pk,
        "invoice_number": invoice.number,
        "line": line.pk,
        "sku": line.sku,
        "description": line.description,
        "billing_period": line.billing_period,
        "quantity": line.quantity,
        "unit_price": f"{line.unit_price:.4f}",
        "amount_at_stake": rules.money_text(
            rules.amount_at_stake(line.quantity, line.unit_price, c), c
        ),
        "currency": c,
        "reason": dispute.reason,
        "opened_by": dispute.opened_by.email if dispute.opened_by else None,
        "created_at": when(dispute.created_at),
        "credit_quantity": dispute.credit_quantity,
        "credit_amount": credit,
        "note": dispute.note,
        "resolved_by": dispute.resolved_by.email if dispute.resolved_by else None,
        "resolved_at": when(dispute.resolved_at) if dispute.resolved_at else None,
        "credit_invoice": dispute.credit_invoice.number if dispute.credit_invoice else None,
    }
