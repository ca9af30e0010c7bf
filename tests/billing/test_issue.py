"""Closing cycles and issuing invoices: lines equal a plain reference computed from the
daily rows, idempotence, nothing to bill, numbering, the hash chain, late usage."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from billing import rules, services
from billing.models import BillingDetails, ClosedCycle, Invoice, InvoiceLine
from orgs.roles import Role
from subscriptions import services as ordering
from subscriptions.models import Sku
from tests.billing.helpers import billed_customer, write_cycle
from tests.conftest import ensure_catalogue
from tests.factories import PartnerFactory, PersonFactory
from usage import engine
from usage.models import DailyUsage, DigitalUsage

D = Decimal
JUNE = (date(2024, 6, 9), date(2024, 7, 8))
JULY = (date(2024, 7, 9), date(2024, 8, 8))
AUGUST = (date(2024, 8, 9), date(2024, 9, 8))

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue(db):
    ensure_catalogue()


def reference_lines(customer, cycle_start) -> dict[str, tuple[int, Decimal]]:
    """The plain reference: for each usage type, the highest daily Units Overage of the
    cycle's rows, at the catalogue's overage price; no zero lines."""
    highest: dict[str, int] = defaultdict(int)
    for row in DailyUsage.objects.unscoped().filter(customer=customer, cycle_start=cycle_start):
        highest[row.usage_type] = max(highest[row.usage_type], row.units_overage)
    expected = {}
    for usage_type, quantity in highest.items():
        if quantity:
            sku = rules.OVERAGE_SKUS[usage_type]
            price = Sku.objects.get(code=sku).unit_price
            cents = (quantity * price * 100).to_integral_value("ROUND_HALF_UP")
            expected[sku] = (quantity, cents / 100)
    return expected


def lines_of(invoice) -> dict[str, tuple[int, Decimal]]:
    return {ln.sku: (ln.quantity, ln.amount) for ln in invoice.lines.all()}


# The SPEC's own example (§5): named model, 5 premium and 20 standard committed, billing
# day 9: standard overage 7 on June 10 and 11 on June 12, premium 1 on June 12. The
# vendor's sample invoice (FR guide, FAQ 5): 3 standard concurrent agents of overage.
CASES = [
    pytest.param(
        "named",
        {"Standard Named Agent": [0, 7, 0, 11], "Premium Named Agent": [0, 0, 0, 1]},
        {"A-FLEX-WCC-S-N-O": (11, D("1215.50")), "A-FLEX-WCC-P-N-O": (1, D("162.50"))},
        id="spec-section-5",
    ),
    pytest.param(
        "concurrent",
        {"Standard Concurrent Agent": [1, 3, 2]},
        {"A-FLEX-WCC-S-C-O": (3, D("468.00"))},
        id="vendor-sample-3-agents",
    ),
    pytest.param(
        "named",
        {"IVR Port": [0, 0, 4, 4, 2]},
        {"A-FLEX-WCC-IVR-O": (4, D("130.00"))},
        id="ivr-ports",
    ),
    pytest.param("named", {}, {}, id="nothing-to-bill"),
]


@pytest.mark.parametrize(("model", "overage", "expected"), CASES)
def test_lines_equal_the_reference_from_daily_rows(model, overage, expected):
    customer, subscription = billed_customer(
        start=JUNE[0], model=model, standard_agents=20, premium_agents=5
    )
    write_cycle(subscription, JUNE, overage)
    result = services.invoices_issue([customer.pk], through=JUNE[1])
    assert result.closed == 1
    closed = ClosedCycle.objects.get(customer=customer)
    assert (closed.cycle_start, closed.cycle_end) == JUNE
    if not expected:
        assert closed.invoice is None and not Invoice.objects.exists()
        return
    invoice = closed.invoice
    assert lines_of(invoice) == expected == reference_lines(customer, JUNE[0])
    line = invoice.lines.first()
    assert line.billing_period == "09-JUN-2024 to 08-JUL-2024"
    assert invoice.subtotal == sum(amount for _q, amount in expected.values())
    assert invoice.tax_rate == 0  # customer in the US
    assert invoice.due_date == invoice.issued_at.date() + timedelta(days=30)


class TestAgainstReference(HypothesisTestCase):
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        standard=st.lists(st.integers(0, 40), min_size=1, max_size=30),
        premium=st.lists(st.integers(0, 40), max_size=30),
        ivr=st.lists(st.integers(0, 60), max_size=30),
    )
    def test_any_daily_overage(self, standard, premium, ivr):
        ensure_catalogue()
        customer, subscription = billed_customer(start=JUNE[0])
        write_cycle(
            subscription,
            JUNE,
            {"Standard Named Agent": standard, "Premium Named Agent": premium, "IVR Port": ivr},
        )
        services.invoices_issue([customer.pk], through=JUNE[1])
        invoice = Invoice.objects.filter(customer=customer).first()
        expected = reference_lines(customer, JUNE[0])
        assert (lines_of(invoice) if invoice else {}) == expected


def test_closes_each_cycle_once_and_waits_for_its_end():
    customer, subscription = billed_customer(start=JUNE[0])
    write_cycle(subscription, JUNE, {"Standard Named Agent": [2]})
    write_cycle(subscription, JULY, {"Standard Named Agent": [1]})
    assert services.invoices_issue([customer.pk], through=JULY[1] - timedelta(days=1)).closed == 1
    assert services.invoices_issue([customer.pk], through=JULY[1] - timedelta(days=1)).closed == 0
    assert services.invoices_issue([customer.pk], through=JULY[1]).closed == 1
    assert services.invoices_issue([customer.pk], through=JULY[1]).closed == 0
    invoices = list(Invoice.objects.order_by("sequence"))
    assert [(i.period_start, i.sequence) for i in invoices] == [(JUNE[0], 1), (JULY[0], 2)]
    assert invoices[0].number.endswith("-000001") and invoices[1].number.endswith("-000002")


def test_a_cycle_not_yet_computed_is_computed_first():
    """No daily rows at all: the engine computes every day of the cycle from the events,
    then the invoice bills what it stored."""
    customer, _sub = billed_customer(start=JUNE[0], standard_agents=1, premium_agents=0)
    from usage.models import AgentSession
    from usage.rules import day_start

    for n in range(3):  # three named standard agents against one committed
        AgentSession.objects.create(
            customer=customer,
            session_id=f"s{n}",
            agent_id=f"agent-{n}",
            premium=False,
            login_at=day_start(date(2024, 6, 20)) + timedelta(hours=9),
            logout_at=day_start(date(2024, 6, 20)) + timedelta(hours=10),
        )
    services.invoices_issue([customer.pk], through=JUNE[1])
    assert (
        DailyUsage.objects.filter(customer=customer).values("usage_date").distinct().count() == 30
    )
    invoice = Invoice.objects.get(customer=customer)
    assert lines_of(invoice) == {"A-FLEX-WCC-S-N-O": (2, D("221.00"))}
    assert lines_of(invoice) == reference_lines(customer, JUNE[0])


def test_order_prices_and_currency_win_over_the_catalogue():
    partner = PartnerFactory(country="NL")
    admin = PersonFactory(organization=partner, role=Role.PARTNER_FULL_ADMIN)
    order = ordering.order_place(
        actor=admin,
        partner=partner,
        web_order_id="WO-EUR",
        offer_code="A-FLEX-3-CC",
        requested_start_date=JUNE[0],
        provisioning_contact_email="c@example.test",
        currency="EUR",
        lines=[("A-FLEX-WCC-S-N", 20, "70.00", "99.99"), ("A-CHAN-U-SMS-INTL", 1, "0.05")],
        send_setup_email=False,
    )
    customer, subscription = billed_customer(start=JUNE[0], partner=partner)
    subscription.order = order
    subscription.save()
    Sku.objects.filter(code="A-FLEX-WCC-S-N-O").update(unit_price=D("500"))  # later change
    write_cycle(subscription, JUNE, {"Standard Named Agent": [3]})
    DigitalUsage.objects.create(
        customer=customer, record_id="d1", sku="A-CHAN-U-SMS-INTL", units=1_250,
        occurred_at=JUNE[1].isoformat() + "T23:59:00Z",
    )  # fmt: skip
    DigitalUsage.objects.create(
        customer=customer,
        record_id="d2",
        sku="A-VOICE-U-INTL",
        units=700,
        occurred_at=JULY[0].isoformat() + "T00:00:00Z",
    )  # fmt: skip  (next cycle: not billed now)
    services.invoices_issue([customer.pk], through=JUNE[1])
    invoice = Invoice.objects.get(customer=customer)
    assert invoice.currency == "EUR"
    assert {
        ln.sku: (ln.kind, ln.quantity, ln.unit_price, ln.amount) for ln in invoice.lines.all()
    } == {
        "A-FLEX-WCC-S-N-O": ("overage", 3, D("99.99"), D("299.97")),
        "A-CHAN-U-SMS-INTL": ("digital", 250, D("0.05"), D("12.50")),
    }


def test_vat_of_the_customer_and_reverse_charge():
    partner = PartnerFactory(country="NL")
    fr, fr_sub = billed_customer(start=JUNE[0], partner=partner, country="FR")
    de, de_sub = billed_customer(start=JUNE[0], partner=partner, country="DE")
    BillingDetails.objects.create(customer=de, vat_number="DE136695976")
    for sub in (fr_sub, de_sub):
        write_cycle(sub, JUNE, {"Standard Named Agent": [1]})
    services.invoices_issue([fr.pk, de.pk], through=JUNE[1])
    fr_invoice, de_invoice = Invoice.objects.get(customer=fr), Invoice.objects.get(customer=de)
    assert (fr_invoice.tax_rate, fr_invoice.tax_total, fr_invoice.total) == (
        D("20"), D("22.10"), D("132.60"))  # fmt: skip
    assert (de_invoice.tax_rate, de_invoice.tax_note, de_invoice.total) == (
        D("0"), "Reverse charge", D("110.50"))  # fmt: skip


def test_numbers_are_per_partner_and_the_chain_verifies():
    acme, globex = PartnerFactory(name="Acme Partners"), PartnerFactory(name="Globex Reseller")
    customers = []
    for partner in (acme, acme, globex):
        customer, sub = billed_customer(start=JUNE[0], partner=partner)
        write_cycle(sub, JUNE, {"IVR Port": [1]})
        customers.append(customer.pk)
    services.invoices_issue(customers, through=JUNE[1])
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    year = Invoice.objects.first().issued_at.year
    assert numbers == [f"ACME-{year}-000001", f"ACME-{year}-000002", f"GLOBEX-{year}-000001"]
    assert services.invoices_verify() == []
    call_command("verify_invoices")


def test_tampering_is_reported():
    customer, sub = billed_customer(start=JUNE[0])
    write_cycle(sub, JUNE, {"Standard Named Agent": [2]})
    write_cycle(sub, JULY, {"Standard Named Agent": [3]})
    services.invoices_issue([customer.pk], through=JULY[1])
    first, _second = Invoice.objects.order_by("sequence")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What a superuser can do behind the application's back: skip the triggers.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE billing_invoiceline SET quantity = 1, amount = 110.5 WHERE invoice_id = %s",
            [first.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
    problems = services.invoices_verify()
    assert [(p.number, p.reason) for p in problems] == [
        (first.number, "content changed: hash does not match")
    ]
    with pytest.raises(CommandError):
        call_command("verify_invoices")


def test_late_usage_yields_one_adjustment_on_the_next_invoice():
    customer, sub = billed_customer(start=JUNE[0])
    write_cycle(sub, JUNE, {"Standard Named Agent": [2, 5], "IVR Port": [3]})
    services.invoices_issue([customer.pk], through=JUNE[1])
    june = Invoice.objects.get()
    # Late events: the June peak rises to 8 standard agents, IVR falls to 1.
    rows = DailyUsage.objects.filter(customer=customer)
    rows.filter(usage_date=date(2024, 6, 20), usage_type="Standard Named Agent").update(
        units_overage=8
    )
    rows.filter(usage_type="IVR Port", units_overage=3).update(units_overage=1)
    engine.cycle_usage_refresh([customer.pk], [JUNE[0]])
    write_cycle(sub, JULY, {})  # July bills nothing itself
    services.invoices_issue([customer.pk], through=JULY[1])
    july = Invoice.objects.exclude(pk=june.pk).get()
    assert (july.period_start, july.period_end) == JULY
    adjustments = {
        ln.sku: (ln.kind, ln.quantity, ln.unit_price, ln.amount, ln.adjusts, ln.period_start)
        for ln in july.lines.all()
    }
    assert adjustments == {
        "A-FLEX-WCC-S-N-O": ("adjustment", 3, D("110.50"), D("331.50"), june.number, JUNE[0]),
        "A-FLEX-WCC-IVR-O": ("adjustment", -2, D("32.50"), D("-65.00"), june.number, JUNE[0]),
    }
    assert july.total == D("266.50")
    # The same change is never adjusted twice.
    write_cycle(sub, AUGUST, {})
    services.invoices_issue([customer.pk], through=AUGUST[1])
    assert Invoice.objects.count() == 2
    assert ClosedCycle.objects.filter(customer=customer).count() == 3


def test_emails_go_to_billing_contacts_admins_and_partner_admins(
    mailoutbox, django_capture_on_commit_callbacks
):
    partner = PartnerFactory()
    PersonFactory(organization=partner, role=Role.PARTNER_FULL_ADMIN, email="boss@p.test")
    PersonFactory(organization=partner, role=Role.SALES_ADMIN, email="sales@p.test")
    customer, sub = billed_customer(start=JUNE[0], partner=partner)
    PersonFactory(organization=customer, role=Role.CUSTOMER_FULL_ADMIN, email="admin@c.test")
    PersonFactory(organization=customer, role=Role.CUSTOMER_READ_ONLY, email="ro@c.test")
    BillingDetails.objects.create(customer=customer, billing_emails="ap@c.test\nAP@c.test")
    write_cycle(sub, JUNE, {"Standard Named Agent": [1]})
    with django_capture_on_commit_callbacks(execute=True):
        services.invoices_issue([customer.pk], through=JUNE[1])
    number = Invoice.objects.get().number
    sent = {mail.to[0]: mail for mail in mailoutbox}
    assert set(sent) == {"ap@c.test", "admin@c.test", "boss@p.test"}
    assert number in sent["ap@c.test"].subject
    assert f"/invoices/{Invoice.objects.get().pk}/pdf/" in sent["ap@c.test"].body
    assert [a[0] for a in sent["ap@c.test"].attachments] == [f"{number}.pdf"]
    assert sent["boss@p.test"].attachments == []


def test_issue_invoices_command_refuses_bad_input():
    with pytest.raises(CommandError, match="not a date"):
        call_command("issue_invoices", "--through", "2024-13-01")
    with pytest.raises(CommandError, match="No customer"):
        call_command("issue_invoices", "--customer", "999999")


def test_lines_are_stored_with_their_customer():
    customer, sub = billed_customer(start=JUNE[0])
    write_cycle(sub, JUNE, {"Standard Named Agent": [1]})
    services.invoices_issue([customer.pk], through=JUNE[1])
    assert set(InvoiceLine.objects.values_list("customer_id", flat=True)) == {customer.pk}
