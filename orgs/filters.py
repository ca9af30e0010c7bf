"""The customer list's one FilterSet: shared by the page and its CSV/XLSX export."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization
from orgs.regions import Region, countries_in_region


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    region = django_filters.ChoiceFilter(
        label=_("Region"), choices=Region.choices, method="in_region"
    )

    class Meta:
        model = Organization
        fields = ["q", "region", "industry"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(people__email__icontains=value)
        ).distinct()

    def in_region(self, queryset, name, value):
        return queryset.filter(country__in=countries_in_region(value))
