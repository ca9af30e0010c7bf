"""The invoice lists' one FilterSet: the partner page, its export and /api/v1/invoices/."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from billing.models import Dispute, Invoice


class InvoiceFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer id"))
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices, label=_("Status"))
    period = django_filters.DateFilter(method="containing", label=_("Period containing"))
    period_from = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", label=_("Period from")
    )
    period_to = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label=_("Period to")
    )

    class Meta:
        model = Invoice
        fields = ["customer", "q", "status", "period", "period_from", "period_to"]

    def search(self, queryset, name, value):
        """By invoice number or customer name."""
        from django.db.models import Q

        return queryset.filter(Q(number__icontains=value) | Q(customer__name__icontains=value))

    def containing(self, queryset, name, value):
        return queryset.filter(period_start__lte=value, period_end__gte=value)


class DisputeFilter(django_filters.FilterSet):
    """The disputes queue, its export and /api/v1/disputes/."""

    status = django_filters.ChoiceFilter(choices=Dispute.Status.choices, label=_("Status"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer id"))
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta:
        model = Dispute
        fields = ["status", "customer", "q"]

    def search(self, queryset, name, value):
        """By invoice number, customer name or SKU."""
        from django.db.models import Q

        return queryset.filter(
            Q(invoice__number__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(line__sku__icontains=value)
        )
