"""The customer list's one FilterSet: shared by the page and its CSV/XLSX export."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.models import AuditLog, Organization
from orgs.regions import Region, countries_in_region


def _trial_status_choices():
    from trials.models import Trial

    return Trial.Status.choices


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    region = django_filters.ChoiceFilter(
        label=_("Region"), choices=Region.choices, method="in_region"
    )

    trial = django_filters.ChoiceFilter(
        label=_("Trial status"), choices=_trial_status_choices, method="with_trial"
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
        from orgs.models import Person
        from orgs.tenancy import visible_rows

        people = visible_rows(Person, self.request.user).filter(email__icontains=value)
        return queryset.filter(
            Q(name__icontains=value) | Q(pk__in=people.values("organization_id"))
        )

    def in_region(self, queryset, name, value):
        return queryset.filter(country__in=countries_in_region(value))

    def with_trial(self, queryset, name, value):
        from trials.selectors import trial_customer_ids

        return queryset.filter(pk__in=trial_customer_ids(self.request.user, status=value))

    def trial_expiring(self, queryset, name, value):
        from trials.selectors import trial_customer_ids

        return queryset.filter(
            pk__in=trial_customer_ids(self.request.user, expires_within=int(value))
        )


class DateInput(forms.DateInput):
    input_type = "date"


class AuditLogFilter(django_filters.FilterSet):
    """The audit log's filters: person, object type, and a date range (UTC days)."""

    actor_email = django_filters.ChoiceFilter(label=_("Person"), empty_label=_("Anyone"))
    object_type = django_filters.ChoiceFilter(label=_("Object type"), empty_label=_("Any"))
    since = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte", widget=DateInput
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte", widget=DateInput
    )

    class Meta:
        model = AuditLog
        fields = ["actor_email", "object_type", "since", "until"]

    def __init__(self, *args, **kwargs):
        from orgs.audit_display import object_type_choices

        super().__init__(*args, **kwargs)
        entries = self.queryset
        self.filters["actor_email"].extra["choices"] = [
            (email, email)
            for email in entries.exclude(actor_email="")
            .order_by("actor_email")
            .values_list("actor_email", flat=True)
            .distinct()
        ]
        self.filters["object_type"].extra["choices"] = object_type_choices(
            entries.order_by("object_type").values_list("object_type", flat=True).distinct()
        )

    @property
    def qs(self):
        queryset = super().qs
        since, until = (self.form.cleaned_data.get(k) for k in ("since", "until"))
        if since and until and since > until:
            return queryset.none()
        return queryset

    def is_valid(self) -> bool:
        valid = super().is_valid()
        since, until = (self.form.cleaned_data.get(k) for k in ("since", "until"))
        if valid and since and until and since > until:
            self.form.add_error("until", _("The end of the range is before its start."))
            return False
        return valid
