"""Template tags of the billing app: the estimated invoice of the current cycle, on the
customer home and in the partner usage view (pages of the apps below billing load them
by name, so those apps never import billing)."""

from __future__ import annotations

from django import template

from billing import rules, services
from orgs import clock, roles
from orgs.models import PartnerRelationship

register = template.Library()


def _rows(estimate: services.Estimate, which: str) -> list[dict]:
    lines = estimate.lines_now if which == "now" else estimate.lines_forecast
    return [
        {
            "line": ln,
            "unit_price": rules.price_text(ln.unit_price, estimate.currency),
            "amount": rules.money_text(ln.amount, estimate.currency),
        }
        for ln in lines
    ]


def _totals(summary: rules.Summary) -> dict:
    return {
        "subtotal": rules.money_text(summary.subtotal, summary.currency),
        "tax_rate": summary.tax_rate,
        "tax_note": summary.tax_note,
        "tax_total": rules.money_text(summary.tax_total, summary.currency),
        "total": rules.money_text(summary.total, summary.currency),
    }


@register.inclusion_tag("billing/estimate_card.html", takes_context=True)
def estimated_invoice(context, customer):
    """The customer's current cycle as an invoice would bill it (an estimate)."""
    person = context["request"].user
    # A trial partner sees the customer but not what its managing partner bills.
    if person.role in roles.PARTNER_ROLES and not customer.partner_relationships.filter(
        partner_id=person.organization_id, is_managing=True
    ).exists():
        return {"estimate": None}
    estimate = services.invoice_estimates([customer.pk], clock.today()).get(customer.pk)
    if estimate is None:
        return {"estimate": None, "customer": customer, "links": True}
    return {
        "estimate": estimate,
        "links": True,
        "customer": customer,
        "rows_now": _rows(estimate, "now"),
        "rows_forecast": _rows(estimate, "forecast"),
        "now": _totals(estimate.now),
        "forecast": _totals(estimate.forecast),
    }


@register.inclusion_tag("billing/estimates_table.html", takes_context=True)
def estimated_invoices(context, table):
    """Estimated invoices of the customers on the partner usage view's current page."""
    person = context["request"].user
    if person.role not in roles.PARTNER_ROLES:
        return {"rows": []}
    records = [row.record for row in table.paginated_rows]
    ids = sorted({r.customer_id for r in records})

    managed = set(
        PartnerRelationship.objects.filter(
            partner_id=person.organization_id, customer_id__in=ids, is_managing=True
        ).values_list("customer_id", flat=True)
    )
    names = {r.customer_id: r.customer_name for r in records}
    estimates = services.invoice_estimates(sorted(managed), clock.today())
    rows = [
        {
            "customer_id": cid,
            "customer": names[cid],
            "cycle": estimates[cid].cycle,
            "currency": estimates[cid].currency,
            "now": _totals(estimates[cid].now),
            "forecast": _totals(estimates[cid].forecast),
        }
        for cid in sorted(estimates, key=lambda c: names[c])
    ]
    return {"rows": rows}
