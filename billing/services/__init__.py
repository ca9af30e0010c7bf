"""Every write of billing (SPEC §6): closing cycles and issuing invoices, verifying them,
billing details, estimates and disputes. Callers import from here.

The package: `cycles` (what is due to close, the billing lock) ← `issuing` (drafts,
numbering, writing, emails) ← `estimates`; `disputes` (opening, settling, credit lines
the next invoice carries) ← `issuing`; `verification`; `details`.
"""

from billing.services.cycles import (
    DAY,
    LOCK_NAMESPACE,
    Cycle,
    closable_cycles,
    cycles_to_close,
)
from billing.services.details import (
    DETAIL_FIELDS,
    billing_details_of,
    billing_details_update,
)
from billing.services.disputes import (
    _credit_line,
    credited_before,
    dispute_open,
    dispute_resolve,
    dispute_window_open,
    may_open_dispute,
)
from billing.services.estimates import (
    Estimate,
    invoice_estimates,
)
from billing.services.issuing import (
    IssueResult,
    _Draft,
    _drafts,
    _write,
    invoice_content,
    invoices_issue,
    yesterday,
)
from billing.services.verification import (
    Problem,
    invoices_verify,
)

# The private names are the test factories' way to write an invoice of their own.
__all__ = [
    "DAY",
    "DETAIL_FIELDS",
    "LOCK_NAMESPACE",
    "Cycle",
    "Estimate",
    "IssueResult",
    "Problem",
    "_Draft",
    "_credit_line",
    "_drafts",
    "_write",
    "billing_details_of",
    "billing_details_update",
    "closable_cycles",
    "credited_before",
    "cycles_to_close",
    "dispute_open",
    "dispute_resolve",
    "dispute_window_open",
    "invoice_content",
    "invoice_estimates",
    "invoices_issue",
    "invoices_verify",
    "may_open_dispute",
    "yesterday",
]
