"""Overage alerts: each customer's thresholds and the alerts already raised (at most one
per threshold, usage type and billing cycle). Imported by usage/models.py."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization
from orgs.tenancy import TenantQuerySet
from usage.alerts import rules as alerts

PERCENT_MIN, PERCENT_MAX = 1, 1000
PERCENT_VALIDATORS = [MinValueValidator(PERCENT_MIN), MaxValueValidator(PERCENT_MAX)]


class OverageAlertSettings(models.Model):
    """A customer's alert thresholds. A customer without a row gets the defaults."""

    customer = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="overage_alert_settings"
    )
    enabled = models.BooleanField(_("send overage alerts"), default=True)
    warning_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("first threshold (% of commitment)"),
        default=90,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text=_("Leave empty for no alert at this threshold."),
    )
    limit_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("second threshold (% of commitment)"),
        default=100,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text=_("Leave empty for no alert at this threshold."),
    )
    on_overage = models.BooleanField(_("alert on any overage"), default=True)
    on_forecast = models.BooleanField(
        _("alert when the forecast exceeds the commitment"),
        default=True,
        help_text=_(
            "Before any overage is billed: when even the low end of the forecast is above "
            "the commitment, so licences can be bought or agents released in time."
        ),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("overage alert settings")
        verbose_name_plural = _("overage alert settings")

    def __str__(self) -> str:
        return f"Overage alerts of {self.customer_id}"

    def clean(self):
        super().clean()
        first, second = self.warning_percent, self.limit_percent
        if first is not None and second is not None and first >= second:
            raise ValidationError(
                {
                    "limit_percent": _(
                        "The second threshold must be above the first (%(first)s %%)."
                    )
                    % {"first": first}
                }
            )

    @property
    def percents(self) -> list[int]:
        return [p for p in (self.warning_percent, self.limit_percent) if p]


class OverageAlert(models.Model):
    """One threshold reached by one usage type in one billing cycle of a customer."""

    customer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    cycle_start = models.DateField(_("billing cycle start"))
    cycle_end = models.DateField(_("billing cycle end"))
    usage_type = models.CharField(_("usage type"), max_length=32)
    # A percentage of the commitment ("90"), "overage" or "forecast".
    threshold = models.CharField(_("threshold"), max_length=16)
    usage_date = models.DateField(_("usage date"))
    units_used = models.PositiveIntegerField(_("units used"))
    units_commitment = models.PositiveIntegerField(_("units commitment"))
    units_overage = models.PositiveIntegerField(_("units overage"))
    # The cycle's forecast billed overage when a "forecast" alert was raised.
    forecast = models.PositiveIntegerField(_("forecast billed overage"), null=True, blank=True)
    forecast_low = models.PositiveIntegerField(_("forecast low"), null=True, blank=True)
    forecast_high = models.PositiveIntegerField(_("forecast high"), null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-cycle_start", "usage_date", "usage_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "cycle_start", "usage_type", "threshold"],
                name="one_alert_per_threshold_type_and_cycle",
            )
        ]

    def __str__(self) -> str:
        return f"{self.usage_date} {self.usage_type} {self.threshold_label}"

    @property
    def is_overage(self) -> bool:
        return self.threshold == alerts.ANY_OVERAGE

    @property
    def is_forecast(self) -> bool:
        return self.threshold == alerts.FORECAST_ABOVE

    @property
    def threshold_label(self) -> str:
        if self.is_overage:
            return str(_("Any overage"))
        if self.is_forecast:
            return str(_("Forecast to exceed commitment"))
        return str(_("%(percent)s %% of commitment") % {"percent": self.threshold})
