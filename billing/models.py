"""Invoices (SPEC §6): a customer's billing details, the overage invoices issued when a
billing cycle closes, their lines, the record of closed cycles and each partner's
numbering and hash chain. An issued invoice and its lines are never updated or deleted
(a PostgreSQL trigger refuses it, see migration 0002); corrections are new lines on a
later invoice that point to what they correct."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import rules
from orgs.models import Organization
from orgs.tenancy import TenantQuerySet
from subscriptions.models import Subscription

MONEY = {"max_digits": 16, "decimal_places": 4}


class BillingDetails(models.Model):
    """What a customer's invoices are addressed with, edited by its partner's admins
    and its own full admins (the tax rate by partner admins only)."""

    customer = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="billing_details"
    )
    billing_address = models.TextField(_("billing address"), blank=True)
    service_to_address = models.TextField(
        _("service-to address"),
        blank=True,
        help_text=_("Where the service is used, if not the billing address."),
    )
    vat_number = models.CharField(_("VAT number"), max_length=32, blank=True)
    purchase_order = models.CharField(_("purchase order number"), max_length=64, blank=True)
    billing_emails = models.TextField(
        _("billing contact emails"), blank=True, help_text=_("One address per line.")
    )
    # Set by a partner admin; wins over the VAT rules when set.
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Billing details of {self.customer_id}"

    @property
    def billing_email_list(self) -> list[str]:
        return [e.strip() for e in self.billing_emails.replace(",", "\n").splitlines() if e.strip()]


class InvoiceSequence(models.Model):
    """A partner's invoice numbering and the head of its hash chain; its row is locked
    while an invoice is numbered, so numbers are gapless and in order of issue."""

    partner = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="invoice_sequence"
    )
    prefix = models.CharField(max_length=12)
    last_number = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=rules.GENESIS)

    def __str__(self) -> str:
        return f"{self.prefix} #{self.last_number}"


class Invoice(models.Model):
    class Status(models.TextChoices):
        # An invoice is issued once and never changes; payment is outside the portal.
        ISSUED = "issued", _("Issued")

    partner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="invoices")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    sequence = models.PositiveIntegerField()
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ISSUED
    )
    issued_at = models.DateTimeField(_("issued at"))
    due_date = models.DateField(_("due date"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    currency = models.CharField(_("currency"), max_length=3)
    recurring_total = models.DecimalField(_("recurring charges"), **MONEY)
    usage_total = models.DecimalField(_("usage/overage charges"), **MONEY)
    other_total = models.DecimalField(_("other charges"), **MONEY)
    subtotal = models.DecimalField(_("subtotal (excl. tax)"), **MONEY)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2)
    tax_total = models.DecimalField(_("taxes"), **MONEY)
    total = models.DecimalField(_("total (incl. tax)"), **MONEY)
    tax_note = models.CharField(_("tax mention"), max_length=64, blank=True)
    # As they were at issue: the invoice keeps saying what it said.
    bill_to = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "sequence"], name="invoice_sequence_once"),
            models.CheckConstraint(
                name="invoice_period", condition=Q(period_end__gte=models.F("period_start"))
            ),
        ]
        indexes = [
            # The partner's list finds a page's ids in this index alone (the customer for
            # the visibility filter); issued invoices are never updated, so their heap
            # stays all-visible and the scan index-only.
            models.Index(
                fields=["partner", "-issued_at", "-id", "customer"], name="invoice_partner_page"
            ),
            models.Index(fields=["customer", "-issued_at", "-id"], name="invoice_customer_recent"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def billing_period(self) -> str:
        return rules.billing_period(self.period_start, self.period_end)


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        OVERAGE = rules.OVERAGE, _("Overage")
        DIGITAL = rules.DIGITAL, _("Digital")
        ADJUSTMENT = rules.ADJUSTMENT, _("Adjustment")
        CREDIT = rules.CREDIT, _("Credit")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    # The invoice's customer again, so "what was billed for this cycle" is one index read.
    customer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sku = models.CharField(_("SKU"), max_length=40)
    description = models.CharField(_("description"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    quantity = models.IntegerField(_("quantity"))  # negative on credits and some adjustments
    unit = models.CharField(_("unit of measure"), max_length=16)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=4)
    amount = models.DecimalField(_("amount"), **MONEY)
    adjusts = models.CharField(_("adjusts invoice"), max_length=32, blank=True)
    usage_type = models.CharField(max_length=32, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "position"], name="invoice_line_position_once"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "period_start", "sku"], name="invoice_line_billed")
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}#{self.position} {self.sku} × {self.quantity}"

    @property
    def billing_period(self) -> str:
        return rules.billing_period(self.period_start, self.period_end)


class ClosedCycle(models.Model):
    """A customer's billing cycle that `issue_invoices` closed, with the invoice it got
    (none when there was nothing to bill). A cycle closes once."""

    customer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="+")
    cycle_start = models.DateField()
    cycle_end = models.DateField()
    closed_at = models.DateTimeField(default=timezone.now)
    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="closed_cycle"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["customer", "cycle_start"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "cycle_start"], name="cycle_closed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.cycle_start}..{self.cycle_end}"


class Dispute(models.Model):
    """A customer's full admin disputing one invoice line (SPEC §6). The managing partner's
    full admins settle it: accepted with a credit of up to the line's quantity, which the
    customer's next invoice carries as a `credit` line (`credit_invoice`, set in the same
    transaction that writes that invoice, so a credit is applied exactly once), or
    rejected with a note. A line has at most one open dispute at a time."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    REASON_MAX = 2000

    line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="disputes")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="disputes")
    # The invoice's customer again: tenancy and the customer's queue are one index read.
    customer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(
        "orgs.Person", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    credit_quantity = models.PositiveIntegerField(_("credit quantity"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=REASON_MAX, blank=True)
    resolved_by = models.ForeignKey(
        "orgs.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    credit_invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="credits"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line"], condition=Q(status="open"), name="dispute_one_open_per_line"
            ),
            models.CheckConstraint(
                name="dispute_credit_only_when_accepted",
                condition=Q(status="accepted", credit_quantity__gte=1)
                | Q(~Q(status="accepted"), credit_quantity__isnull=True),
            ),
            models.CheckConstraint(
                name="dispute_credit_applied_only_when_accepted",
                condition=Q(credit_invoice__isnull=True) | Q(status="accepted"),
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="dispute_customer_status"),
            models.Index(
                fields=["customer"],
                condition=Q(status="accepted", credit_invoice__isnull=True),
                name="dispute_credit_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute {self.pk} on {self.invoice_id}#{self.line_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
