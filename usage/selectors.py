"""Reads of daily usage shared by every surface: the daily-detail page, its CSV/XLSX
export and the API return the same rows from `daily_detail`; the usage cards and the
`usage/current/` endpoint share `current_usage`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Max, QuerySet

from orgs.models import Organization
from subscriptions.models import Subscription
from usage import rules
from usage.models import DailyUsage

# The reconciliation table's columns: header (exactly as SPEC §5) and field.
DAILY_DETAIL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Usage Date", "usage_date"),
    ("Usage Type", "usage_type"),
    ("Units Used", "units_used"),
    ("Units Commitment", "units_commitment"),
    ("Units Substituted", "units_substituted"),
    ("Units Overage", "units_overage"),
    ("Usage Unit", "usage_unit"),
    ("Comment", "comment"),
)


def billable_subscriptions(customer: Organization) -> QuerySet[Subscription]:
    """Subscriptions that count for usage: provisioned and activated (or since ended)."""
    return (
        Subscription.objects.unscoped()
        .filter(customer=customer)
        .exclude(status=Subscription.Status.PENDING_SETUP)
        .order_by("start_date", "id")
    )


def subscription_terms(subscriptions) -> list[rules.SubscriptionTerms]:
    return [
        rules.SubscriptionTerms(
            id=s.pk,
            start=s.start_date,
            end=s.end_date,
            billing_day=s.billing_day,
            agent_model=s.agent_model,
            standard_commit=s.standard_agents,
            premium_commit=s.premium_agents,
            addon_ivr_ports=s.addon_ivr_ports,
        )
        for s in subscriptions
    ]


def retention_start(today: date) -> date:
    """The first day still inside the record-retention window (24 months by default)."""
    months = settings.RECORD_RETENTION_MONTHS
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, 28))


def retained_subscriptions(customer: Organization, today: date) -> list[Subscription]:
    """Every subscription of the customer within the retention window, ended ones too."""
    return list(
        billable_subscriptions(customer)
        .exclude(end_date__lt=retention_start(today))
        .select_related("order__offer")
    )


def billing_cycles(
    customer: Organization, subscription: Subscription, today: date
) -> list[tuple[date, date]]:
    """The customer's billing cycles during which `subscription` was active, newest first,
    within the retention window and not after today."""
    terms = subscription_terms(billable_subscriptions(customer))
    first = max(subscription.start_date, retention_start(today))
    last = min(subscription.end_date or today, today)
    cycles: list[tuple[date, date]] = []
    day = first
    while day <= last:
        cycle = rules.customer_billing_cycle(terms, day)
        if cycle is None:
            break
        cycles.append(cycle)
        day = cycle[1] + timedelta(days=1)
    return cycles[::-1]


def daily_detail(
    customer: Organization,
    *,
    start: date,
    end: date,
    subscription: Subscription | None = None,
) -> QuerySet[DailyUsage]:
    """The daily-detail rows of `customer` from `start` to `end` (inclusive); with a
    subscription, only the days it was active."""
    rows = DailyUsage.objects.unscoped().filter(
        customer=customer, usage_date__gte=start, usage_date__lte=end
    )
    if subscription is not None:
        rows = rows.filter(usage_date__gte=subscription.start_date)
        if subscription.end_date:
            rows = rows.filter(usage_date__lte=subscription.end_date)
    return rows.order_by("usage_date", "usage_type")


@dataclass(frozen=True)
class TypeUsage:
    usage_type: str
    used: int
    commitment: int
    substituted: int
    overage: int
    usage_unit: str

    @property
    def above_commitment(self) -> bool:
        return self.used > self.commitment


@dataclass(frozen=True)
class CurrentUsage:
    """The current billing cycle of a customer, as the usage cards show it."""

    cycle_start: date | None
    cycle_end: date | None
    primary: Subscription | None
    agent_model: str | None
    commitments: rules.Commitments
    voice_entitlement: int
    voice_entitlement_with_surge: int
    surge_percent: int
    by_type: dict[str, TypeUsage] = field(default_factory=dict)
    last_usage_date: date | None = None

    @property
    def surge_capacity(self) -> int:
        return self.voice_entitlement_with_surge - self.voice_entitlement


def current_usage(customer: Organization, today: date) -> CurrentUsage:
    """Used (the cycle's highest daily figure), commitment, substituted and overage so
    far (the billed overage if the cycle closed now) for each usage type."""
    subscriptions = list(billable_subscriptions(customer))
    terms = subscription_terms(subscriptions)
    cycle = rules.customer_billing_cycle(terms, today)
    primary_terms = rules.primary_subscription(terms, today)
    commitments = rules.commitments_on(terms, today)
    entitlement = rules.voice_entitlement(
        commitments.standard, commitments.premium, commitments.addon_ivr_ports
    )
    with_surge = rules.voice_entitlement(
        commitments.standard,
        commitments.premium,
        commitments.addon_ivr_ports,
        customer.surge_percent,
    )
    primary = next((s for s in subscriptions if primary_terms and s.pk == primary_terms.id), None)
    by_type: dict[str, TypeUsage] = {}
    last_day = None
    if cycle is not None and primary is not None:
        premium_type, standard_type = rules.AGENT_USAGE_TYPES[primary.agent_model]
        expected = {premium_type: commitments.premium, standard_type: commitments.standard}
        figures = (
            DailyUsage.objects.unscoped()
            .filter(customer=customer, usage_date__gte=cycle[0], usage_date__lte=cycle[1])
            .values("usage_type", "usage_unit")
            .annotate(
                used=Max("units_used"),
                commitment=Max("units_commitment"),
                substituted=Max("units_substituted"),
                overage=Max("units_overage"),
                last=Max("usage_date"),
            )
        )
        for row in figures:
            by_type[row["usage_type"]] = TypeUsage(
                usage_type=row["usage_type"],
                used=row["used"],
                commitment=row["commitment"],
                substituted=row["substituted"],
                overage=row["overage"],
                usage_unit=row["usage_unit"],
            )
            last_day = max(filter(None, (last_day, row["last"])))
        for usage_type, commitment in expected.items():
            by_type.setdefault(
                usage_type, TypeUsage(usage_type, 0, commitment, 0, 0, rules.LICENSES)
            )
        by_type.setdefault(
            rules.IVR_PORT,
            TypeUsage(
                rules.IVR_PORT,
                0,
                rules.ivr_commitment(
                    commitments.standard, commitments.premium, 0, 0, commitments.addon_ivr_ports
                ),
                0,
                0,
                rules.PORTS,
            ),
        )
    return CurrentUsage(
        cycle_start=cycle[0] if cycle else None,
        cycle_end=cycle[1] if cycle else None,
        primary=primary,
        agent_model=primary.agent_model if primary else None,
        commitments=commitments,
        voice_entitlement=entitlement,
        voice_entitlement_with_surge=with_surge,
        surge_percent=customer.surge_percent,
        by_type=by_type,
        last_usage_date=last_day,
    )
