"""The dispute journey (issue 11): a customer admin opens an invoice, follows its overage
line to the evidence of the cycle's peak day, disputes the line; the partner's full admin
accepts part of it from the Disputes queue; `issue_invoices` puts the credit on the next
invoice, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Dispute, Invoice, InvoiceLine
from orgs.roles import Role
from subscriptions.models import Subscription
from tests.browser.conftest import log_in
from tests.conftest import make_tenant
from tests.usage.helpers import store
from usage import rules
from usage.rules import AgentSession


def invoiced_customer():
    """A named-agent customer (2 standard agents committed) whose first cycle closed with
    overage: 4 agents from its 4th day, a 5th on its 11th (the peak: 3 over)."""
    today = timezone.now().date()
    tenant = make_tenant("a")
    start = today - timedelta(days=70)
    Subscription.objects.unscoped().filter(customer=tenant.customer).update(
        start_date=start,
        agent_model=rules.NAMED,
        standard_agents=2,
        premium_agents=0,
        addon_ivr_ports=0,
    )

    def at(day_offset: int) -> datetime:
        day = start + timedelta(days=day_offset)
        return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)

    agents = [
        AgentSession(f"agent-{i}", False, at(3), at(3) + timedelta(hours=2)) for i in range(4)
    ]
    agents.append(AgentSession("agent-4", False, at(10), at(10) + timedelta(hours=2)))
    store(tenant.customer, agents, [])
    first_cycle = rules.billing_cycle(start.day, start)
    call_command(
        "issue_invoices",
        "--through",
        first_cycle[1].isoformat(),
        "--customer",
        str(tenant.customer.pk),
    )
    return tenant, start, first_cycle


def test_dispute_journey_from_evidence_to_credit(page):
    tenant, start, first_cycle = invoiced_customer()
    make_tenant("b")  # another organisation exists and shows nowhere
    invoice = Invoice.objects.get(customer=tenant.customer)
    peak_day = start + timedelta(days=10)

    # The customer's full admin opens the invoice and follows the overage line.
    log_in(page, tenant[Role.CUSTOMER_FULL_ADMIN].email)
    page.get_by_role("link", name="Invoices").first.click()
    page.get_by_role("link", name=invoice.number).click()
    line = page.locator("#invoice-lines tr.invoice-line", has_text="A-FLEX-WCC-S-N-O")
    expect(line.locator("td").nth(2)).to_have_text("3")
    line.locator("a.evidence-link").click()
    expect(
        page.get_by_role("heading", name=f"Standard Named Agent on {peak_day.isoformat()}")
    ).to_be_visible()
    expect(page.locator("#evidence tbody tr")).to_have_count(5)
    page.go_back()

    # ...and disputes it.
    line.get_by_role("button", name="Dispute this line").click()
    page.get_by_label("Reason").fill("Two of these agents were trainees on a pilot.")
    page.get_by_role("button", name="Send the dispute").click()
    history = page.locator("#dispute-history tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("Open")
    expect(line).to_contain_text("Disputed: waiting for the partner")
    dispute = Dispute.objects.get()
    assert dispute.opened_by == tenant[Role.CUSTOMER_FULL_ADMIN]

    # The partner's full admin settles it from the queue: 2 of the 3 units.
    page.context.clear_cookies()
    log_in(page, tenant[Role.PARTNER_FULL_ADMIN].email)
    page.get_by_role("link", name="Disputes").first.click()
    row = page.locator("#disputes tbody tr", has_text=invoice.number)
    expect(row).to_contain_text(tenant.customer.name)
    expect(row).to_contain_text("331.50")  # 3 × 110.50 at stake
    row.get_by_role("button", name="Settle").click()
    page.get_by_label("Accept, with a credit on the next invoice").check()
    page.locator("#id_credit_quantity").fill("2")
    page.locator("#id_note").fill("Pilot trainees are not billed.")
    page.get_by_role("button", name="Settle").click()
    expect(page.locator("#disputes tbody tr", has_text=invoice.number)).to_contain_text("Accepted")

    # The next cycle closes: its invoice carries the credit, once.
    second_end = rules.billing_cycle(start.day, first_cycle[1] + timedelta(days=1))[1]
    for _run in range(2):
        call_command(
            "issue_invoices",
            "--through",
            second_end.isoformat(),
            "--customer",
            str(tenant.customer.pk),
        )
    assert InvoiceLine.objects.filter(kind="credit").count() == 1
    following = Invoice.objects.exclude(pk=invoice.pk).get(customer=tenant.customer)

    page.context.clear_cookies()
    log_in(page, tenant[Role.CUSTOMER_FULL_ADMIN].email)
    page.goto(f"/customers/{tenant.customer.pk}/invoices/{invoice.pk}/")
    expect(page.locator("#dispute-history")).to_contain_text(f"on invoice {following.number}")
    page.locator("#dispute-history").get_by_role(
        "link", name=f"on invoice {following.number}"
    ).click()
    credit = page.locator("#invoice-lines tr.kind-credit")
    expect(credit).to_contain_text(f"Credit on invoice {invoice.number}")
    expect(credit.locator("td").nth(2)).to_have_text("-2")
    expect(credit.locator("td").nth(5)).to_have_text("-221.00")
