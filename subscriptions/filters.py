"""The order list's one FilterSet: shared by the page and its CSV/XLSX export."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.filters import DateInput
from subscriptions.models import Offer, Order


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Order.Status.choices)
    offer = django_filters.ModelChoiceFilter(
        label=_("Offer"), queryset=Offer.objects.all(), to_field_name="code"
    )
    start_from = django_filters.DateFilter(
        label=_("Start from"),
        field_name="requested_start_date",
        lookup_expr="gte",
        widget=DateInput,
    )
    start_to = django_filters.DateFilter(
        label=_("Start to"), field_name="requested_start_date", lookup_expr="lte", widget=DateInput
    )

    class Meta:
        model = Order
        fields = ["q", "status", "offer", "start_from", "start_to"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(web_order_id__icontains=value)
            | Q(provisioning_contact_email__icontains=value)
            | Q(customer__name__icontains=value)
        )
