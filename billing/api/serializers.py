"""Invoices as JSON: money as decimal strings with the currency's minor unit."""

from __future__ import annotations

from rest_framework import serializers

from billing import rules
from billing.models import Invoice, InvoiceLine


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
