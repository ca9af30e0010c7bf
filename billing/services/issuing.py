"""Closing billing cycles and issuing their invoices (SPEC §6), and emailing them.

`invoices_issue(customer_ids, through)` is the one entry point of the command, the beat
task and the demo. For a chunk of customers it (1) finds the cycles of each customer's
primary subscription that ended on or before `through` and are not closed, (2) has the
usage engine compute every day of them still missing or dirty, then (3) in one
transaction holding each customer's billing lock, writes at most one invoice per cycle,
numbered under the partner's sequence row lock and chained to the partner's previous
invoice. A run killed before (3) commits leaves nothing; run again, it does the same
work. A customer whose lock another run holds, or whose days the engine could not
compute, is left for the next run.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from billing import rules, vat
from billing.models import (
    BillingDetails,
    ClosedCycle,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
)
from billing.services.cycles import DAY, Cycle, _compute_missing_days, _try_lock, cycles_to_close
from billing.services.disputes import _apply_credits, _credit_line, _credits
from orgs import clock
from orgs.emails import Email, absolute_url, email_send_many
from orgs.models import Organization, PartnerRelationship, Person
from orgs.outbox import attachment
from orgs.roles import Role
from subscriptions import money
from subscriptions.models import OrderLine, Sku, Subscription
from usage import engine
from usage import rules as usage_rules
from usage.models import CycleUsage, DailyUsage, DigitalUsage
from usage.selectors import retention_start

# --- issuing ----------------------------------------------------------------------------


@dataclass
class IssueResult:
    closed: int = 0
    invoices: list[int] = field(default_factory=list)
    skipped: set[int] = field(default_factory=set)

    def add(self, other: IssueResult) -> None:
        self.closed += other.closed
        self.invoices += other.invoices
        self.skipped |= other.skipped


@dataclass
class _Draft:
    cycle: Cycle
    partner_id: int
    currency: str
    lines: list[rules.LineDraft]
    tax: vat.TaxRate
    bill_to: dict[str, str]
    # Accepted disputes whose credit lines this draft carries (marked when it is written).
    disputes: list[int] = field(default_factory=list)


def yesterday() -> date:
    return clock.today() - DAY


def invoices_issue(
    customer_ids: list[int] | None = None, *, through: date | None = None
) -> IssueResult:
    """Close every cycle of these customers (all billable customers when None) that
    ended by `through` (default yesterday, UTC), issuing their invoices."""
    through = through or yesterday()
    if customer_ids is None:
        customer_ids = engine.customers_billable_between(retention_start(through), through)
    result = IssueResult()
    size = settings.BILLING_CHUNK_SIZE
    ids = sorted(set(customer_ids))
    for index in range(0, len(ids), size):
        result.add(_issue_chunk(ids[index : index + size], through))
    return result


def _issue_chunk(customer_ids: list[int], through: date) -> IssueResult:
    cycles = cycles_to_close(customer_ids, through)
    result = IssueResult()
    if not cycles:
        return result
    result.skipped = _compute_missing_days(cycles, through)
    cycles = [c for c in cycles if c.customer_id not in result.skipped]
    if not cycles:
        return result
    now = timezone.now()
    with transaction.atomic():
        taken = _try_lock(sorted({c.customer_id for c in cycles}))
        result.skipped |= {c.customer_id for c in cycles} - taken
        cycles = [c for c in cycles if c.customer_id in taken]
        # Under the lock: a run that finished meanwhile closed these already.
        closed = set(
            ClosedCycle.objects.unscoped()
            .filter(customer_id__in=taken, cycle_start__in={c.start for c in cycles})
            .order_by()
            .values_list("customer_id", "cycle_start")
        )
        cycles = [c for c in cycles if (c.customer_id, c.start) not in closed]
        if not cycles:
            return result
        drafts = _drafts(cycles, through)
        invoices = _write(drafts, now)
        result.closed = len(cycles)
        result.invoices = [invoice.pk for invoice in invoices]
        _notify(invoices)
    return result


class _Facts:
    """Everything the drafts of one chunk need, read in a fixed number of queries."""

    def __init__(self, cycles: list[Cycle], through: date) -> None:
        ids = sorted({c.customer_id for c in cycles})
        starts = {c.start for c in cycles}
        self.catalogue = {
            sku.code: sku
            for sku in Sku.objects.all().only(
                "code", "name", "unit_price", "included_units", "usage_type"
            )
        }
        self.digital_skus = {
            code for code, sku in self.catalogue.items() if sku.usage_type == "digital"
        }
        subscriptions = (
            Subscription.objects.unscoped().filter(customer_id__in=ids).select_related("order")
        )
        self.subscriptions = {s.pk: s for s in subscriptions}
        order_ids = [s.order_id for s in self.subscriptions.values() if s.order_id]
        self.order_prices: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for order_id, code, price in OrderLine.objects.filter(order_id__in=order_ids).values_list(
            "order_id", "sku__code", "unit_price"
        ):
            self.order_prices[order_id][code] = price
        self.billed: dict[tuple[int, date], dict[str, int]] = defaultdict(dict)
        rows = (
            DailyUsage.objects.unscoped()
            .filter(customer_id__in=ids, cycle_start__in=starts)
            .values("customer_id", "cycle_start", "usage_type")
            .annotate(billed=Max("units_overage"))
            .values_list("customer_id", "cycle_start", "usage_type", "billed")
        )
        for customer_id, start, usage_type, billed in rows:
            self.billed[(customer_id, start)][usage_type] = billed
        self.digital = self._digital_units(ids, cycles)
        self.customers = {o.pk: o for o in Organization.objects.unscoped().filter(pk__in=ids)}
        self.details = {
            d.customer_id: d for d in BillingDetails.objects.unscoped().filter(customer_id__in=ids)
        }
        managing = PartnerRelationship.objects.filter(
            customer_id__in=ids, is_managing=True
        ).select_related("partner")
        self.partner_of = {rel.customer_id: rel.partner for rel in managing}
        self.adjustments = _adjustments(ids, cycles, self)
        self.credits = _credits(ids)

    def _digital_units(
        self, ids: list[int], cycles: list[Cycle]
    ) -> dict[tuple[int, date], dict[str, int]]:
        first = min(c.start for c in cycles)
        last = max(c.end for c in cycles)
        per_day = (
            DigitalUsage.objects.unscoped()
            .filter(
                customer_id__in=ids,
                occurred_at__gte=usage_rules.day_start(first),
                occurred_at__lt=usage_rules.day_start(last + DAY),
            )
            .annotate(day=TruncDate("occurred_at", tzinfo=UTC))
            .values("customer_id", "sku", "day")
            .annotate(units=Sum("units"))
            .values_list("customer_id", "sku", "day", "units")
        )
        cycles_of: dict[int, list[Cycle]] = defaultdict(list)
        for cycle in cycles:
            cycles_of[cycle.customer_id].append(cycle)
        units: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for customer_id, sku, day, count in per_day:
            for cycle in cycles_of[customer_id]:
                if cycle.start <= day <= cycle.end:
                    units[(customer_id, cycle.start)][sku] += count
        return units

    def currency_of(self, subscription_id: int) -> str:
        subscription = self.subscriptions[subscription_id]
        return subscription.order.currency if subscription.order else money.catalogue_currency()

    def price_of(self, subscription_id: int):
        """The Price of a SKU for invoices of this subscription: its order's price,
        fixed when the order was placed, else the catalogue's."""
        subscription = self.subscriptions[subscription_id]
        prices = self.order_prices.get(subscription.order_id, {})

        def price(code: str) -> rules.Price:
            sku = self.catalogue.get(code)
            description = sku.name if sku else code
            unit_price = prices.get(code, sku.unit_price if sku else Decimal(0))
            return rules.Price(description=description, unit_price=unit_price)

        return price


@dataclass(frozen=True)
class _ClosedRow:
    customer_id: int
    cycle_start: date
    cycle_end: date
    closed_at: datetime
    subscription_id: int
    invoice_number: str | None


def _adjustments(
    ids: list[int], cycles: list[Cycle], facts: _Facts
) -> dict[int, list[rules.LineDraft]]:
    """Adjustment lines for closed cycles whose billing late usage changed (SPEC §6):
    the difference between what the cycle's rows bill now and every quantity billed for
    it so far (its overage and digital lines and earlier adjustments), at the old unit
    price, pointing to the old invoice. Billed quantities only grow through these lines,
    so the same change is never adjusted twice."""
    window = retention_start(max(c.end for c in cycles))
    closed = {
        (row.customer_id, row.cycle_start): row
        for row in (
            _ClosedRow(*values)
            for values in ClosedCycle.objects.unscoped()
            .filter(customer_id__in=ids, cycle_start__gte=window)
            .order_by()
            .values_list(
                "customer_id",
                "cycle_start",
                "cycle_end",
                "closed_at",
                "subscription_id",
                "invoice__number",
            )
        )
    }
    if not closed:
        return {}

    # What the closed cycles bill now: overage from the engine's cycle summaries (kept
    # from the daily rows in the same transaction)...
    now: dict[tuple[int, date, str], int] = {}
    summaries = CycleUsage.objects.unscoped().filter(
        customer_id__in=ids, cycle_start__in={start for _c, start in closed}
    )
    for customer_id, start, usage_type, overage in summaries.values_list(
        "customer_id", "cycle_start", "usage_type", "overage"
    ):
        if (customer_id, start) in closed and usage_type in rules.OVERAGE_SKUS:
            now[(customer_id, start, rules.OVERAGE_SKUS[usage_type])] = overage
    # ...and digital units of the cycles that received records after they closed.
    for (customer_id, start), units in _late_digital(ids, closed).items():
        for sku, count in units.items():
            included = facts.catalogue[sku].included_units if sku in facts.catalogue else 0
            now[(customer_id, start, sku)] = max(0, count - included)
    if not now:
        return {}

    # ...against every quantity billed for those cycles so far.
    billed_lines: dict[tuple[int, date, str], int] = defaultdict(int)
    old_price: dict[tuple[int, date, str], Decimal] = {}
    lines = (
        InvoiceLine.objects.unscoped()
        .filter(
            customer_id__in={c for c, _s, _k in now},
            period_start__in={s for _c, s, _k in now},
            kind__in=[rules.OVERAGE, rules.DIGITAL, rules.ADJUSTMENT],
        )
        .order_by()
    )
    for customer_id, start, sku, kind, quantity, unit_price in lines.values_list(
        "customer_id", "period_start", "sku", "kind", "quantity", "unit_price"
    ):
        billed_lines[(customer_id, start, sku)] += quantity
        if kind != rules.ADJUSTMENT:
            old_price[(customer_id, start, sku)] = unit_price

    # A usage type billed before that the cycle's summaries no longer show bills zero; a
    # cycle with no summary at all is not judged (its rows were never there to read).
    summarised = {(c, start) for c, start, _sku in now}
    for key in billed_lines:
        if key[2] in rules.USAGE_TYPE_OF_SKU and key[:2] in summarised:
            now.setdefault(key, 0)

    adjustments: dict[int, list[rules.LineDraft]] = defaultdict(list)
    for key in sorted(now):
        customer_id, start, sku = key
        delta = rules.adjustment_quantity(now[key], billed_lines.get(key, 0))
        if delta == 0:
            continue
        cc = closed[(customer_id, start)]
        price = facts.price_of(cc.subscription_id)(sku)
        if key in old_price:
            price = rules.Price(price.description, old_price[key])
        adjustments[customer_id].append(
            rules.line(
                kind=rules.ADJUSTMENT,
                sku=sku,
                price=price,
                quantity=delta,
                period=(cc.cycle_start, cc.cycle_end),
                currency=facts.currency_of(cc.subscription_id),
                adjusts=cc.invoice_number or "",
            )
        )
    return adjustments


def _late_digital(ids: list[int], closed: dict[tuple[int, date], _ClosedRow]) -> dict:
    """Digital units per SKU of each closed cycle that got a record after it closed."""
    late = defaultdict(lambda: defaultdict(int))
    since = min(cc.closed_at for cc in closed.values())
    first = min(start for _c, start in closed)
    touched = (
        DigitalUsage.objects.unscoped()
        .filter(
            customer_id__in=ids,
            occurred_at__gte=usage_rules.day_start(first),
            received_at__gt=since,
        )
        .values_list("customer_id", "occurred_at", "received_at")
    )
    stale: set[tuple[int, date]] = set()
    for customer_id, occurred_at, received_at in touched:
        day = occurred_at.astimezone(UTC).date()
        for (c, start), cc in closed.items():
            if c == customer_id and start <= day <= cc.cycle_end and received_at > cc.closed_at:
                stale.add((c, start))
    for customer_id, start in stale:
        cc = closed[(customer_id, start)]
        totals = (
            DigitalUsage.objects.unscoped()
            .filter(
                customer_id=customer_id,
                occurred_at__gte=usage_rules.day_start(start),
                occurred_at__lt=usage_rules.day_start(cc.cycle_end + DAY),
            )
            .values("sku")
            .annotate(units=Sum("units"))
            .values_list("sku", "units")
        )
        for sku, units in totals:
            late[(customer_id, start)][sku] = units
    return late


def _bill_to(
    customer: Organization,
    partner: Organization | None,
    details: BillingDetails | None,
    subscription,
) -> dict[str, str]:
    order = subscription.order
    return {
        "customer_name": customer.name,
        "customer_country": str(customer.country or ""),
        "billing_address": details.billing_address if details else "",
        "service_to_address": (details.service_to_address or details.billing_address)
        if details
        else "",
        "vat_number": details.vat_number if details else "",
        "purchase_order": details.purchase_order if details else "",
        "partner_name": partner.name if partner else "",
        "partner_country": str(partner.country or "") if partner else "",
        "offer_code": order.offer.code if order else "",
        "offer_name": order.offer.name if order else "",
        "web_order_id": order.web_order_id if order else "",
    }


def _drafts(cycles: list[Cycle], through: date) -> list[_Draft]:
    facts = _Facts(cycles, through)
    drafts = []
    seen: set[int] = set()
    for cycle in sorted(cycles, key=lambda c: (c.customer_id, c.start)):
        subscription = facts.subscriptions[cycle.subscription_id]
        customer = facts.customers[cycle.customer_id]
        partner = facts.partner_of.get(cycle.customer_id) or (
            subscription.order.partner if subscription.order else None
        )
        currency = facts.currency_of(cycle.subscription_id)
        price_of = facts.price_of(cycle.subscription_id)
        period = (cycle.start, cycle.end)
        lines = rules.overage_lines(
            facts.billed.get((cycle.customer_id, cycle.start), {}), price_of, period, currency
        )
        units = facts.digital.get((cycle.customer_id, cycle.start), {})
        included = {
            code: facts.catalogue[code].included_units for code in units if code in facts.catalogue
        }
        lines += rules.digital_lines(
            {code: n for code, n in units.items() if code in facts.digital_skus},
            included,
            price_of,
            period,
            currency,
        )
        disputes: list[int] = []
        if cycle.customer_id not in seen:
            # The customer's next invoice carries the adjustments of its closed cycles and
            # the credits of its accepted disputes.
            seen.add(cycle.customer_id)
            lines += [
                a
                for a in facts.adjustments.get(cycle.customer_id, [])
                if a.period_start < cycle.start
            ]
            for dispute in facts.credits.get(cycle.customer_id, []):
                lines.append(_credit_line(dispute))
                disputes.append(dispute.pk)
        details = facts.details.get(cycle.customer_id)
        tax = vat.tax_rate(
            customer_country=str(customer.country or ""),
            partner_country=str(partner.country or "") if partner else "",
            vat_number=details.vat_number if details else "",
            override=details.tax_rate if details else None,
        )
        drafts.append(
            _Draft(
                cycle=cycle,
                partner_id=partner.pk if partner else None,
                currency=currency,
                lines=lines,
                tax=tax,
                bill_to=_bill_to(customer, partner, details, subscription),
                disputes=disputes,
            )
        )
    return drafts


def _prefix(partner: Organization) -> str:
    letters = re.sub(r"[^A-Z0-9]", "", (partner.name.split() or ["INV"])[0].upper())[:8]
    return letters or "INV"


def _sequences(partner_ids: set[int]) -> dict[int, InvoiceSequence]:
    """The partners' sequence rows, created when missing, locked in partner order (so
    two runs never wait on each other crosswise)."""
    existing = set(
        InvoiceSequence.objects.filter(partner_id__in=partner_ids).values_list(
            "partner_id", flat=True
        )
    )
    for partner in Organization.objects.unscoped().filter(pk__in=partner_ids - existing):
        prefix = _prefix(partner)
        if InvoiceSequence.objects.filter(prefix=prefix).exists():
            prefix = f"{prefix[:6]}{partner.pk}"
        try:
            with transaction.atomic():
                InvoiceSequence.objects.create(partner=partner, prefix=prefix)
        except IntegrityError:
            pass  # another run created it meanwhile
    rows = (
        InvoiceSequence.objects.select_for_update()
        .filter(partner_id__in=partner_ids)
        .order_by("partner_id")
    )
    return {row.partner_id: row for row in rows}


@transaction.atomic
def _write(drafts: list[_Draft], now: datetime) -> list[Invoice]:
    """Number, chain and store the invoices of the drafts that bill something; close
    every draft's cycle."""
    billable = [d for d in drafts if d.lines and d.partner_id is not None]
    sequences = _sequences({d.partner_id for d in billable}) if billable else {}
    issued_on = now.date()
    due = rules.due_date(issued_on, settings.INVOICE_PAYMENT_DAYS)
    invoices: list[Invoice] = []
    line_rows: list[tuple[Invoice, list[rules.LineDraft]]] = []
    credits: list[tuple[Invoice, list[int]]] = []
    for draft in sorted(billable, key=lambda d: (d.partner_id, d.cycle.customer_id, d.cycle.start)):
        sequence = sequences[draft.partner_id]
        sequence.last_number += 1
        number = f"{sequence.prefix}-{issued_on.year}-{sequence.last_number:06d}"
        totals = rules.summary(draft.lines, draft.tax.percent, draft.currency, draft.tax.note)
        invoice = Invoice(
            partner_id=draft.partner_id,
            customer_id=draft.cycle.customer_id,
            subscription_id=draft.cycle.subscription_id,
            number=number,
            sequence=sequence.last_number,
            issued_at=now,
            due_date=due,
            period_start=draft.cycle.start,
            period_end=draft.cycle.end,
            currency=draft.currency,
            recurring_total=totals.recurring_total,
            usage_total=totals.usage_total,
            other_total=totals.other_total,
            subtotal=totals.subtotal,
            tax_rate=totals.tax_rate,
            tax_total=totals.tax_total,
            total=totals.total,
            tax_note=totals.tax_note,
            bill_to=draft.bill_to,
            previous_hash=sequence.last_hash,
        )
        lines = [
            InvoiceLine(
                customer_id=draft.cycle.customer_id,
                position=position,
                kind=ln.kind,
                sku=ln.sku,
                description=ln.description,
                period_start=ln.period_start,
                period_end=ln.period_end,
                quantity=ln.quantity,
                unit=ln.unit,
                unit_price=ln.unit_price,
                amount=ln.amount,
                adjusts=ln.adjusts,
                usage_type=ln.usage_type,
            )
            for position, ln in enumerate(draft.lines, start=1)
        ]
        invoice.hash = rules.chain_hash(invoice_content(invoice, lines), sequence.last_hash)
        sequence.last_hash = invoice.hash
        invoices.append(invoice)
        line_rows.append((invoice, lines))
        if draft.disputes:
            credits.append((invoice, draft.disputes))
    Invoice.objects.bulk_create(invoices)
    all_lines = []
    for invoice, lines in line_rows:
        for ln in lines:
            ln.invoice = invoice
            all_lines.append(ln)
    InvoiceLine.objects.bulk_create(all_lines, batch_size=1000)
    if sequences:
        InvoiceSequence.objects.bulk_update(sequences.values(), ["last_number", "last_hash"])
    for invoice, dispute_ids in credits:
        _apply_credits(invoice, dispute_ids)
    invoice_of = {(i.customer_id, i.period_start): i for i in invoices}
    ClosedCycle.objects.bulk_create(
        [
            ClosedCycle(
                customer_id=d.cycle.customer_id,
                subscription_id=d.cycle.subscription_id,
                cycle_start=d.cycle.start,
                cycle_end=d.cycle.end,
                closed_at=now,
                invoice=invoice_of.get((d.cycle.customer_id, d.cycle.start)),
            )
            for d in drafts
        ],
        batch_size=1000,
    )
    return invoices


def invoice_content(invoice: Invoice, lines) -> rules.InvoiceContent:
    """What an invoice's hash covers, from its stored (or about to be stored) rows."""
    issued_at = invoice.issued_at.astimezone(UTC).isoformat()
    return rules.InvoiceContent(
        number=invoice.number,
        partner_id=invoice.partner_id,
        customer_id=invoice.customer_id,
        subscription_id=invoice.subscription_id,
        issued_at=issued_at,
        due_date=invoice.due_date,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        currency=invoice.currency,
        recurring_total=invoice.recurring_total,
        usage_total=invoice.usage_total,
        other_total=invoice.other_total,
        subtotal=invoice.subtotal,
        tax_rate=invoice.tax_rate,
        tax_total=invoice.tax_total,
        total=invoice.total,
        tax_note=invoice.tax_note,
        bill_to=dict(invoice.bill_to),
        lines=[
            {
                "position": ln.position,
                "kind": ln.kind,
                "sku": ln.sku,
                "description": ln.description,
                "period_start": ln.period_start,
                "period_end": ln.period_end,
                "quantity": ln.quantity,
                "unit": ln.unit,
                "unit_price": ln.unit_price,
                "amount": ln.amount,
                "adjusts": ln.adjusts,
            }
            for ln in sorted(lines, key=lambda ln: ln.position)
        ],
    )


# --- emails ----------------------------------------------------------------------------------


def _notify(invoices: list[Invoice]) -> None:
    """Each invoice to its customer's billing contacts and full admins (its PDF attached,
    made when the email is sent, and linked), a notice to its partner's admins; queued
    after commit. Four queries for any number of invoices."""

    if not invoices:
        return
    customers = {i.customer_id for i in invoices}
    contacts: dict[int, set[str]] = defaultdict(set)
    for details in BillingDetails.objects.unscoped().filter(customer_id__in=customers):
        contacts[details.customer_id].update(details.billing_email_list)
    people = Person.objects.filter(is_active=True).filter(
        Q(organization_id__in=customers, role=Role.CUSTOMER_FULL_ADMIN)
        | Q(
            organization_id__in={i.partner_id for i in invoices},
            role__in=[Role.PARTNER_FULL_ADMIN, Role.PARTNER_ADMIN],
        )
    )
    admins: dict[int, set[str]] = defaultdict(set)
    for organization_id, email in people.values_list("organization_id", "email"):
        admins[organization_id].add(email)
    page = reverse("billing:invoice", args=[0, 0]).replace("/0/invoices/0/", "/{}/invoices/{}/")
    emails: list[Email] = []
    for invoice in invoices:
        url = page.format(invoice.customer_id, invoice.pk)
        context = {
            "number": invoice.number,
            "customer": invoice.bill_to.get("customer_name", ""),
            "partner": invoice.bill_to.get("partner_name", ""),
            "period": invoice.billing_period,
            "total": rules.money_text(invoice.total, invoice.currency),
            "currency": invoice.currency,
            "due_date": invoice.due_date.isoformat(),
            "url": absolute_url(url),
            "pdf_url": absolute_url(url + "pdf/"),
        }
        customer_side = contacts[invoice.customer_id] | admins[invoice.customer_id]
        pdf = (attachment("invoice_pdf", invoice.pk),)
        emails += [
            Email(to=[address], template="invoice_issued", context=context, attachments=pdf)
            for address in sorted({a.lower() for a in customer_side})
        ]
        emails += [
            Email(to=[address], template="invoice_issued_partner", context=context)
            for address in sorted(admins[invoice.partner_id])
        ]
    email_send_many(emails)
