"""Checking issued invoices: content hashes, the chain of each partner's invoices and
gaps in their numbers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from billing import rules
from billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceSequence,
)
from billing.services.issuing import invoice_content

# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    number: str
    reason: str


def invoices_verify() -> list[Problem]:
    """Every invoice whose stored content no longer hashes to its stored hash, whose
    link to the previous invoice is broken, or whose partner's numbers have a gap."""
    problems: list[Problem] = []
    lines_of: dict[int, list[InvoiceLine]] = defaultdict(list)
    for ln in (
        InvoiceLine.objects.unscoped().order_by("invoice_id", "position").iterator(chunk_size=5000)
    ):
        lines_of[ln.invoice_id].append(ln)
    previous: dict[int, Invoice] = {}
    for invoice in (
        Invoice.objects.unscoped().order_by("partner_id", "sequence").iterator(chunk_size=2000)
    ):
        before = previous.get(invoice.partner_id)
        expected_previous = before.hash if before else rules.GENESIS
        expected_sequence = before.sequence + 1 if before else 1
        if invoice.sequence != expected_sequence:
            problems.append(
                Problem(invoice.number, f"number out of sequence (expected #{expected_sequence})")
            )
        if invoice.previous_hash != expected_previous:
            problems.append(Problem(invoice.number, "chain broken: previous hash does not match"))
        if (
            rules.chain_hash(
                invoice_content(invoice, lines_of.get(invoice.pk, [])), invoice.previous_hash
            )
            != invoice.hash
        ):
            problems.append(Problem(invoice.number, "content changed: hash does not match"))
        previous[invoice.partner_id] = invoice
    for sequence in InvoiceSequence.objects.all():
        head = previous.get(sequence.partner_id)
        if (head.hash if head else rules.GENESIS) != sequence.last_hash:
            problems.append(
                Problem(
                    head.number if head else sequence.prefix,
                    "chain head does not match the last invoice",
                )
            )
    return problems
