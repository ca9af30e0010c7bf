"""Pages of the usage app: a customer's daily detail (with its CSV/XLSX export), the
overage alert settings and alerts, and the partner usage view."""

from __future__ import annotations

import csv
from datetime import date

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from django_tables2 import SingleTableMixin

from orgs import clock
from orgs.exports import SafeExportMixin
from orgs.tenancy import CHANGE, VIEW, can
from orgs.views_base import CustomerPageMixin
from usage import rules, selectors
from usage.alerts import services as alert_services
from usage.filters import usage_overview_filter
from usage.forms import AlertSettingsForm, UsageOverviewFilterForm
from usage.models import DailyUsage
from usage.tables import DailyDetailTable, UsageOverviewTable

FORECAST_METHOD = gettext_lazy(
    "Forecast billed overage: overage is billed at the cycle's busiest day, so the "
    "forecast is how high that day is likely to be when the cycle closes, never less than "
    "what is billed so far. Named agents: the agents counted so far, plus as many new "
    "agents as your previous cycles still added after this day of the cycle. Concurrent "
    "agents and IVR ports: each day still to come is judged by the same weekday over your "
    "last six weeks, and the forecast is the busiest of them (the more days are left, the "
    "likelier one of them goes higher). "
    "The range (low to high) holds the billed overage in about 8 cycles out of 10. "
    "Without enough history (a first cycle, or its first weeks) the forecast assumes the "
    "cycle goes on as seen so far and is marked uncertain."
)
FORECAST_BASIS = {
    "history": gettext_lazy("Based on the new agents your previous cycles added after this day."),
    "weekdays": gettext_lazy("Based on your daily peaks of the last weeks, weekday by weekday."),
    "no_history": gettext_lazy(
        "Uncertain: too little history yet, so the cycle is assumed to go on as seen so far."
    ),
    "final": gettext_lazy("The cycle is complete: this is the billed overage."),
}


def today() -> date:
    return clock.today()


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


class DailyDetailView(CustomerPageMixin, SafeExportMixin, SingleTableMixin, TemplateView):
    """One billing cycle of a customer's daily usage, for one of its subscriptions."""

    template_name = "usage/daily_detail.html"
    table_class = DailyDetailTable
    table_pagination = False
    export_formats = ("csv", "xlsx")
    export_name = "daily-usage"

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

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        # ?focus=<usage type>: an invoice line's link; its peak row is highlighted.
        table.focus_type = self.request.GET.get("focus", "")
        return table

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
            forecasts=self._forecasts(),
            forecast_method=FORECAST_METHOD,
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

    def _forecasts(self) -> list[dict]:
        """The cycle's stored forecast per usage type, as the cards show it."""
        if self.cycle is None:
            return []
        stored = selectors.cycle_forecasts(self.customer, self.cycle[0])
        return [
            {
                "usage_type": usage_type,
                "overage": f.billed_so_far,
                "forecast": f.forecast,
                "forecast_low": f.forecast_low,
                "forecast_high": f.forecast_high,
                "forecast_uncertain": f.uncertain,
                "forecast_basis": FORECAST_BASIS.get(f.basis, ""),
            }
            for usage_type, f in stored.items()
        ]


# Usage types as they appear in page URLs: "premium-named-agent".
USAGE_TYPE_BY_SLUG = {slugify(usage_type): usage_type for usage_type in rules.USAGE_TYPES}


def evidence_url(customer_id: int, usage_date: date, usage_type: str) -> str:
    return reverse(
        "usage-evidence", args=[customer_id, usage_date.isoformat(), slugify(usage_type)]
    )


class EvidenceView(CustomerPageMixin, TemplateView):
    """The witnesses of one daily row's count: the agents, quarter-hour or minute and the
    sessions that made it, computed now from the stored sessions; `?format=csv` exports
    them. A day or type with no row of this customer is not found."""

    template_name = "usage/evidence.html"

    def get(self, request, *args, **kwargs):
        usage_type = USAGE_TYPE_BY_SLUG.get(kwargs["usage_type"])
        try:
            usage_date = date.fromisoformat(kwargs["usage_date"])
        except ValueError:
            usage_date = None
        found = None
        if usage_type is not None and usage_date is not None:
            found = selectors.row_evidence(self.customer, usage_date, usage_type)
        if found is None:
            raise Http404(_("No usage computed for this day and usage type."))
        if request.GET.get("format") == "csv":
            return self._csv(found)
        if request.GET.get("format") not in (None, "", "html"):
            context = self.get_context_data(
                found=found, error=_("Unknown format: use csv, or none for this page.")
            )
            return self.render_to_response(context, status=400)
        return self.render_to_response(self.get_context_data(found=found))

    def _csv(self, found) -> HttpResponse:
        headers, rows = selectors.evidence_table(found)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = (
            f"usage-evidence-{self.customer.pk}-{found.row.usage_date.isoformat()}-"
            f"{slugify(found.row.usage_type)}.csv"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv.writer(response)
        writer.writerow(headers)
        writer.writerows(rows)
        return response

    def get_context_data(self, **kwargs):
        found = kwargs["found"]
        daily = reverse("usage-daily", args=[self.customer.pk])
        return super().get_context_data(
            row=found.row,
            daily_url=f"{daily}?subscription={found.row.subscription_id}"
            f"&cycle={found.row.cycle_start.isoformat()}",
            **kwargs,
        )


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
        can_change = can(self.request.user, self.customer, CHANGE)
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


class UsageOverviewView(LoginRequiredMixin, SafeExportMixin, SingleTableMixin, TemplateView):
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
