"""Organisations (partners, distributors, customers), the people in them, the
partner–customer relationships that grant access, and the audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from orgs.regions import Region, region_for_country
from orgs.roles import Role
from orgs.tenancy import TenantQuerySet

# Surge is capacity above what was bought (SPEC §3 gives no bound; the vendor's example is
# 30 %): up to doubling the voice entitlement, beyond which it is a commitment to buy.
SURGE_PERCENT_MAX = 100


class Industry(models.TextChoices):
    FINANCE = "finance", _("Financial services")
    HEALTHCARE = "healthcare", _("Healthcare")
    RETAIL = "retail", _("Retail")
    PUBLIC = "public", _("Public sector")
    EDUCATION = "education", _("Education")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    TECHNOLOGY = "technology", _("Technology")
    TELECOM = "telecom", _("Telecommunications")
    TRAVEL = "travel", _("Travel and hospitality")
    OTHER = "other", _("Other")


class OrganizationQuerySet(TenantQuerySet):
    def customers(self) -> "OrganizationQuerySet":
        return self.filter(kind="customer")


class Organization(models.Model):
    class Kind(models.TextChoices):
        PARTNER = "partner", _("Partner")
        CUSTOMER = "customer", _("Customer")
        # Where a trial's users land when its grace period ends (SPEC §4).
        CONSUMER = "consumer", _("Free consumer organisation")

    class Tier(models.IntegerChoices):
        ONE = 1, _("Tier 1 (buys directly)")
        TWO = 2, _("Tier 2 (buys through a distributor)")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, null=True, blank=True)
    is_distributor = models.BooleanField(_("distributor"), default=False)
    distributor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tier2_partners",
        limit_choices_to={"is_distributor": True},
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    country = CountryField(_("country"), blank=True)
    surge_percent = models.PositiveSmallIntegerField(
        _("surge %"),
        default=0,
        validators=[MaxValueValidator(SURGE_PERCENT_MAX)],
        help_text=_("Extra voice capacity above the entitlement, from 0 to 100 %."),
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_partners",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_organizations",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                name="partner_has_tier",
                condition=Q(kind="partner", tier__isnull=False) | ~Q(kind="partner"),
            ),
            models.CheckConstraint(
                name="surge_percent_at_most_100",
                condition=Q(surge_percent__lte=SURGE_PERCENT_MAX),
                violation_error_message=_("Enter a surge of at most 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def data_region(self) -> Region | None:
        return region_for_country(self.country.code) if self.country else None

    @property
    def is_partner(self) -> bool:
        return self.kind == self.Kind.PARTNER

    @property
    def managing_partner(self) -> "Organization | None":
        rel = next((r for r in self.partner_relationships.all() if r.is_managing), None)
        return rel.partner if rel else None


class PartnerRelationship(models.Model):
    """A partner's access to a customer: the managing partner, or a trial partner."""

    class Access(models.TextChoices):
        FULL = "full", _("Full (acts as a full admin)")
        PROVISIONING = "provisioning", _("Provisioning only")

    partner = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="customer_relationships"
    )
    customer = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="partner_relationships"
    )
    access = models.CharField(max_length=16, choices=Access.choices, default=Access.FULL)
    is_managing = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "customer"], name="one_relationship"),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_managing=True), name="one_managing_partner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.customer} ({self.access})"


class PersonQuerySet(TenantQuerySet):
    """People: reached through their organisation (orgs/tenancy.py)."""


class PersonManager(BaseUserManager.from_queryset(PersonQuerySet)):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> "Person":
        if not email:
            raise ValueError("A person needs an email address.")
        person = self.model(email=self.normalize_email(email).lower(), **fields)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_user(self, email: str, password: str | None = None, **fields) -> "Person":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "Person":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class Person(AbstractBaseUser, PermissionsMixin):
    """Someone who logs in by email. Belongs to exactly one organisation at a time."""

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="email_unique_ignoring_case"),
            models.CheckConstraint(
                name="role_iff_organization",
                condition=Q(organization__isnull=True, role="")
                | Q(organization__isnull=False) & ~Q(role=""),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class CustomerAssignment(models.Model):
    """A customer assigned to a partner admin or sales admin who did not create it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assignments")
    customer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="assignments")

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "customer"], name="one_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.customer}"


class AuditLog(models.Model):
    """Who changed what, when, with the values before and after."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_email = models.EmailField(blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action}"


class QueuedEmail(models.Model):
    """One outgoing email in the transactional outbox (see orgs.outbox).

    Written in the transaction of the change that causes it, so it exists exactly when
    that change does; a worker renders and sends it and marks it sent, once.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.JSONField()
    template = models.CharField(max_length=100)
    context = models.JSONField(default=dict)
    language = models.CharField(max_length=10, blank=True)
    # Files made when the email is sent: [{"maker": <a name of settings.OUTBOX_ATTACHMENTS>,
    # "args": [JSON values]}] (orgs.outbox.attachment).
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="queuedemail_due",
                condition=Q(status="queued"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} → {', '.join(self.to)} ({self.status})"


class ApiTokenQuerySet(models.QuerySet):
    def live(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A secret for the API, stored only as its SHA-256 (see orgs.apikeys).

    A *person token* acts as its person, with their role and reach. A *partner key*
    belongs to a partner organisation, is named and scoped (`usage:write`,
    `orders:write`, `read`), and acts with a partner full admin's reach within its
    scopes; `person` is the full admin who created it.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("Personal token")
        PARTNER = "partner", _("Partner API key")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys"
    )
    name = models.CharField(max_length=100, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name or self.person.email} ({self.prefix}…)"
