"""Demo billing: billing details for the demo customers and the invoices of their past
cycles, issued by the same service as the nightly run. Initech's last cycle but one gets
late agent sessions after its invoice, so the next invoice carries an adjustment line.
Initech's full admin disputes the overage line of its latest invoice, so its partner's
Disputes queue has an open dispute to settle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from billing import rules, services
from billing.models import BillingDetails, Invoice, InvoiceLine
from orgs import clock
from orgs.demo import DemoWorld
from orgs.roles import Role
from usage.services import agent_sessions_ingest

DETAILS = {
    "initech": ("Initech B.V.\nKeizersgracht 100\n1015 AA Amsterdam", "NL859762837B01", "PO-4471"),
    "umbrella": ("Umbrella Health Inc.\n500 Main Street\nRaccoon City, MO 65201", "", "UH-2209"),
    "hooli": ("Hooli K.K.\n1-1 Marunouchi, Chiyoda-ku\nTokyo 100-0005", "", ""),
    "stark": ("Stark Retail Ltd\n10 Market Street\nManchester M1 1AA", "", "SR-PO-88"),
    "wayne": ("Wayne Travel Pty Ltd\n1 George Street\nSydney NSW 2000", "", ""),
}
LATE_AGENTS = 12


def seed(world: DemoWorld) -> None:
    for key, (address, vat_number, po) in DETAILS.items():
        BillingDetails.objects.create(
            customer=world.customers[key],
            billing_address=address,
            vat_number=vat_number,
            purchase_order=po,
            billing_emails=f"accounts@{key}.example",
        )
    yesterday = clock.today() - timedelta(days=1)
    ids = [c.pk for c in world.customers.values()]
    initech = world.customers["initech"]
    cycles = services.cycles_to_close([initech.pk], yesterday)
    # The last cycle but one: invoiced first, then corrected on the last one's invoice.
    first = cycles[-2] if len(cycles) >= 2 else None
    if first is not None:
        services.invoices_issue([initech.pk], through=first.end)
        # Sessions posted after that invoice (through the API's service, which marks the
        # days they touch dirty): new agents on the cycle's last day.
        day = first.end
        login = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        sessions = [
            {
                "id": f"demo-late-{n}",
                "agent_id": f"initech-late-{n}",
                "license": "standard",
                "login_at": login.isoformat(),
                "logout_at": (login + timedelta(hours=3)).isoformat(),
            }
            for n in range(LATE_AGENTS)
        ]
        agent_sessions_ingest(customer=initech, payload={"sessions": sessions})
    services.invoices_issue(ids, through=yesterday)
    _dispute(initech)


def _dispute(customer) -> None:
    """An open dispute on the customer's latest overage line, by its full admin."""
    line = (
        InvoiceLine.objects.unscoped()
        .filter(customer=customer, kind=rules.OVERAGE, quantity__gt=0)
        .order_by("-invoice__issued_at", "-invoice_id", "position")
        .first()
    )
    admin = customer.people.filter(role=Role.CUSTOMER_FULL_ADMIN, is_active=True).first()
    if line is None or admin is None:
        return
    services.dispute_open(
        actor=admin,
        invoice=Invoice.objects.unscoped().get(pk=line.invoice_id),
        line_id=line.pk,
        reason="Several of these agents were on a training roster that week, not handling "
        "contacts. Please check the evidence of the peak day.",
    )
