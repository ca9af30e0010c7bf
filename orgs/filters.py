"""The audit log's FilterSet (the customer list's is in pages/filters.py)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.models import AuditLog


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
