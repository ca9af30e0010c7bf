"""What the open cycle's invoice will come to so far (the customer list's estimate)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing import rules
from billing.services.cycles import Cycle
from billing.services.issuing import _drafts
from subscriptions.models import OrderLine, Sku, Subscription
from usage import rules as usage_rules
from usage.models import CycleUsage
from usage.selectors import terms_by_customer

# --- estimates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """What the current cycle's invoice would be: if the cycle closed today, and at the
    forecast of its billed overage. Not an invoice: nothing is stored or numbered."""

    customer_id: int
    cycle: tuple[date, date]
    currency: str
    lines_now: list[rules.LineDraft]
    now: rules.Summary
    lines_forecast: list[rules.LineDraft]
    forecast: rules.Summary


def invoice_estimates(customer_ids: list[int], today: date) -> dict[int, Estimate]:
    """Estimates of these customers' current cycles, with the same lines, prices and tax
    as the invoice (and any adjustment waiting for it), in a fixed number of queries."""
    terms = terms_by_customer(customer_ids)
    cycles = []
    for customer_id, subs in terms.items():
        cycle = usage_rules.customer_billing_cycle(subs, today)
        if cycle is not None:
            primary = usage_rules.primary_subscription(subs, today)
            cycles.append(Cycle(customer_id, cycle[0], cycle[1], primary.id))
    if not cycles:
        return {}
    drafts = {d.cycle.customer_id: d for d in _drafts(cycles, today)}
    forecasts: dict[tuple[int, date], dict[str, int]] = defaultdict(dict)
    summaries = CycleUsage.objects.unscoped().filter(
        customer_id__in=[c.customer_id for c in cycles], cycle_start__in={c.start for c in cycles}
    )
    for customer_id, start, usage_type, forecast in summaries.values_list(
        "customer_id", "cycle_start", "usage_type", "forecast"
    ):
        forecasts[(customer_id, start)][usage_type] = forecast
    estimates = {}
    for cycle in cycles:
        draft = drafts[cycle.customer_id]
        overage_now = [ln for ln in draft.lines if ln.kind == rules.OVERAGE]
        others = [ln for ln in draft.lines if ln.kind != rules.OVERAGE]
        prices = {ln.sku: rules.Price(ln.description, ln.unit_price) for ln in overage_now}
        billed_now = {ln.usage_type: ln.quantity for ln in overage_now}
        projected = {
            t: max(q, billed_now.get(t, 0))
            for t, q in forecasts.get((cycle.customer_id, cycle.start), {}).items()
        }
        missing = {
            rules.OVERAGE_SKUS[t]
            for t, q in projected.items()
            if q and rules.OVERAGE_SKUS[t] not in prices
        }
        if missing:
            price_of = _prices_for(cycle.subscription_id, missing)
            prices.update({sku: price_of(sku) for sku in missing})
        lines_forecast = (
            rules.overage_lines(
                projected, prices.__getitem__, (cycle.start, cycle.end), draft.currency
            )
            + others
        )
        estimates[cycle.customer_id] = Estimate(
            customer_id=cycle.customer_id,
            cycle=(cycle.start, cycle.end),
            currency=draft.currency,
            lines_now=draft.lines,
            now=rules.summary(draft.lines, draft.tax.percent, draft.currency, draft.tax.note),
            lines_forecast=lines_forecast,
            forecast=rules.summary(
                lines_forecast, draft.tax.percent, draft.currency, draft.tax.note
            ),
        )
    return estimates


def _prices_for(subscription_id: int, skus: set[str]):
    """The price lookup of one subscription (order price, else catalogue)."""
    subscription = Subscription.objects.unscoped().select_related("order").get(pk=subscription_id)
    order_prices = (
        dict(
            OrderLine.objects.filter(
                order_id=subscription.order_id, sku__code__in=skus
            ).values_list("sku__code", "unit_price")
        )
        if subscription.order_id
        else {}
    )
    catalogue = {s.code: s for s in Sku.objects.filter(code__in=skus)}

    def price(code: str) -> rules.Price:
        sku = catalogue.get(code)
        return rules.Price(
            sku.name if sku else code, order_prices.get(code, sku.unit_price if sku else Decimal(0))
        )

    return price
