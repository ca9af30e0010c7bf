"""Customer trials (SPEC §4): the trial, its services and devices, the notices already
sent about it, and tier-2 conversion requests waiting at a distributor."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization
from orgs.tenancy import TenantQuerySet


class Service(models.TextChoices):
    MEETINGS = "meetings", _("Meetings")
    MESSAGING = "messaging", _("Messaging")
    CALLING = "calling", _("Calling")
    CONTACT_CENTER = "contact_center", _("Contact Center")
    DEVICES = "devices", _("Devices")


class DeviceModel(models.TextChoices):
    DESK_PRO = "desk_pro", _("Desk Pro")
    ROOM_BAR = "room_bar", _("Room Bar")
    BOARD_PRO = "board_pro", _("Board Pro")
    DESK_PHONE_9841 = "phone_9841", _("Desk Phone 9841")
    HEADSET_730 = "headset_730", _("Headset 730")


class Trial(models.Model):
    class Status(models.TextChoices):
        PENDING_CONSENT = "pending_consent", _("Trial pending customer consent")
        PENDING_PROVISIONING = "pending_provisioning", _("Pending provisioning details")
        ACTIVE = "active", _("Trial active")
        GRACE = "grace", _("Expired, in grace period")
        ENDED = "ended", _("Ended")
        CONVERTED = "converted", _("Converted to paid")
        CANCELLED = "cancelled", _("Cancelled")
        DECLINED = "declined", _("Declined by the customer")

    class Length(models.IntegerChoices):
        DAYS_30 = 30, _("30 days")
        DAYS_60 = 60, _("60 days")
        DAYS_90 = 90, _("90 days")

    customer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="trials")
    partner = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="partner_trials"
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.ACTIVE
    )
    admin_email = models.EmailField(_("customer admin email"))
    length_days = models.PositiveSmallIntegerField(
        _("length"), choices=Length.choices, default=Length.DAYS_90
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    # Sizes of the services on trial.
    meetings_site_url = models.CharField(_("Meetings site URL"), max_length=100, blank=True)
    meetings_time_zone = models.CharField(_("Meetings time zone"), max_length=64, blank=True)
    standard_agents = models.PositiveIntegerField(_("standard agents"), default=0)
    premium_agents = models.PositiveIntegerField(_("premium agents"), default=0)
    calling_numbers = models.JSONField(_("calling trial numbers"), default=list, blank=True)
    # Consent of an existing customer (SPEC §4).
    consent_requested_at = models.DateTimeField(null=True, blank=True)
    consent_accepted_at = models.DateTimeField(null=True, blank=True)
    consent_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # After the end: when users were moved out, and when calling numbers were released.
    ended_at = models.DateTimeField(null=True, blank=True)
    numbers_released_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey(
        "subscriptions.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meetings_site_url"],
                condition=~Q(meetings_site_url=""),
                name="unique_meetings_site_url",
            ),
            models.CheckConstraint(
                name="trial_length_30_60_90", condition=Q(length_days__in=[30, 60, 90])
            ),
        ]

    def __str__(self) -> str:
        return f"Trial {self.pk} of {self.customer} by {self.partner}"

    @property
    def meetings_site_host(self) -> str:
        """The Meetings site's address (rows from before names only hold it whole)."""
        from subscriptions.sites import meeting_site_host, meeting_site_name

        return meeting_site_host(meeting_site_name(self.meetings_site_url))

    @property
    def service_codes(self) -> list[str]:
        return [s.service for s in self.services.all()]

    @property
    def service_labels(self) -> str:
        return ", ".join(str(Service(code).label) for code in self.service_codes)

    @property
    def is_open(self) -> bool:
        """Still holds services (or will): not ended, converted or cancelled."""
        return self.status in OPEN_STATUSES


OPEN_STATUSES = (
    Trial.Status.PENDING_CONSENT,
    Trial.Status.PENDING_PROVISIONING,
    Trial.Status.ACTIVE,
    Trial.Status.GRACE,
)


class TrialService(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="services")
    service = models.CharField(_("service"), max_length=24, choices=Service.choices)

    class Meta:
        ordering = ["service"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "service"], name="one_row_per_trial_service")
        ]

    def __str__(self) -> str:
        return self.get_service_display()


class TrialDevice(models.Model):
    """Devices asked for: a model and how many."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="devices")
    model = models.CharField(_("device model"), max_length=24, choices=DeviceModel.choices)
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["model"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "model"], name="one_row_per_device_model")
        ]

    def __str__(self) -> str:
        return f"{self.get_model_display()} × {self.quantity}"


class ShippedDevice(models.Model):
    """One unit shipped for a trial, by serial number; returned when it comes back."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="shipped_devices")
    model = models.CharField(_("device model"), max_length=24, choices=DeviceModel.choices)
    serial_number = models.CharField(_("serial number"), max_length=64, unique=True)
    shipped_on = models.DateField(_("shipped on"), default=timezone.localdate)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)

    class Meta:
        ordering = ["model", "serial_number"]

    def __str__(self) -> str:
        return self.serial_number


class TrialNotice(models.Model):
    """A notice already sent about a trial: recorded so a second run sends nothing."""

    class Kind(models.TextChoices):
        EXPIRING = "expiring", _("Expires in 7 days")
        EXPIRED = "expired", _("Expired today")
        ACCESS_LOST = "access_lost", _("Access lost")

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trial", "kind"], name="one_notice_of_a_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.sent_at:%Y-%m-%d}"


class ConversionRequest(models.Model):
    """A tier-2 partner's request that its distributor convert a trial to paid."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the distributor")
        PROCESSED = "processed", _("Order placed")

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="conversion_requests")
    distributor = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="conversion_requests"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    offer_code = models.CharField(_("offer"), max_length=32)
    lines = models.JSONField(_("lines"), default=list)
    note = models.TextField(_("note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey(
        "subscriptions.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trial"], condition=Q(status="pending"), name="one_pending_request"
            )
        ]

    def __str__(self) -> str:
        return f"Conversion of {self.trial}"
