"""Invoice arithmetic and the EU VAT rules, table-driven (SPEC §6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing import rules, vat

D = Decimal


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("1.005", "USD", "1.01"),  # half up, not banker's
        ("1.015", "USD", "1.02"),
        ("1.0049", "USD", "1.00"),
        ("-1.005", "USD", "-1.01"),  # a credit rounds away from zero too
        ("2.5", "JPY", "3"),
        ("0.0005", "BHD", "0.001"),
        ("162.50", "EUR", "162.50"),
    ],
)
def test_round_money_half_up_to_the_minor_unit(value, currency, expected):
    assert str(rules.round_money(D(value), currency)) == expected


def test_billing_period_in_the_vendors_form():
    assert (
        rules.billing_period(date(2023, 4, 17), date(2023, 5, 16)) == "17-APR-2023 to 16-MAY-2023"
    )


def test_due_date_is_net_30():
    assert rules.due_date(date(2023, 5, 17)) == date(2023, 6, 16)  # the vendor's sample


def test_price_text_keeps_fractions_of_a_cent():
    assert rules.price_text(D("156.0000"), "USD") == "156.00"
    assert rules.price_text(D("0.0650"), "USD") == "0.065"


def price(unit: str) -> rules.Price:
    return rules.Price("x", D(unit))


PERIOD = (date(2024, 6, 9), date(2024, 7, 8))


def test_lines_amounts_and_tax_once_on_the_subtotal():
    # Digital units priced in fractions of a cent: each amount rounds, then tax rounds once.
    lines = rules.digital_lines(
        {"A-CHAN-U-SMS-INTL": 1_037, "A-VOICE-U-INTL": 501, "A-WXCN-PRM-AUTOINT": 5_000},
        {"A-CHAN-U-SMS-INTL": 1_000, "A-VOICE-U-INTL": 500, "A-WXCN-PRM-AUTOINT": 5_000},
        lambda sku: price({"A-CHAN-U-SMS-INTL": "0.0650", "A-VOICE-U-INTL": "0.0300"}[sku]),
        PERIOD,
        "EUR",
    )
    assert [(ln.sku, ln.quantity, str(ln.amount)) for ln in lines] == [
        ("A-CHAN-U-SMS-INTL", 37, "2.41"),  # 2.405 -> 2.41
        ("A-VOICE-U-INTL", 1, "0.03"),
    ]  # included units exactly used: no zero line
    total = rules.summary(lines, D("21"), "EUR")
    assert (str(total.subtotal), str(total.tax_total), str(total.total)) == ("2.44", "0.51", "2.95")
    # 2.44 * 21 % = 0.5124 -> 0.51; per line it would be 0.51 + 0.01 = 0.52.
    assert str(total.recurring_total) == "0.00" and str(total.other_total) == "0.00"


def test_overage_lines_one_per_type_above_zero_agents_first():
    billed = {"IVR Port": 2, "Standard Named Agent": 11, "Premium Named Agent": 0}
    lines = rules.overage_lines(billed, lambda sku: price("10"), PERIOD, "USD")
    assert [(ln.sku, ln.quantity, ln.unit) for ln in lines] == [
        ("A-FLEX-WCC-S-N-O", 11, "Agent"),
        ("A-FLEX-WCC-IVR-O", 2, "Port"),
    ]
    assert lines[0].billing_period == "09-JUN-2024 to 08-JUL-2024"


@given(
    quantities=st.lists(st.integers(min_value=-500, max_value=5000), min_size=1, max_size=8),
    prices=st.lists(
        st.decimals(min_value=0, max_value=10_000, places=4, allow_nan=False),
        min_size=8,
        max_size=8,
    ),
    rate=st.decimals(min_value=0, max_value=30, places=2, allow_nan=False),
)
def test_summary_against_a_plain_reference(quantities, prices, rate):
    lines = [
        rules.line(
            kind=rules.ADJUSTMENT if q < 0 else rules.OVERAGE,
            sku="A-FLEX-WCC-S-C-O",
            price=rules.Price("x", p),
            quantity=q,
            period=PERIOD,
            currency="USD",
        )
        for q, p in zip(quantities, prices, strict=False)
    ]
    total = rules.summary(lines, rate, "USD")
    cents = [
        int((q * p * 100).to_integral_value("ROUND_HALF_UP"))
        for q, p in zip(quantities, prices, strict=False)
    ]
    subtotal = sum(cents)
    tax = int((D(subtotal) * rate / 100).to_integral_value("ROUND_HALF_UP"))
    assert total.subtotal == D(subtotal) / 100
    assert total.tax_total == D(tax) / 100
    assert total.total == D(subtotal + tax) / 100


def test_the_vat_table_has_the_27_member_states():
    assert len(vat.STANDARD_RATES) == 27
    assert vat.STANDARD_RATES["HU"] == D("27") and vat.STANDARD_RATES["LU"] == D("17")
    assert vat.RATES_AS_OF and "European Commission" in vat.RATES_SOURCE


VALID_DE = "DE136695976"  # python-stdnum's own example of a valid German number
VALID_FR = "FR40303265045"
VALID_GR = "EL094259216"


@pytest.mark.parametrize(
    ("customer", "partner", "number", "override", "percent", "note"),
    [
        ("FR", "NL", "", None, "20", ""),  # standard rate of the customer's EU country
        ("FI", "NL", "", None, "25.5", ""),
        ("DE", "NL", VALID_DE, None, "0", "Reverse charge"),  # valid number, other country
        ("DE", "DE", VALID_DE, None, "19", ""),  # same country as the partner: domestic VAT
        ("DE", "NL", "DE136695977", None, "19", ""),  # bad check digit: no reverse charge
        ("DE", "NL", VALID_FR, None, "19", ""),  # another country's number
        ("GR", "NL", VALID_GR, None, "0", "Reverse charge"),  # Greek numbers start EL
        ("US", "NL", "", None, "0", ""),  # outside the EU
        ("CH", "NL", "CHE-123", None, "0", ""),
        ("FR", "NL", VALID_FR, D("5.5"), "5.5", ""),  # a partner admin's rate wins
        ("US", "NL", "", D("8.25"), "8.25", ""),
    ],
)
def test_tax_rate(customer, partner, number, override, percent, note):
    rate = vat.tax_rate(
        customer_country=customer, partner_country=partner, vat_number=number, override=override
    )
    assert (rate.percent, rate.note) == (D(percent), note)


def test_the_hash_covers_every_figure_and_the_previous_hash():
    content = rules.InvoiceContent(
        number="ACME-2024-000001", partner_id=1, customer_id=2, subscription_id=3,
        issued_at="2024-07-09T02:00:00+00:00", due_date=date(2024, 8, 8),
        period_start=PERIOD[0], period_end=PERIOD[1], currency="USD",
        recurring_total=D("0"), usage_total=D("10.00"), other_total=D("0"),
        subtotal=D("10.00"), tax_rate=D("20"), tax_total=D("2.00"), total=D("12.00"),
        tax_note="", bill_to={"customer_name": "Initech"},
        lines=[{"position": 1, "sku": "A", "quantity": 1, "amount": D("10.00")}],
    )  # fmt: skip
    first = rules.chain_hash(content, rules.GENESIS)
    assert first == rules.chain_hash(content, rules.GENESIS)
    # Stored with four decimals, the same figure hashes the same.
    content.usage_total = D("10.0000")
    assert rules.chain_hash(content, rules.GENESIS) == first
    assert rules.chain_hash(content, "1" * 64) != first
    content.lines[0]["quantity"] = 2
    assert rules.chain_hash(content, rules.GENESIS) != first
