"""Invoices as people use them: a customer admin opens last cycle's invoice from the
menu, follows an overage line to the daily detail (its peak day highlighted), comes back
and downloads the PDF and the CSV; the partner admin sees every customer's invoices."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from billing import services
from billing.models import Invoice
from orgs.roles import Role
from subscriptions.models import Subscription
from tests.billing.helpers import billed_customer, write_cycle
from tests.browser.conftest import log_in
from tests.conftest import make_tenant
from usage import rules as usage_rules
from usage import selectors


def invoiced_tenant():
    today = timezone.now().date()
    tenant = make_tenant("a")
    subscription = Subscription.objects.get(customer=tenant.customer)
    last_cycle = selectors.billing_cycles(tenant.customer, subscription, today)[1]
    write_cycle(subscription, last_cycle, {"Standard Named Agent": [1, 4, 2], "IVR Port": [0, 3]})
    other, other_sub = billed_customer(start=last_cycle[0], partner=tenant.partner)
    write_cycle(other_sub, last_cycle, {"Premium Named Agent": [2]})
    services.invoices_issue([tenant.customer.pk, other.pk], through=today)
    return tenant, other, last_cycle


def test_customer_admin_checks_an_invoice_and_downloads_it(page):
    tenant, _other, cycle = invoiced_tenant()
    invoice = Invoice.objects.get(customer=tenant.customer)
    log_in(page, tenant[Role.CUSTOMER_FULL_ADMIN].email)
    page.get_by_role("link", name="Invoices").first.click()
    page.get_by_role("link", name=invoice.number).click()
    expect(page.get_by_role("heading", name=f"Invoice {invoice.number}")).to_be_visible()
    lines = page.locator("#invoice-lines tr.invoice-line")
    expect(lines).to_have_count(2)
    expect(lines.first).to_contain_text("A-FLEX-WCC-S-N-O")
    expect(lines.first).to_contain_text(usage_rules.STANDARD_NAMED_AGENT.split()[0])
    # 4 × 110.50 + 3 × 32.50 = 539.50, plus 21 % Dutch VAT (113.30)
    expect(page.locator("#invoice-total")).to_have_text("652.80")
    expect(page.locator("#due-date")).to_be_visible()

    # The overage line's link: the cycle's daily detail, the peak row highlighted.
    lines.first.locator("a.daily-link").click()
    peak = page.locator("#overage-peak")
    expect(peak).to_have_class("peak focus")
    cells = peak.locator("td")
    expect(cells.nth(0)).to_have_text((cycle[0] + timedelta(days=1)).isoformat())
    expect(cells.nth(1)).to_have_text("Standard Named Agent")
    expect(cells.nth(5)).to_have_text("4")
    page.go_back()

    # WeasyPrint's first PDF in a process loads its fonts: allow it time on a busy machine.
    with page.expect_download(timeout=60_000) as download:
        page.locator("#download-pdf").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert invoice.number in text and "A-FLEX-WCC-IVR-O" in text and "97.50" in text


def test_partner_admin_sees_every_customers_invoices(page):
    tenant, other, _cycle = invoiced_tenant()
    log_in(page, tenant[Role.PARTNER_FULL_ADMIN].email)
    page.get_by_role("link", name="Invoices").first.click()
    rows = page.locator("#invoices tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#invoices")).to_contain_text(tenant.customer.name)
    expect(page.locator("#invoices")).to_contain_text(other.name)


def test_partner_admin_sorts_and_pages_the_invoices(page):
    tenant, _other, _cycle = invoiced_tenant()
    log_in(page, tenant[Role.PARTNER_FULL_ADMIN].email)
    page.goto("/invoices/?per_page=1")
    table = page.locator("#invoices")
    # Newest first by default; sorting by total (ascending, then descending) from the header.
    invoices = sorted(Invoice.objects.filter(partner=tenant.partner), key=lambda i: (i.total, i.pk))
    table.get_by_role("link", name="Total", exact=True).click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody")).to_contain_text(invoices[0].number)
    page.get_by_role("link", name="2", exact=True).first.click()
    expect(table.locator("tbody")).to_contain_text(invoices[1].number)
    # Descending, still on page 2 (the header keeps the page), then page 1.
    table.get_by_role("link", name="Total", exact=True).click()
    expect(table.locator("tbody")).to_contain_text(invoices[-2].number)
    page.get_by_role("link", name="1", exact=True).first.click()
    expect(table.locator("tbody")).to_contain_text(invoices[-1].number)


def test_the_invoice_email_carries_its_pdf_in_the_dev_outbox(page, settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "orgs.mail.OutboxBackend"
    settings.OUTBOX_DIR = tmp_path
    tenant, _other, _cycle = invoiced_tenant()
    invoice = Invoice.objects.get(customer=tenant.customer)
    log_in(page, tenant[Role.CUSTOMER_FULL_ADMIN].email)
    page.goto("/dev/outbox/")
    page.locator("#outbox tr", has_text=tenant[Role.CUSTOMER_FULL_ADMIN].email).filter(
        has_text=invoice.number
    ).get_by_role("link", name=invoice.number).first.click()
    attachments = page.locator("#attachments")
    expect(attachments).to_contain_text(f"{invoice.number}.pdf")
    expect(attachments).to_contain_text("application/pdf")
    with page.expect_download() as download:
        attachments.get_by_role("link", name=f"{invoice.number}.pdf").click()
    assert download.value.suggested_filename == f"{invoice.number}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
