"""Invoice arithmetic with no I/O (SPEC §6): which lines a closed cycle gets, their
amounts, the summary of charges, tax once on the subtotal, and the hash that chains a
partner's invoices. Money is `Decimal` throughout and rounded in `round_money` only."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from subscriptions.money import minor_units
from usage import rules as usage_rules

OVERAGE = "overage"
DIGITAL = "digital"
ADJUSTMENT = "adjustment"
CREDIT = "credit"
LINE_KINDS = (OVERAGE, DIGITAL, ADJUSTMENT, CREDIT)

AGENT = "Agent"
PORT = "Port"
EACH = "Each"

# The overage SKU billed for each usage type of the daily detail.
OVERAGE_SKUS: dict[str, str] = {
    usage_rules.STANDARD_NAMED_AGENT: "A-FLEX-WCC-S-N-O",
    usage_rules.PREMIUM_NAMED_AGENT: "A-FLEX-WCC-P-N-O",
    usage_rules.STANDARD_CONCURRENT_AGENT: "A-FLEX-WCC-S-C-O",
    usage_rules.PREMIUM_CONCURRENT_AGENT: "A-FLEX-WCC-P-C-O",
    usage_rules.IVR_PORT: "A-FLEX-WCC-IVR-O",
}
USAGE_TYPE_OF_SKU = {sku: usage_type for usage_type, sku in OVERAGE_SKUS.items()}

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
GENESIS = "0" * 64  # the "previous hash" of a partner's first invoice


def round_money(value: Decimal, currency: str) -> Decimal:
    """`value` rounded half up to the minor unit of `currency` (the one rounding rule)."""
    return Decimal(value).quantize(Decimal(1).scaleb(-minor_units(currency)), ROUND_HALF_UP)


def money_text(value: Decimal, currency: str) -> str:
    """The decimal string of an amount with its currency's minor unit ("123.45")."""
    return f"{round_money(value, currency):f}"


def price_text(value: Decimal, currency: str) -> str:
    """A unit price with the currency's minor unit, or more decimals when it has them
    (digital usage is priced in fractions of a cent): "156.00", "0.065"."""
    places = max(minor_units(currency), -Decimal(value).normalize().as_tuple().exponent)
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places)):f}"


def billing_period(start: date, end: date) -> str:
    """The vendor's form: `17-APR-2023 to 16-MAY-2023` (first and last day)."""

    def day(d: date) -> str:
        return f"{d.day:02d}-{_MONTHS[d.month - 1]}-{d.year}"

    return f"{day(start)} to {day(end)}"


def due_date(issued_on: date, payment_days: int = 30) -> date:
    """Payment terms NET `payment_days`: due that many days after the issue date."""
    return issued_on + timedelta(days=payment_days)


def unit_of(sku: str) -> str:
    if sku == OVERAGE_SKUS[usage_rules.IVR_PORT]:
        return PORT
    if sku in USAGE_TYPE_OF_SKU:
        return AGENT
    return EACH


@dataclass(frozen=True)
class Price:
    """What an invoice line needs to know about a SKU: its description and unit price
    (the order's, fixed when it was placed, else the catalogue's)."""

    description: str
    unit_price: Decimal


@dataclass(frozen=True)
class LineDraft:
    kind: str
    sku: str
    description: str
    period_start: date
    period_end: date
    quantity: int
    unit: str
    unit_price: Decimal
    amount: Decimal
    adjusts: str = ""  # number of the invoice an adjustment or credit corrects
    usage_type: str = ""  # the daily-detail usage type an overage line bills

    @property
    def billing_period(self) -> str:
        return billing_period(self.period_start, self.period_end)


def line(
    *,
    kind: str,
    sku: str,
    price: Price,
    quantity: int,
    period: tuple[date, date],
    currency: str,
    adjusts: str = "",
) -> LineDraft:
    """One line: amount = quantity × unit price, rounded half up to the minor unit."""
    return LineDraft(
        kind=kind,
        sku=sku,
        description=price.description,
        period_start=period[0],
        period_end=period[1],
        quantity=quantity,
        unit=unit_of(sku),
        unit_price=price.unit_price,
        amount=round_money(quantity * price.unit_price, currency),
        adjusts=adjusts,
        usage_type=USAGE_TYPE_OF_SKU.get(sku, ""),
    )


def overage_lines(
    billed: Mapping[str, int],
    price_of: Callable[[str], Price],
    period: tuple[date, date],
    currency: str,
) -> list[LineDraft]:
    """One line per usage type billed above zero: quantity = the cycle's billed overage
    (its highest daily Units Overage), at the overage SKU's price. Agent lines first."""
    order = list(OVERAGE_SKUS)
    lines = []
    for usage_type in sorted(billed, key=order.index):
        quantity = billed[usage_type]
        if quantity > 0:
            sku = OVERAGE_SKUS[usage_type]
            lines.append(
                line(
                    kind=OVERAGE,
                    sku=sku,
                    price=price_of(sku),
                    quantity=quantity,
                    period=period,
                    currency=currency,
                )
            )
    return lines


def digital_lines(
    units: Mapping[str, int],
    included: Mapping[str, int],
    price_of: Callable[[str], Price],
    period: tuple[date, date],
    currency: str,
) -> list[LineDraft]:
    """One line per digital SKU for the units beyond those the cycle includes."""
    lines = []
    for sku in sorted(units):
        quantity = units[sku] - included.get(sku, 0)
        if quantity > 0:
            lines.append(
                line(
                    kind=DIGITAL,
                    sku=sku,
                    price=price_of(sku),
                    quantity=quantity,
                    period=period,
                    currency=currency,
                )
            )
    return lines


def adjustment_quantity(billed_now: int, billed_before: int) -> int:
    """What late usage adds to (or, negative, takes off) a closed cycle's billing."""
    return billed_now - billed_before


@dataclass(frozen=True)
class Summary:
    """The vendor's summary of charges."""

    currency: str
    recurring_total: Decimal
    usage_total: Decimal
    other_total: Decimal
    subtotal: Decimal
    tax_rate: Decimal
    tax_total: Decimal
    total: Decimal
    tax_note: str = ""


def summary(
    lines: Iterable[LineDraft], tax_percent: Decimal, currency: str, tax_note: str = ""
) -> Summary:
    """subtotal = Σ amounts (each already rounded); tax once on the subtotal, rounded
    half up; total = subtotal + tax. Overage invoices have no recurring charges; usage
    holds overage, digital and adjustment lines, other the credits."""
    lines = list(lines)
    zero = round_money(Decimal(0), currency)
    usage = sum((ln.amount for ln in lines if ln.kind != CREDIT), zero)
    other = sum((ln.amount for ln in lines if ln.kind == CREDIT), zero)
    subtotal = zero + usage + other
    tax = round_money(subtotal * Decimal(tax_percent) / 100, currency)
    return Summary(
        currency=currency,
        recurring_total=zero,
        usage_total=usage,
        other_total=other,
        subtotal=subtotal,
        tax_rate=Decimal(tax_percent),
        tax_total=tax,
        total=subtotal + tax,
        tax_note=tax_note,
    )


@dataclass
class InvoiceContent:
    """Everything an issued invoice says, as plain values: what its hash covers."""

    number: str
    partner_id: int
    customer_id: int
    subscription_id: int
    issued_at: str  # ISO 8601, UTC
    due_date: date
    period_start: date
    period_end: date
    currency: str
    recurring_total: Decimal
    usage_total: Decimal
    other_total: Decimal
    subtotal: Decimal
    tax_rate: Decimal
    tax_total: Decimal
    total: Decimal
    tax_note: str
    bill_to: dict[str, str]
    lines: list[dict] = field(default_factory=list)


def _plain(value):
    if isinstance(value, Decimal):
        # Normalised so that 12.50 and 12.5000 (as stored) hash the same.
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def canonical(content: InvoiceContent) -> str:
    """The content as canonical JSON: sorted keys, no spaces, decimals normalised."""
    return json.dumps(_plain(vars(content)), sort_keys=True, separators=(",", ":"))


def chain_hash(content: InvoiceContent, previous_hash: str) -> str:
    """SHA-256 of the previous invoice's hash and this invoice's canonical content."""
    return hashlib.sha256(f"{previous_hash}\n{canonical(content)}".encode()).hexdigest()


# --- disputes (SPEC §6) ---------------------------------------------------------------------

DISPUTE_WINDOW_DAYS = 90
# Lines that bill something: a credit (or a negative adjustment) has nothing left to credit.
DISPUTABLE_KINDS = (OVERAGE, DIGITAL, ADJUSTMENT)


def dispute_window_end(issued_on: date, days: int = DISPUTE_WINDOW_DAYS) -> date:
    """The last day a line of an invoice issued on `issued_on` may be disputed."""
    return issued_on + timedelta(days=days)


def line_disputable(kind: str, quantity: int) -> bool:
    return kind in DISPUTABLE_KINDS and quantity > 0


def credit_available(line_quantity: int, credited_before: int) -> int:
    """The most a new accepted dispute may credit: the line's quantity less the credits
    accepted on it before (a line is never credited beyond what it billed)."""
    return max(0, line_quantity - credited_before)


def amount_at_stake(quantity: int, unit_price: Decimal, currency: str) -> Decimal:
    return round_money(quantity * unit_price, currency)
