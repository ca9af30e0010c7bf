"""The customer list's table: its columns once for the page and its export."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization
from trials.templatetags.trials import trial_expiry_summary, trial_status_summary


class CustomerTable(tables.Table):
    name = tables.Column(verbose_name=_("Customer"))
    status = tables.Column(verbose_name=_("Status"), empty_values=(), orderable=False)
    services = tables.Column(verbose_name=_("Services"), empty_values=(), orderable=False)
    region = tables.Column(verbose_name=_("Region"), accessor="data_region", orderable=False)
    country = tables.Column(verbose_name=_("Country"))
    trial = tables.Column(verbose_name=_("Trial"), empty_values=(), orderable=False)
    trial_expiry = tables.Column(verbose_name=_("Trial expiry"), empty_values=(), orderable=False)
    created_at = tables.DateColumn(verbose_name=_("Customer since"), format="Y-m-d")

    class Meta:
        model = Organization
        fields = [
            "name",
            "status",
            "services",
            "trial",
            "trial_expiry",
            "region",
            "country",
            "industry",
            "created_at",
        ]
        attrs = {"class": "striped", "id": "customers"}
        empty_text = _("No customers yet.")

    def render_status(self, record: Organization) -> str:
        statuses = {s.status for s in record.current_subscriptions}
        if "active" in statuses:
            return _("Active")
        if "pending_setup" in statuses:
            return _("Pending set-up")
        return _("No active subscription")

    def render_services(self, record: Organization) -> str:
        offers = sorted({s.order.offer.code for s in record.current_subscriptions if s.order})
        return ", ".join(offers) or "—"

    def value_services(self, record: Organization) -> str:
        return self.render_services(record)

    def render_name(self, record: Organization, value) -> str:
        # A customer still asked for consent is reached only through the trial's page.
        if getattr(record, "listed_by_trial_only", False) and record.open_trials:
            url = reverse("trial-detail", args=[record.open_trials[0].pk])
        else:
            url = reverse("customer-detail", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, value)

    def value_name(self, record: Organization, value) -> str:
        return value

    def render_trial(self, record: Organization) -> str:
        return trial_status_summary(record.open_trials) or "—"

    def value_trial(self, record: Organization) -> str:
        return self.render_trial(record)

    def render_trial_expiry(self, record: Organization) -> str:
        return trial_expiry_summary(record.open_trials) or "—"

    def value_trial_expiry(self, record: Organization) -> str:
        return self.render_trial_expiry(record)

    def render_region(self, value) -> str:
        return value.label if value else "—"
