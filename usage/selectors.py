"""Reads of daily usage shared by every surface: the daily-detail page, its CSV/XLSX
export and the API return the same rows from `daily_detail`; the usage cards and the
`usage/current/` endpoint share `current_usage`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual

from orgs.models import Organization
from subscriptions.models import Subscription
from usage import rules
from usage.forecast import (
    DayFigures,
    Forecast,
    forecast_billed_overage,
)
from usage.models import CycleUsage, DailyUsage

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


def within_retention(subscriptions: list[Subscription], today: date) -> list[Subscription]:
    """`retained_subscriptions` of an already loaded list of billable subscriptions."""
    first = retention_start(today)
    return [s for s in subscriptions if s.end_date is None or s.end_date >= first]


def billing_cycles(
    customer: Organization,
    subscription: Subscription,
    today: date,
    *,
    subscriptions: list[Subscription] | None = None,
) -> list[tuple[date, date]]:
    """The customer's billing cycles during which `subscription` was active, newest first,
    within the retention window and not after today. `subscriptions`: the customer's
    billable subscriptions when already loaded."""
    if subscriptions is None:
        subscriptions = list(billable_subscriptions(customer))
    terms = subscription_terms(subscriptions)
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


# --- Customer dashboard -----------------------------------------------------------------


@dataclass(frozen=True)
class DigitalUsage:
    """Units of one digital-channel SKU in a cycle, against the units it includes."""

    sku_code: str
    sku_name: str
    units: int
    included_units: int

    @property
    def units_beyond_included(self) -> int:
        return max(0, self.units - self.included_units)


def digital_usage_for_cycle(customer: Organization, start: date, end: date) -> list[DigitalUsage]:
    """Digital-channel units per SKU from `start` to `end` (UTC days, inclusive), with the
    units each SKU includes: the dashboard card and `usage/current/` both read this."""
    from subscriptions.models import Sku
    from usage.models import DigitalUsage as DigitalRecord

    totals = (
        DigitalRecord.objects.unscoped()
        .filter(
            customer=customer,
            occurred_at__gte=rules.day_start(start),
            occurred_at__lt=rules.day_start(end + timedelta(days=1)),
        )
        .values("sku")
        .annotate(total=Sum("units"))
        .order_by("sku")
    )
    totals = {row["sku"]: row["total"] for row in totals}
    catalogue = {sku.code: sku for sku in Sku.objects.filter(code__in=totals)}
    return [
        DigitalUsage(
            sku_code=code,
            sku_name=catalogue[code].name if code in catalogue else code,
            units=units,
            included_units=catalogue[code].included_units if code in catalogue else 0,
        )
        for code, units in totals.items()
    ]


@dataclass(frozen=True)
class UsageDashboard:
    """Everything the usage cards of the customer home show."""

    current: CurrentUsage
    days_by_type: dict[str, list[DailyUsage]]
    forecasts: dict[str, Forecast]
    digital: list[DigitalUsage]

    @property
    def agent_types(self) -> tuple[str, str] | None:
        """(premium type, standard type) of the customer's agent model."""
        model = self.current.agent_model
        return rules.AGENT_USAGE_TYPES.get(model)


def forecasts_of(
    days_by_type: dict[str, list[DailyUsage]], cycle_start: date, cycle_end: date
) -> dict[str, Forecast]:
    return {
        usage_type: forecast_billed_overage(
            (
                DayFigures(
                    usage_date=row.usage_date,
                    used=row.units_used,
                    commitment=row.units_commitment,
                    substituted=row.units_substituted,
                    overage=row.units_overage,
                )
                for row in rows
            ),
            cycle_start=cycle_start,
            cycle_end=cycle_end,
        )
        for usage_type, rows in days_by_type.items()
    }


def usage_dashboard(customer: Organization, today: date) -> UsageDashboard:
    """The current cycle's figures, its days per usage type (for the charts), the
    forecast of billed overage per type and digital usage: a constant number of queries."""
    current = current_usage(customer, today)
    days_by_type: dict[str, list[DailyUsage]] = {t: [] for t in current.by_type}
    forecasts: dict[str, Forecast] = {}
    digital: list[DigitalUsage] = []
    if current.cycle_start is not None:
        for row in daily_detail(customer, start=current.cycle_start, end=current.cycle_end):
            days_by_type.setdefault(row.usage_type, []).append(row)
        forecasts = forecasts_of(days_by_type, current.cycle_start, current.cycle_end)
        digital = digital_usage_for_cycle(customer, current.cycle_start, current.cycle_end)
    return UsageDashboard(
        current=current, days_by_type=days_by_type, forecasts=forecasts, digital=digital
    )


# --- Partner usage view -------------------------------------------------------------------

NEAR_COMMITMENT_PERCENT = 90


def usage_overview(customers: QuerySet[Organization], today: date) -> QuerySet[CycleUsage]:
    """Current-cycle usage per customer and usage type, for every customer in `customers`
    (already scoped to the person asking): their summaries of the cycle running today
    (`CycleUsage`, kept by the engine), annotated so the page sorts, filters and pages in
    SQL. The figures of a row come from named days, never mixed: `day_used` and
    `day_commitment` are those of `last_usage_date` (the latest computed day), `percent`
    their ratio; `overage` is the cycle's billed overage so far (its highest daily
    overage), first reached on `overage_day`; `status` is over (billed overage so far, or
    use without commitment), near or under. Customers with no computed day in the current
    cycle are not listed (`active_without_usage` names them)."""
    from usage.models import DailyUsage

    same_type = DailyUsage.objects.unscoped().filter(
        customer=OuterRef("customer_id"), usage_type=OuterRef("usage_type")
    )
    latest = same_type.filter(usage_date=OuterRef("last_usage_date"))
    peak = same_type.filter(
        cycle_start=OuterRef("cycle_start"), units_overage=OuterRef("overage"), units_overage__gt=0
    ).order_by("usage_date")
    day_used = Coalesce(Subquery(latest.values("units_used")[:1]), F("used"))
    day_commitment = Coalesce(Subquery(latest.values("units_commitment")[:1]), F("commitment"))
    rows = (
        CycleUsage.objects.unscoped()
        .filter(customer__in=customers, cycle_start__lte=today, cycle_end__gte=today)
        .annotate(
            customer_name=F("customer__name"),
            day_used=day_used,
            day_commitment=day_commitment,
            overage_day=Subquery(peak.values("usage_date")[:1]),
        )
    )
    near = GreaterThanOrEqual(
        F("day_used") * 100, F("day_commitment") * NEAR_COMMITMENT_PERCENT
    )
    return rows.annotate(
        percent=Case(
            When(day_commitment=0, day_used=0, then=Value(None)),
            When(day_commitment=0, then=Value(10**6)),
            default=F("day_used") * 100 / F("day_commitment"),
            output_field=IntegerField(),
        ),
        status=Case(
            When(Q(overage__gt=0) | Q(day_commitment=0, day_used__gt=0), then=Value("over")),
            When(Q(near, day_commitment__gt=0), then=Value("near")),
            default=Value("under"),
            output_field=CharField(),
        ),
    ).order_by("customer_name", "customer_id", "usage_type")


def active_without_usage(customers: QuerySet[Organization], today: date) -> QuerySet:
    """Customers with a subscription active today and no usage computed in their current
    cycle yet: counted and named on the partner usage view, not left out."""
    summarised = CycleUsage.objects.unscoped().filter(
        customer__in=customers, cycle_start__lte=today, cycle_end__gte=today
    )
    return (
        customers.filter(pk__in=active_customer_ids(today))
        .exclude(pk__in=summarised.values("customer_id"))
        .order_by("name", "pk")
    )


def active_customer_ids(today: date) -> QuerySet:
    """Ids of the customers with a subscription active today (Subscription.is_active_on)."""
    return (
        Subscription.objects.unscoped()
        .exclude(status=Subscription.Status.PENDING_SETUP)  # as Subscription.is_active_on
        .filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("customer_id")
    )


def usage_overview_for(person, today: date) -> QuerySet[CycleUsage]:
    """`usage_overview` of every customer `person` may see."""
    from orgs.tenancy import VIEW

    return usage_overview(Organization.objects.visible_to(person, VIEW).customers(), today)


def active_without_usage_for(person, today: date) -> QuerySet:
    """`active_without_usage` of every customer `person` may see."""
    from orgs.tenancy import VIEW

    return active_without_usage(Organization.objects.visible_to(person, VIEW).customers(), today)


# --- Overage alerts -----------------------------------------------------------------------


def alerts_of(customer: Organization, today: date) -> QuerySet:
    """Every overage alert of the customer within the retention window, newest cycle first."""
    from usage.alerts.models import OverageAlert

    return OverageAlert.objects.unscoped().filter(
        customer=customer, cycle_start__gte=retention_start(today) - timedelta(days=31)
    )
