"""Daily usage: one row per customer, day and usage type, as the reconciliation table
shows it. The engine (usage/engine.py) writes these rows; every page, export and API
endpoint reads them through usage/selectors.py."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization
from orgs.tenancy import TenantQuerySet
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

    objects = TenantQuerySet.as_manager()

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


class CycleUsage(models.Model):
    """The summary of one customer's billing cycle and usage type, kept by the engine from
    the cycle's daily rows (usage.engine.cycle_usage_refresh) in the same transaction:
    what the partner usage view shows, without reading every day of every customer.
    x is days since `cycle_start`, y the day's excess (used - commitment - substituted);
    the sums are those of the straight-line trend (`usage.forecast.TrendSums`)."""

    # The unique (customer, cycle, type) index serves customer lookups: no separate FK index.
    customer = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    cycle_start = models.DateField(_("billing cycle start"))
    cycle_end = models.DateField(_("billing cycle end"))
    usage_type = models.CharField(_("usage type"), max_length=32, choices=UsageType.choices)
    n = models.PositiveIntegerField()
    sum_x = models.BigIntegerField()
    sum_y = models.BigIntegerField()
    sum_xy = models.BigIntegerField()
    sum_xx = models.BigIntegerField()
    last_x = models.IntegerField()
    used = models.PositiveIntegerField(_("units used"))
    commitment = models.PositiveIntegerField(_("units commitment"))
    overage = models.PositiveIntegerField(_("units overage"))
    last_usage_date = models.DateField(_("last usage date"))
    # The cycle's days of this type, [day index, used, commitment, substituted, overage]
    # each: what the next cycles' forecasts read as this customer's history.
    days = models.JSONField(default=list, blank=True)
    # The cycle's billed overage forecast (usage.forecast.forecast_overage: the median and
    # the 10th-90th percentile), computed by the engine when it writes a day, so pages
    # never recompute it and the partner view sorts and filters on it in SQL.
    forecast = models.PositiveIntegerField(_("forecast billed overage"), default=0)
    forecast_low = models.PositiveIntegerField(_("forecast low"), default=0)
    forecast_high = models.PositiveIntegerField(_("forecast high"), default=0)
    # Too little history to learn from (a first cycle, its first weeks): the page says so.
    forecast_uncertain = models.BooleanField(_("forecast uncertain"), default=False)
    forecast_basis = models.CharField(max_length=16, blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "cycle_start", "usage_type"], name="one_summary_per_cycle"
            ),
        ]
        # The partner view reads only the current cycles (the last 32 days' starts) of
        # all its customers: 1 row in 24 of a table that keeps two years.
        indexes = [models.Index(fields=["cycle_start"], name="cycle_usage_start")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.cycle_start} {self.usage_type}"


# --- Usage events (SPEC §5), posted by the contact-center platform -------------------
#
# Events are immutable once stored: re-posting an id is a no-op, so "received" is all
# there is to know about when. Timestamps are stored in UTC at whole seconds (the
# precision every counting rule works in).


class AgentSession(models.Model):
    # The unique (customer, id) index serves customer lookups: no separate FK index.
    customer = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    session_id = models.CharField(_("session id"), max_length=64)
    agent_id = models.CharField(_("agent id"), max_length=64)
    premium = models.BooleanField(_("premium licence"))
    login_at = models.DateTimeField(_("login at"))
    logout_at = models.DateTimeField(_("logout at"))
    # Lasts over a day: the engine looks further back only for these (see engine._sessions).
    multi_day = models.BooleanField(default=False, db_default=False)
    received_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "session_id"], name="agent_session_once"),
        ]
        # Overlap queries bound login_at from both sides: a day back for every session, 7
        # days back (the longest session accepted) only for the few multi-day ones.
        indexes = [
            models.Index(fields=["customer", "login_at", "logout_at"], name="agent_session_login"),
            models.Index(
                fields=["customer", "login_at"],
                condition=Q(multi_day=True),
                name="agent_session_multi_day",
            ),
        ]

    def __str__(self) -> str:
        return self.session_id

    @property
    def license(self) -> str:
        return "premium" if self.premium else "standard"


class IvrSession(models.Model):
    # The unique (customer, id) index serves customer lookups: no separate FK index.
    customer = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    session_id = models.CharField(_("session id"), max_length=64)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    multi_day = models.BooleanField(default=False, db_default=False)
    received_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "session_id"], name="ivr_session_once"),
        ]
        indexes = [
            models.Index(fields=["customer", "started_at", "ended_at"], name="ivr_session_start"),
            models.Index(
                fields=["customer", "started_at"],
                condition=Q(multi_day=True),
                name="ivr_session_multi_day",
            ),
        ]

    def __str__(self) -> str:
        return self.session_id


class DigitalUsage(models.Model):
    # The unique (customer, id) index serves customer lookups: no separate FK index.
    customer = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    record_id = models.CharField(_("record id"), max_length=64)
    sku = models.CharField(_("SKU"), max_length=40)
    units = models.PositiveIntegerField(_("units"))
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "record_id"], name="digital_usage_once"),
        ]
        indexes = [models.Index(fields=["customer", "occurred_at"], name="digital_usage_time")]

    # --- Engine bookkeeping -------------------------------------------------------------

    def __str__(self) -> str:
        return self.record_id


class DirtyDay(models.Model):
    """A (customer, day) whose daily usage must be recomputed: a late event touched it."""

    customer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    usage_date = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "usage_date"], name="dirty_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.usage_date}"


class NamedCycleState(models.Model):
    """How far the named-agent first days of one customer's cycle are merged: sessions
    overlapping `cycle_start`..`through` are in `NamedAgentFirstDay`. A late agent
    session inside that span deletes the state, so the next run rebuilds the cycle."""

    customer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    cycle_start = models.DateField()
    through = models.DateField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "cycle_start"], name="named_cycle_once"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.cycle_start}..{self.through}"


class NamedAgentFirstDay(models.Model):
    """First day an agent was seen in a customer's cycle, and first day seen as premium."""

    customer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    cycle_start = models.DateField()
    agent_id = models.CharField(max_length=64)
    first_seen = models.DateField()
    first_premium = models.DateField(null=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "cycle_start", "agent_id"], name="named_agent_once"
            ),
        ]

    def __str__(self) -> str:
        return self.agent_id


# Overage alert models live in their own module; imported here so Django finds them.
from usage.alerts.models import OverageAlert, OverageAlertSettings  # noqa: E402, F401
