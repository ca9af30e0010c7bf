"""The catalogue (offers and SKUs), orders placed by partners, and the subscriptions
that provisioning makes of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from orgs.models import Organization
from orgs.tenancy import TenantQuerySet
from subscriptions import rules


class AgentModel(models.TextChoices):
    NAMED = "named", _("Named")
    CONCURRENT = "concurrent", _("Concurrent")


class Offer(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class Sku(models.Model):
    class UsageType(models.TextChoices):
        STANDARD_AGENT = "standard_agent", _("Standard agent")
        PREMIUM_AGENT = "premium_agent", _("Premium agent")
        IVR_PORT = "ivr_port", _("IVR port")
        DIGITAL = "digital", _("Digital channel")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="skus"
    )
    usage_type = models.CharField(_("usage type"), max_length=20, choices=UsageType.choices)
    agent_model = models.CharField(
        _("agent model"), max_length=12, choices=AgentModel.choices, blank=True
    )
    # An overage SKU is billed in arrears for usage above its base SKU's commitment.
    overage_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="overage_sku"
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    # Digital usage SKUs: units per cycle included before overage is billed.
    included_units = models.PositiveIntegerField(_("included units"), default=0)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def is_overage(self) -> bool:
        return self.overage_of_id is not None


class Order(models.Model):
    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting provisioning")
        SETUP_STARTED = "setup_started", _("Set-up started")
        PROVISIONED = "provisioned", _("Provisioned")
        CLOSED = "closed", _("Closed")

    partner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="orders")
    web_order_id = models.CharField(_("web order id"), max_length=64)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="orders")
    requested_start_date = models.DateField(_("requested start date"))
    provisioning_contact_email = models.EmailField(_("provisioning contact email"))
    # Who ran (or was asked to run) the provisioning wizard, and the customer admin it named.
    setup_by = models.CharField(_("set up by"), max_length=16, blank=True)
    customer_admin_email = models.EmailField(_("customer admin email"), blank=True)
    # Whoever the provisioning contact handed the wizard to (a colleague or the customer).
    delegated_to_email = models.EmailField(_("delegated to"), blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AWAITING)
    # ISO 4217; every price of the order (and so every invoice of its subscription) is in it.
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    customer = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer_orders",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    setup_email_sent_at = models.DateTimeField(null=True, blank=True)
    wizard_opened_at = models.DateTimeField(null=True, blank=True)
    account_manager_notified_at = models.DateTimeField(null=True, blank=True)
    provisioned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "web_order_id"], name="one_web_order_id")
        ]

    def __str__(self) -> str:
        return self.web_order_id

    @property
    def is_open(self) -> bool:
        """Still waiting for provisioning: the contact may be edited, the email resent."""
        return self.status in (self.Status.AWAITING, self.Status.SETUP_STARTED)

    def link_recipients(self) -> set[str]:
        """Emails whose Set up now links still open this order's wizard."""
        emails = {self.provisioning_contact_email, self.delegated_to_email}
        return {email.lower() for email in emails if email}


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    # Fixed when the order is placed (SPEC §6): the catalogue's price then, unless the
    # order gave one. Invoices bill at this price, whatever the catalogue says later.
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=4)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sku"], name="one_line_per_sku"),
            models.CheckConstraint(name="unit_price_not_negative", condition=Q(unit_price__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"


class Subscription(models.Model):
    class Status(models.TextChoices):
        # Provisioned by the wizard; billing starts when the setup wizard activates it.
        PENDING_SETUP = "pending_setup", _("Pending set-up")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    customer = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="subscriptions"
    )
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="subscription"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    agent_model = models.CharField(_("agent model"), max_length=12, choices=AgentModel.choices)
    standard_agents = models.PositiveIntegerField(_("standard agents"), default=0)
    premium_agents = models.PositiveIntegerField(_("premium agents"), default=0)
    addon_ivr_ports = models.PositiveIntegerField(_("add-on IVR ports"), default=0)
    # Filled in by the customer's setup wizard (SPEC §2), which then activates billing.
    country_of_operation = CountryField(_("country of operation"), blank=True)
    meeting_site_url = models.CharField(
        _("meeting site URL"), max_length=100, null=True, blank=True, unique=True
    )
    subdomain = models.CharField(_("subdomain"), max_length=63, null=True, blank=True, unique=True)
    calling_settings = models.JSONField(_("calling settings"), default=dict, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                name="ends_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.order or 'Subscription'} · {self.start_date:%Y-%m-%d}"

    @property
    def billing_day(self) -> int:
        return rules.billing_day(self.start_date)
