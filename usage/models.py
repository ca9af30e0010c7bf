"""Daily usage: one row per customer, day and usage type, as the reconciliation table
shows it. The engine (usage/engine.py) writes these rows; every page, export and API
endpoint reads them through usage/selectors.py."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization
from orgs.tenancy import CustomerOwnedQuerySet
from subscriptions.models import Subscription
from usage import rules


class UsageType(models.TextChoices):
    PREMIUM_NAMED_AGENT = rules.PREMIUM_NAMED_AGENT, _("Premium Named Agent")
    STANDARD_NAMED_AGENT = rules.STANDARD_NAMED_AGENT, _("Standard Named Agent")
    PREMIUM_CONCURRENT_AGENT = rules.PREMIUM_CONCURRENT_AGENT, _("Premium Concurrent Agent")
    STANDARD_CONCURRENT_AGENT = rules.STANDARD_CONCURRENT_AGENT, _("Standard Concurrent Agent")
    IVR_PORT = rules.IVR_PORT, _("IVR Port")


class DailyUsage(models.Model):
    """A row of the daily detail. `subscription` is the primary subscription that day
    (overage is billed to it); `cycle_start` is the customer's billing cycle of the day."""

    customer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="+")
    usage_date = models.DateField(_("usage date"))
    cycle_start = models.DateField(_("billing cycle start"))
    usage_type = models.CharField(_("usage type"), max_length=32, choices=UsageType.choices)
    units_used = models.PositiveIntegerField(_("units used"))
    units_commitment = models.PositiveIntegerField(_("units commitment"))
    units_substituted = models.PositiveIntegerField(_("units substituted"), default=0)
    units_overage = models.PositiveIntegerField(_("units overage"), default=0)
    usage_unit = models.CharField(_("usage unit"), max_length=16)
    comment = models.CharField(_("comment"), max_length=64, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = CustomerOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["usage_date", "usage_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "usage_date", "usage_type"], name="one_row_per_day_and_type"
            ),
            models.CheckConstraint(
                name="substituted_only_on_standard_rows",
                condition=Q(units_substituted=0)
                | Q(usage_type__in=[rules.STANDARD_NAMED_AGENT, rules.STANDARD_CONCURRENT_AGENT]),
            ),
        ]
        indexes = [models.Index(fields=["customer", "cycle_start", "usage_type"])]

    def __str__(self) -> str:
        return f"{self.usage_date} {self.usage_type} {self.units_used}/{self.units_commitment}"

    @property
    def is_overage_peak(self) -> bool:
        return self.comment == rules.OVERAGE_PEAK


# Overage alert models live in their own module; imported here so Django finds them.
from usage.alert_models import OverageAlert, OverageAlertSettings  # noqa: E402, F401
