"""Pages of the usage app: a customer's daily detail (with its CSV/XLSX export), the
overage alert settings and alerts, and the partner usage view."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from django_tables2 import SingleTableMixin

from orgs.exports import ExportMixin
from orgs.models import Organization
from orgs.tenancy import CHANGE, VIEW
from orgs.views_base import CustomerPageMixin
from usage import rules, selectors
from usage.alerts import services as alert_services
from usage.filters import usage_overview_filter
from usage.forms import AlertSettingsForm, UsageOverviewFilterForm
from usage.models import DailyUsage
from usage.tables import DailyDetailTable, UsageOverviewTable

FORECAST_METHOD = gettext_lazy(
    "Forecast: a straight line is fitted through each usage type's daily excess over "
    "commitment (units used − commitment − substituted) for the days computed so far in "
    "the cycle and projected to the cycle's last day. Overage is billed at the cycle's "
    "highest daily overage, so the forecast is the higher of the overage billed so far "
    "and the highest projected daily overage."
)


def today() -> date:
    return timezone.now().date()


def subscription_label(subscription) -> str:
    order = subscription.order
    parts = [order.web_order_id if order else _("Subscription %(id)s") % {"id": subscription.pk}]
    if order is not None:
        parts.append(order.offer.code)
    end = short_date(subscription.end_date) if subscription.end_date else _("open-ended")
    parts.append(f"{short_date(subscription.start_date)} – {end}")
    if subscription.status == subscription.Status.ENDED:
        parts.append(_("ended"))
    return " · ".join(parts)


def cycle_label(cycle: tuple[date, date]) -> str:
    return f"{short_date(cycle[0])} – {short_date(cycle[1])}"


def short_date(day: date) -> str:
    """A date as the reader's language writes it (ISO in English: portal/formats)."""
    return date_format(day, "SHORT_DATE_FORMAT")


class BadParameter(Exception):
    """A query parameter the page cannot use: shown as a message with status 400."""


class DailyDetailView(CustomerPageMixin, ExportMixin, SingleTableMixin, TemplateView):
    """One billing cycle of a customer's daily usage, for one of its subscriptions."""

    template_name = "usage/daily_detail.html"
    table_class = DailyDetailTable
    table_pagination = False
    export_formats = ("csv", "xlsx")

    def get(self, request, *args, **kwargs):
        self.error = None
        self.billable = list(
            selectors.billable_subscriptions(self.customer).select_related("order__offer")
        )
        self.subscriptions = selectors.within_retention(self.billable, today())
        self.subscription = None
        self.cycles: list[tuple[date, date]] = []
        self.cycle = None
        try:
            self.subscription = self._subscription(request.GET.get("subscription", ""))
            if self.subscription is not None:
                self.cycles = selectors.billing_cycles(self.customer, self.subscription, today())
                self.cycle = self._cycle(request.GET.get("cycle", ""))
        except BadParameter as error:
            self.error = str(error)
        context = self.get_context_data(**kwargs)
        if self.error:
            if self.request.GET.get(self.export_trigger_param):
                # No file of rows nobody asked for: the page says what was wrong.
                context["export_refused"] = True
            return TemplateView.render_to_response(self, context, status=400)
        return self.render_to_response(context)

    def _subscription(self, raw: str):
        if not self.subscriptions:
            return None
        if raw == "":
            terms = selectors.subscription_terms(self.billable)
            primary = rules.primary_subscription(terms, today())
            default = next((s for s in self.subscriptions if primary and s.pk == primary.id), None)
            return default or self.subscriptions[-1]
        try:
            wanted = int(raw)
        except ValueError:
            raise BadParameter(_("“%(value)s” is not a subscription.") % {"value": raw}) from None
        found = next((s for s in self.subscriptions if s.pk == wanted), None)
        if found is None:
            # Another customer's, or none at all: the same answer either way.
            raise Http404(_("No such subscription."))
        return found

    def _cycle(self, raw: str):
        if not self.cycles:
            return None
        if raw == "":
            return self.cycles[0]
        try:
            start = date.fromisoformat(raw)
        except ValueError:
            raise BadParameter(
                _("“%(value)s” is not a date; pick a billing cycle from the list.") % {"value": raw}
            ) from None
        # Any day of a cycle picks it, so a cycle kept while switching subscriptions
        # still shows the same period where the two overlap.
        found = next((c for c in self.cycles if c[0] <= start <= c[1]), None)
        if found is None:
            raise BadParameter(
                _("This subscription has no billing cycle on %(date)s; pick one from the list.")
                % {"date": start.isoformat()}
            )
        return found

    def get_table_data(self):
        if self.cycle is None:
            return DailyUsage.objects.none()
        return selectors.daily_detail(
            self.customer, start=self.cycle[0], end=self.cycle[1], subscription=self.subscription
        )

    def get_export_filename(self, export_format):
        start = self.cycle[0].isoformat() if self.cycle else "none"
        return f"daily-usage-{self.customer.pk}-{start}.{export_format}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            error=self.error,
            subscription_choices=[(s.pk, subscription_label(s)) for s in self.subscriptions],
            selected_subscription=self.subscription.pk if self.subscription else None,
            cycle_choices=[(c[0].isoformat(), cycle_label(c)) for c in self.cycles],
            selected_cycle=self.cycle[0].isoformat() if self.cycle else None,
            cycle=self.cycle,
            **self._shared_usage(),
            **kwargs,
        )

    def _shared_usage(self) -> dict:
        """With several subscriptions in the cycle, usage is the customer's total: the
        page says so, and what the selected subscription adds to the commitments."""
        if self.subscription is None or self.cycle is None:
            return {}
        start, end = self.cycle
        sharing = [
            s for s in self.billable
            if s.start_date <= end and (s.end_date is None or s.end_date >= start)
        ]
        if len(sharing) < 2:
            return {}
        day = min(end, today())
        primary = rules.primary_subscription(selectors.subscription_terms(self.billable), day)
        return {
            "sharing": [subscription_label(s) for s in sharing if s.pk != self.subscription.pk],
            "contribution": self.subscription,
            "primary_label": next(
                (subscription_label(s) for s in sharing if primary and s.pk == primary.id), None
            ),
        }


class AlertSettingsView(CustomerPageMixin, FormView):
    """The customer's overage alert thresholds, and every alert raised."""

    read_action = VIEW
    write_action = CHANGE
    template_name = "usage/alert_settings.html"
    form_class = AlertSettingsForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": alert_services.alert_settings_of(self.customer),
        }

    def get_context_data(self, **kwargs):
        can_change = (
            Organization.objects.visible_to(self.request.user, CHANGE)
            .filter(pk=self.customer.pk)
            .exists()
        )
        context = super().get_context_data(
            can_change=can_change,
            alerts=selectors.alerts_of(self.customer, today()),
            **kwargs,
        )
        if not can_change:
            for field in context["form"].fields.values():
                field.disabled = True
        return context

    def form_valid(self, form):
        try:
            alert_services.alert_settings_update(
                actor=self.request.user,
                customer=self.customer,
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Alert settings saved."))
        return redirect("usage-alerts", customer_id=self.customer.pk)


class UsageOverviewView(LoginRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """Every customer the person may see, with current-cycle usage, overage so far and
    the forecast per usage type: sortable, filterable, exportable."""

    template_name = "usage/overview.html"
    table_class = UsageOverviewTable
    table_pagination = {"per_page": 50}
    export_formats = ("csv", "xlsx")
    export_name = "usage"

    def get(self, request, *args, **kwargs):
        self.filter_form = UsageOverviewFilterForm(request.GET or None)
        self.all_rows = selectors.usage_overview_for(request.user, today())
        self.rows = usage_overview_filter(self.all_rows, self.filter_form)
        self.without_usage = list(selectors.active_without_usage_for(request.user, today()))
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        return self.rows

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filter_form=self.filter_form,
            customer_count=self.all_rows.values("customer_id").distinct().count()
            + len(self.without_usage),
            without_usage=self.without_usage,
            forecast_method=FORECAST_METHOD,
            **kwargs,
        )
