"""Disputes of invoice lines (SPEC §6): opening, settling, and the credit lines the
next invoice carries."""

from __future__ import annotations

from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from billing import rules
from billing.models import (
    Dispute,
    Invoice,
    InvoiceLine,
)
from orgs import clock
from orgs.audit import audit_record, snapshot
from orgs.emails import absolute_url, email_send
from orgs.models import Person
from orgs.roles import Role
from orgs.tenancy import CHANGE, require

# --- disputes (SPEC §6) ------------------------------------------------------------------------


def may_open_dispute(person, invoice: Invoice) -> bool:
    """Only the invoiced customer's full admins dispute its lines."""
    return (
        getattr(person, "is_authenticated", False)
        and person.role == Role.CUSTOMER_FULL_ADMIN
        and person.organization_id == invoice.customer_id
    )


def dispute_window_open(invoice: Invoice) -> bool:
    return clock.today() <= rules.dispute_window_end(invoice.issued_at.date())


def credited_before(line_id: int) -> int:
    return (
        Dispute.objects.unscoped()
        .filter(line_id=line_id, status=Dispute.Status.ACCEPTED)
        .aggregate(total=Sum("credit_quantity"))["total"]
        or 0
    )


def dispute_open(*, actor: Person, invoice: Invoice, line_id, reason: str) -> Dispute:
    """Open a dispute on a line of `invoice` (which the caller resolved through tenancy).
    Refuses, naming the field: a line of another invoice, a line that bills nothing, a
    missing or too long reason, the 90 days after issue gone by, a line already disputed
    (open). Audited; both sides emailed after commit."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    if not may_open_dispute(actor, invoice):
        raise PermissionDenied(_("Only the customer's full admins dispute its invoices."))
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    try:
        line_pk = int(line_id)
        if not 0 < line_pk < 2**31:  # beyond the column: no such line, not a database error
            raise ValueError
        line = invoice.lines.get(pk=line_pk)
    except (TypeError, ValueError, InvoiceLine.DoesNotExist):
        line = None
        errors["line"] = _("No such line on invoice %(number)s.") % {"number": invoice.number}
    if line is not None and not rules.line_disputable(line.kind, line.quantity):
        errors["line"] = _("A credit line, or a line that bills nothing, cannot be disputed.")
    if not reason:
        errors["reason"] = _("Say why you dispute this line.")
    elif len(reason) > Dispute.REASON_MAX:
        errors["reason"] = _("At most %(max)d characters (this has %(length)d).") % {
            "max": Dispute.REASON_MAX,
            "length": len(reason),
        }
    today = clock.today()
    window_end = rules.dispute_window_end(invoice.issued_at.date())
    if today > window_end:
        errors["invoice"] = _(
            "Invoice lines may be disputed for %(days)d days after issue, until %(date)s."
        ) % {
            "days": rules.DISPUTE_WINDOW_DAYS,
            "date": date_format(window_end, "SHORT_DATE_FORMAT"),
        }
    if errors:
        raise ValidationError(errors)
    open_already = _("This line already has an open dispute.")
    try:
        with transaction.atomic():
            if Dispute.objects.unscoped().filter(line=line, status=Dispute.Status.OPEN).exists():
                raise ValidationError({"line": open_already})
            dispute = Dispute.objects.create(
                line=line,
                invoice=invoice,
                customer_id=invoice.customer_id,
                opened_by=actor,
                reason=reason,
            )
            audit_record(
                actor=actor,
                organization=invoice.customer,
                action="dispute.open",
                obj=dispute,
                after=snapshot(dispute, ["line", "invoice", "reason", "status"]),
            )
            _dispute_notify(dispute, "dispute_opened")
    except IntegrityError:
        # Another request opened one on this line meanwhile (the partial unique index).
        raise ValidationError({"line": open_already}) from None
    return dispute


def dispute_resolve(
    *,
    actor: Person,
    dispute: Dispute,
    outcome: str,
    credit_quantity=None,
    note: str = "",
) -> Dispute:
    """Settle an open dispute (the caller reached it with CHANGE: a full admin of the
    issuing partner). `accepted` with a credit of 1 up to what the line has left to credit,
    which the customer's next invoice carries; `rejected` with a note. Audited; both sides
    emailed after commit."""
    require(actor, dispute, CHANGE)
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    note = (note or "").strip()
    errors: dict[str, str] = {}
    if outcome not in (Dispute.Status.ACCEPTED, Dispute.Status.REJECTED):
        errors["outcome"] = _("Choose accepted or rejected.")
    if len(note) > Dispute.REASON_MAX:
        errors["note"] = _("At most %(max)d characters (this has %(length)d).") % {
            "max": Dispute.REASON_MAX,
            "length": len(note),
        }
    elif outcome == Dispute.Status.REJECTED and not note:
        errors["note"] = _("Say why the dispute is rejected.")
    quantity = None
    if outcome == Dispute.Status.ACCEPTED:
        available = rules.credit_available(dispute.line.quantity, credited_before(dispute.line_id))
        try:
            quantity = int(credit_quantity)
            if str(credit_quantity).strip() != str(quantity):
                raise ValueError
        except (TypeError, ValueError):
            errors["credit_quantity"] = _("A whole number of units to credit.")
        else:
            if not 1 <= quantity <= available:
                errors["credit_quantity"] = _(
                    "Between 1 and %(max)d (the line's quantity less what was credited before)."
                ) % {"max": available}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The row lock makes two settlements at once settle it once.
        locked = Dispute.objects.unscoped().select_for_update().get(pk=dispute.pk)
        if not locked.is_open:
            raise ValidationError({"outcome": _("This dispute is already settled.")})
        fields = ["status", "credit_quantity", "note", "resolved_by", "resolved_at"]
        before = snapshot(locked, fields)
        locked.status = outcome
        locked.credit_quantity = quantity
        locked.note = note
        locked.resolved_by = actor
        locked.resolved_at = timezone.now()
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            organization=locked.customer,
            action=f"dispute.{'accept' if outcome == Dispute.Status.ACCEPTED else 'reject'}",
            obj=locked,
            before=before,
            after=snapshot(locked, fields),
        )
        _dispute_notify(locked, "dispute_resolved")
    return locked


def _credits(ids: list[int]) -> dict[int, list[Dispute]]:
    """Accepted disputes whose credit no invoice carries yet, by customer, oldest first."""
    waiting: dict[int, list[Dispute]] = defaultdict(list)
    rows = (
        Dispute.objects.unscoped()
        .filter(customer_id__in=ids, status=Dispute.Status.ACCEPTED, credit_invoice__isnull=True)
        .select_related("line", "invoice")
        .order_by("resolved_at", "pk")
    )
    for dispute in rows:
        waiting[dispute.customer_id].append(dispute)
    return waiting


def _credit_line(dispute: Dispute) -> rules.LineDraft:
    """Negative quantity × the disputed line's unit price, its billing period, pointing to
    the disputed invoice."""
    line = dispute.line
    return rules.line(
        kind=rules.CREDIT,
        sku=line.sku,
        price=rules.Price(line.description, line.unit_price),
        quantity=-dispute.credit_quantity,
        period=(line.period_start, line.period_end),
        currency=dispute.invoice.currency,
        adjusts=dispute.invoice.number,
    )


def _apply_credits(invoice: Invoice, dispute_ids: list[int]) -> None:
    """Mark the disputes whose credits `invoice` carries, in the transaction writing it.
    Only a credit no invoice carries yet is marked: should one be marked meanwhile, the
    whole write rolls back rather than credit twice."""

    marked = (
        Dispute.objects.unscoped()
        .filter(pk__in=dispute_ids, status=Dispute.Status.ACCEPTED, credit_invoice__isnull=True)
        .update(credit_invoice=invoice)
    )
    if marked != len(dispute_ids):
        raise IntegrityError(f"dispute credit already applied (invoice {invoice.number})")
    for dispute in Dispute.objects.unscoped().filter(pk__in=dispute_ids):
        audit_record(
            actor=None,
            organization=invoice.customer,
            action="dispute.credit",
            obj=dispute,
            after={"credit_invoice": invoice.number, "credit_quantity": dispute.credit_quantity},
        )


def _dispute_notify(dispute: Dispute, template: str) -> None:
    """The customer's full admins and the issuing partner's full admins (who settle it)."""

    invoice, line = dispute.invoice, dispute.line
    people = Person.objects.filter(is_active=True).filter(
        Q(organization_id=invoice.customer_id, role=Role.CUSTOMER_FULL_ADMIN)
        | Q(organization_id=invoice.partner_id, role=Role.PARTNER_FULL_ADMIN)
    )
    at_stake = rules.amount_at_stake(line.quantity, line.unit_price, invoice.currency)
    context = {
        "number": invoice.number,
        "customer": invoice.bill_to.get("customer_name", "") or invoice.customer.name,
        "partner": invoice.bill_to.get("partner_name", ""),
        "sku": line.sku,
        "description": line.description,
        "period": line.billing_period,
        "quantity": line.quantity,
        "at_stake": rules.money_text(at_stake, invoice.currency),
        "currency": invoice.currency,
        "reason": dispute.reason,
        "outcome": dispute.status,
        "accepted": dispute.status == Dispute.Status.ACCEPTED,
        "credit_quantity": dispute.credit_quantity or 0,
        "credit": rules.money_text(
            rules.amount_at_stake(dispute.credit_quantity or 0, line.unit_price, invoice.currency),
            invoice.currency,
        ),
        "note": dispute.note,
        "url": absolute_url(reverse("billing:invoice", args=[invoice.customer_id, invoice.pk])),
    }
    email_send(to=list(people.values_list("email", flat=True)), template=template, context=context)
