"""The issued-invoice email carries the invoice's PDF, made by the outbox when it sends
the email (settings.OUTBOX_ATTACHMENTS["invoice_pdf"] -> billing.pdf.invoice_attachment),
in the recipient's language; a PDF that cannot be made keeps the email for the retry."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from billing import rules, services
from billing.models import BillingDetails, Invoice
from orgs import outbox
from orgs.models import QueuedEmail
from orgs.roles import Role
from tests.billing.helpers import billed_customer, write_cycle
from tests.factories import PartnerFactory, PersonFactory

JUNE = (date(2024, 6, 9), date(2024, 7, 8))

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def issue(django_capture_on_commit_callbacks):
    """Issue June's invoice of a customer with a billing contact, a French-speaking full
    admin and a partner admin; the outbox delivers after commit (eager Celery)."""

    def run() -> Invoice:
        partner = PartnerFactory(name="Acme Telecom")
        PersonFactory(organization=partner, role=Role.PARTNER_FULL_ADMIN, email="boss@p.test")
        customer, sub = billed_customer(start=JUNE[0], partner=partner)
        PersonFactory(
            organization=customer, role=Role.CUSTOMER_FULL_ADMIN, email="admin@c.test",
            language="fr",
        )
        BillingDetails.objects.create(customer=customer, billing_emails="ap@c.test")
        write_cycle(sub, JUNE, {"Standard Named Agent": [1, 4, 2]})
        with django_capture_on_commit_callbacks(execute=True):
            services.invoices_issue([customer.pk], through=JUNE[1])
        return Invoice.objects.get(customer=customer)

    return run


def test_the_customers_email_carries_the_invoice_pdf(issue, mailoutbox):
    invoice = issue()
    sent = {message.to[0]: message for message in mailoutbox}
    assert set(sent) == {"ap@c.test", "admin@c.test", "boss@p.test"}
    for address in ("ap@c.test", "admin@c.test"):
        ((name, content, mimetype),) = sent[address].attachments
        assert mimetype == "application/pdf" and name == f"{invoice.number}.pdf"
        assert content.startswith(b"%PDF-")
        text = pdf_text(content)
        line = invoice.lines.get()
        assert invoice.number in text and invoice.bill_to["customer_name"] in text
        assert line.sku == "A-FLEX-WCC-S-N-O" and line.quantity == 4 and line.sku in text
        assert rules.money_text(invoice.total, invoice.currency) in text
        squeezed = "".join(text.split())  # the PDF wraps long cells
        assert "".join(invoice.billing_period.split()) in squeezed
        assert invoice.hash in text  # that invoice, as issued
        # The link stays in the body beside the file.
        assert f"/invoices/{invoice.pk}/pdf/" in sent[address].body
        assert "attached to this email as a PDF" in sent[address].body or address != "ap@c.test"
    # Each file in its reader's language: the French admin's says "Facture".
    assert "Facture" in pdf_text(sent["admin@c.test"].attachments[0][1])
    assert "Facture" not in pdf_text(sent["ap@c.test"].attachments[0][1])
    assert "jointe à cet e-mail" in sent["admin@c.test"].body
    # The partner's notice carries no file.
    assert sent["boss@p.test"].attachments == []


def test_the_row_keeps_a_reference_not_the_file(issue, mailoutbox):
    invoice = issue()
    rows = QueuedEmail.objects.filter(template="invoice_issued")
    assert {tuple(r.to) for r in rows} == {("ap@c.test",), ("admin@c.test",)}
    assert all(r.attachments == [{"maker": "invoice_pdf", "args": [invoice.pk]}] for r in rows)
    assert QueuedEmail.objects.get(template="invoice_issued_partner").attachments == []


def test_a_pdf_that_cannot_be_made_keeps_the_email_for_the_retry(issue, mailoutbox, monkeypatch):
    def no_fonts(invoice):
        raise OSError("WeasyPrint: no fonts")

    monkeypatch.setattr("billing.pdf.invoice_pdf", no_fonts)
    invoice = issue()
    # The partner's notice left; the customer's emails did not, and are not lost.
    assert [m.to for m in mailoutbox] == [["boss@p.test"]]
    waiting = QueuedEmail.objects.filter(template="invoice_issued")
    assert waiting.count() == 2
    for row in waiting:
        assert row.status == QueuedEmail.Status.QUEUED and row.attempts == 1
        assert "OSError: WeasyPrint: no fonts" in row.last_error
        assert row.next_attempt_at > timezone.now()
    monkeypatch.undo()
    waiting.update(next_attempt_at=timezone.now())
    assert outbox.deliver_due() == {"sent": 2, "retry": 0, "failed": 0}
    files = [m.attachments for m in mailoutbox if m.to != ["boss@p.test"]]
    assert [[name for name, _c, _m in f] for f in files] == [[f"{invoice.number}.pdf"]] * 2


def test_the_attachment_maker_names_the_file_by_the_invoice_number(issue):
    invoice = issue()
    name, content, mimetype = outbox.attachment_maker("invoice_pdf")(invoice.pk)
    assert (name, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert len(PdfReader(BytesIO(content)).pages) >= 1
    with pytest.raises(Invoice.DoesNotExist):
        outbox.attachment_maker("invoice_pdf")(invoice.pk + 1000)
