"""The invoice PDF as an email attachment (settings.OUTBOX_ATTACHMENTS["invoice_pdf"]):
made by the outbox when it sends the invoice email, from the same document as the
invoice page's PDF, in the language of the email."""

from __future__ import annotations

from billing import selectors
from billing.models import Invoice
from billing.views import invoice_pdf


def invoice_attachment(invoice_id: int) -> tuple[str, bytes, str]:
    """(filename, content, mimetype) of the invoice's PDF, named by its number."""
    invoice = selectors.invoice_with_lines(Invoice.objects.unscoped().filter(pk=invoice_id)).get()
    return f"{invoice.number}.pdf", invoice_pdf(invoice), "application/pdf"
