"""Template tags of the usage app: the usage cards of the customer home."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from orgs import clock
from usage import rules, selectors
from usage.charts import ChartDay, usage_chart
from usage.views import FORECAST_BASIS, FORECAST_METHOD, evidence_url

register = template.Library()

LATEST_ALERTS = 5


def _type_figures(dashboard: selectors.UsageDashboard, usage_type: str) -> dict | None:
    current = dashboard.current
    figures = current.by_type.get(usage_type)
    if figures is None:
        return None
    days = dashboard.days_by_type.get(usage_type, [])
    return {
        "usage_type": usage_type,
        "used": figures.used,
        "commitment": figures.commitment,
        "substituted": figures.substituted,
        "overage": figures.overage,
        "difference": abs(figures.used - figures.commitment),
        "above": figures.used > figures.commitment,
        "forecast": figures.forecast,
        "forecast_low": figures.forecast_low,
        "forecast_high": figures.forecast_high,
        "forecast_uncertain": figures.forecast_uncertain,
        "forecast_basis": FORECAST_BASIS.get(figures.forecast_basis, ""),
        # The first day that reached the cycle's figure: its evidence explains it.
        "evidence_url": next(
            (
                evidence_url(d.customer_id, d.usage_date, usage_type)
                for d in days
                if d.units_used == figures.used
            ),
            None,
        )
        if figures.used
        else None,
        "chart": usage_chart(
            (ChartDay(d.usage_date, d.units_used, d.units_commitment) for d in days),
            start=current.cycle_start,
            end=current.cycle_end,
            title=_("%(type)s: daily usage against commitment") % {"type": _(usage_type)},
            chart_id="chart-" + usage_type.lower().replace(" ", "-"),
        ),
    }


@register.inclusion_tag("usage/cards.html", takes_context=True)
def usage_cards(context, customer):
    """Current-cycle usage cards and the customer's overage alerts; a constant number of
    queries whatever the number of days or alerts."""
    today = clock.today()
    dashboard = selectors.usage_dashboard(customer, today)
    agents = []
    if dashboard.agent_types and dashboard.current.cycle_start:
        agents = [_type_figures(dashboard, t) for t in dashboard.agent_types]
    ivr = _type_figures(dashboard, rules.IVR_PORT) if dashboard.current.cycle_start else None
    alerts = selectors.alerts_of(customer, today)
    return {
        "customer": customer,
        "current": dashboard.current,
        "agents": [a for a in agents if a],
        "ivr": ivr,
        "digital": dashboard.digital,
        # The latest few on the dashboard; the alerts page has them all.
        "alerts": list(alerts.order_by("-usage_date", "-pk")[:LATEST_ALERTS]),
        "alert_count": alerts.count(),
        "can_change": context.get("can_change", False),
        "forecast_method": FORECAST_METHOD,
    }
