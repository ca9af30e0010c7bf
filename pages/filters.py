"""The customer list's one FilterSet: shared by the page and its CSV/XLSX export."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization, Person
from orgs.regions import Region, countries_in_region
from orgs.tenancy import visible_rows
from trials.models import Trial
from trials.selectors import trial_customer_ids


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    region = django_filters.ChoiceFilter(
        label=_("Region"), choices=Region.choices, method="in_region"
    )

    trial = django_filters.ChoiceFilter(
        label=_("Trial status"), choices=Trial.Status.choices, method="with_trial"
    )
    trial_expires_within = django_filters.NumberFilter(
        label=_("Trial expires within (days)"), method="trial_expiring", min_value=0
    )

    class Meta:
        model = Organization
        fields = ["q", "region", "industry", "trial", "trial_expires_within"]

    def search(self, queryset, name, value):
        """By name, or by the email of a person the searcher may see: never by the people
        of a customer they only provision (who works where is not theirs to learn)."""
        people = visible_rows(Person, self.request.user).filter(email__icontains=value)
        return queryset.filter(
            Q(name__icontains=value) | Q(pk__in=people.values("organization_id"))
        )

    def in_region(self, queryset, name, value):
        return queryset.filter(country__in=countries_in_region(value))

    def with_trial(self, queryset, name, value):
        return queryset.filter(pk__in=trial_customer_ids(self.request.user, status=value))

    def trial_expiring(self, queryset, name, value):
        return queryset.filter(
            pk__in=trial_customer_ids(self.request.user, expires_within=int(value))
        )
