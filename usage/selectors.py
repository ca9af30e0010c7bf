"""Reads of daily usage shared by every surface: the daily-detail page, its CSV/XLSX
export and the API return the same rows from `daily_detail`; the usage cards and the
`usage/current/` endpoint share `current_usage`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.db.models.lookups import GreaterThanOrEqual

from orgs.models import Organization
from orgs.tenancy import VIEW
from subscriptions import rules as subscription_rules
from subscriptions.models import Sku, Subscription
from usage import evidence, rules
from usage.alerts.models import OverageAlert
from usage.models import AgentSession, CycleUsage, DailyUsage, IvrSession
from usage.models import DigitalUsage as DigitalRecord
from usage.rules import MAX_SESSION

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


TERMS_FIELDS = (
    "pk",
    "start_date",
    "end_date",
    "agent_model",
    "standard_agents",
    "premium_agents",
    "addon_ivr_ports",
)


def _terms(pk, start, end, agent_model, standard, premium, ports) -> rules.SubscriptionTerms:
    return rules.SubscriptionTerms(
        id=pk,
        start=start,
        end=end,
        billing_day=subscription_rules.billing_day(start),
        agent_model=agent_model,
        standard_commit=standard,
        premium_commit=premium,
        addon_ivr_ports=ports,
    )


def subscription_terms(subscriptions) -> list[rules.SubscriptionTerms]:
    """The counting rules' view of these subscriptions (model instances)."""
    return [_terms(*(getattr(s, f) for f in TERMS_FIELDS)) for s in subscriptions]


def terms_by_customer(customer_ids) -> dict[int, list[rules.SubscriptionTerms]]:
    """The terms of every billable (set-up) subscription of each of `customer_ids`, in one
    query that builds no model instance: the engine's and billing's bulk read."""
    terms: dict[int, list[rules.SubscriptionTerms]] = defaultdict(list)
    rows = (
        Subscription.objects.unscoped()
        .filter(customer_id__in=customer_ids)
        .exclude(status=Subscription.Status.PENDING_SETUP)
        .values_list("customer_id", *TERMS_FIELDS)
    )
    for customer_id, *fields in rows:
        terms[customer_id].append(_terms(*fields))
    return terms


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
    # The stored forecast of the cycle's billed overage (CycleUsage): median and range.
    forecast: int = 0
    forecast_low: int = 0
    forecast_high: int = 0
    forecast_uncertain: bool = True
    forecast_basis: str = ""

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


FORECAST_FIELDS = (
    "forecast",
    "forecast_low",
    "forecast_high",
    "forecast_uncertain",
    "forecast_basis",
)


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
        forecasts = {
            row[0]: row[1:]
            for row in CycleUsage.objects.unscoped()
            .filter(customer=customer, cycle_start=cycle[0])
            .values_list("usage_type", *FORECAST_FIELDS)
        }
        for row in figures:
            # A day written without its summary (not through the engine): billed so far.
            overage = row["overage"]
            forecast = forecasts.get(row["usage_type"], (overage, overage, overage, True, ""))
            by_type[row["usage_type"]] = TypeUsage(
                usage_type=row["usage_type"],
                used=row["used"],
                commitment=row["commitment"],
                substituted=row["substituted"],
                overage=overage,
                usage_unit=row["usage_unit"],
                **dict(zip(FORECAST_FIELDS, forecast, strict=True)),
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
    digital: list[DigitalUsage]

    @property
    def agent_types(self) -> tuple[str, str] | None:
        """(premium type, standard type) of the customer's agent model."""
        model = self.current.agent_model
        return rules.AGENT_USAGE_TYPES.get(model)


def usage_dashboard(customer: Organization, today: date) -> UsageDashboard:
    """The current cycle's figures with their stored forecasts, its days per usage type
    (for the charts) and digital usage: a constant number of queries."""
    current = current_usage(customer, today)
    days_by_type: dict[str, list[DailyUsage]] = {t: [] for t in current.by_type}
    digital: list[DigitalUsage] = []
    if current.cycle_start is not None:
        for row in daily_detail(customer, start=current.cycle_start, end=current.cycle_end):
            days_by_type.setdefault(row.usage_type, []).append(row)
        digital = digital_usage_for_cycle(customer, current.cycle_start, current.cycle_end)
    return UsageDashboard(current=current, days_by_type=days_by_type, digital=digital)


# --- Forecast of the current cycle (for the estimated invoice) -------------------------


@dataclass(frozen=True)
class OverageForecast:
    """The stored forecast of one usage type's billed overage in a cycle, in units."""

    usage_type: str
    cycle_start: date
    cycle_end: date
    billed_so_far: int
    forecast: int
    forecast_low: int
    forecast_high: int
    uncertain: bool
    basis: str  # usage.forecast.BASIS_*: what the forecast rests on


def forecast_billed_overage(customer: Organization, today: date) -> dict[str, OverageForecast]:
    """Forecast billed overage per usage type for `customer`'s billing cycle running on
    `today`, as the engine stored it with the cycle summary (one query, nothing
    recomputed): what an estimated invoice at the forecast multiplies by the overage
    SKUs' prices. Usage types with no computed day in the cycle are absent (nothing
    billed, nothing forecast)."""
    return _forecasts(
        CycleUsage.objects.unscoped().filter(
            customer=customer, cycle_start__lte=today, cycle_end__gte=today
        )
    )


def cycle_forecasts(customer: Organization, cycle_start: date) -> dict[str, OverageForecast]:
    """The stored forecast per usage type of `customer`'s cycle starting on `cycle_start`
    (the daily detail shows it above the cycle's rows)."""
    return _forecasts(
        CycleUsage.objects.unscoped().filter(customer=customer, cycle_start=cycle_start)
    )


def _forecasts(summaries: QuerySet[CycleUsage]) -> dict[str, OverageForecast]:
    rows = summaries.order_by("usage_type").values_list(
        "usage_type",
        "cycle_start",
        "cycle_end",
        "overage",
        "forecast",
        "forecast_low",
        "forecast_high",
        "forecast_uncertain",
        "forecast_basis",
    )
    return {row[0]: OverageForecast(*row) for row in rows}


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
    """Ids of the customers with a subscription active today (started, not ended, set up)."""
    return (
        Subscription.objects.unscoped()
        .exclude(status=Subscription.Status.PENDING_SETUP)
        .filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("customer_id")
    )


def usage_overview_for(person, today: date) -> QuerySet[CycleUsage]:
    """`usage_overview` of every customer `person` may see."""

    return usage_overview(Organization.objects.visible_to(person, VIEW).customers(), today)


def active_without_usage_for(person, today: date) -> QuerySet:
    """`active_without_usage` of every customer `person` may see."""

    return active_without_usage(Organization.objects.visible_to(person, VIEW).customers(), today)


# --- Overage alerts -----------------------------------------------------------------------


def alerts_of(customer: Organization, today: date) -> QuerySet:
    """Every overage alert of the customer within the retention window, newest cycle first."""

    return OverageAlert.objects.unscoped().filter(
        customer=customer, cycle_start__gte=retention_start(today) - timedelta(days=31)
    )


# --- Evidence of a daily row ----------------------------------------------------------


@dataclass(frozen=True)
class RowEvidence:
    """A daily row and the witnesses of its count (usage.evidence), computed now from the
    stored sessions. Exactly one of `named`, `concurrent`, `ivr` is set, by the row's type."""

    row: DailyUsage
    named: list[evidence.NamedAgentWitness] | None = None
    concurrent: evidence.ConcurrentEvidence | None = None
    ivr: evidence.IvrEvidence | None = None

    @property
    def kind(self) -> str:
        if self.named is not None:
            return "named"
        return "concurrent" if self.concurrent is not None else "ivr"

    @property
    def witness_count(self) -> int:
        if self.named is not None:
            return len(self.named)
        found = self.concurrent if self.concurrent is not None else self.ivr
        return len(found.witnesses)

    @property
    def matches_row(self) -> bool:
        """False while sessions that arrived after the row was computed wait for the
        recomputation (the row is marked dirty and recomputed by the next run)."""
        return self.witness_count == self.row.units_used


PREMIUM_TYPES = {rules.PREMIUM_NAMED_AGENT, rules.PREMIUM_CONCURRENT_AGENT}
NAMED_TYPES = {rules.PREMIUM_NAMED_AGENT, rules.STANDARD_NAMED_AGENT}
CONCURRENT_TYPES = {rules.PREMIUM_CONCURRENT_AGENT, rules.STANDARD_CONCURRENT_AGENT}


def _overlapping(model, start: str, end: str, customer: Organization, since, until) -> QuerySet:
    """`model` sessions of `customer` overlapping [since, until) with positive length.

    As the engine reads them: a session overlapping it started at most a day before
    `since` unless flagged multi-day (then at most the longest accepted session), so the
    (customer, start, end) index bounds the scan from both sides.
    """
    day_back = since - timedelta(days=1)
    started = Q(**{f"{start}__gte": day_back}) | Q(
        multi_day=True, **{f"{start}__gte": since - MAX_SESSION}
    )
    return (
        model.objects.unscoped()
        .filter(customer=customer, **{f"{start}__lt": until, f"{end}__gt": since})
        .filter(started)
        # A session of no length overlaps nothing (usage.rules); left in, it could rank as
        # an agent's first session and hide the session that really counted it.
        .filter(**{f"{end}__gt": F(start)})
    )


class EpochSeconds(Func):
    """A timestamp column as whole seconds since the epoch: what usage.evidence counts in
    (as the engine does), and far cheaper to read than tens of thousands of datetimes."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "EXTRACT(EPOCH FROM %(expressions)s)::bigint"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        template = "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _fetch(rows: QuerySet) -> list[tuple]:
    """The rows of a values_list() without Django's per-row converters: they only hold
    ints, booleans and strings here, and a day of IVR sessions is 50,000 rows."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _agent_records(rows: QuerySet) -> list[evidence.AgentSessionRecord]:
    rows = rows.annotate(login=EpochSeconds("login_at"), logout=EpochSeconds("logout_at"))
    make = evidence.AgentSessionRecord._make
    fields = ("session_id", "agent_id", "premium", "login", "logout")
    return [make(row) for row in _fetch(rows.values_list(*fields))]


def _named_witnesses(customer: Organization, row: DailyUsage, premium: bool):
    """Only each agent's first session and first premium session of the cycle so far
    decide its witness (usage.evidence.named_agent_witnesses), so only those are read: two
    rows per agent instead of a month of sessions."""
    since = rules.day_start(row.cycle_start)
    until = rules.day_start(row.usage_date + rules.DAY)
    firsts = _overlapping(AgentSession, "login_at", "logout_at", customer, since, until).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("agent_id"), F("premium")],
            order_by=[F("login_at").asc(), F("session_id").asc()],
        )
    )
    sessions = _agent_records(firsts.filter(rank=1))
    day = row.usage_date
    return evidence.named_agent_witnesses(sessions, row.cycle_start, day, premium=premium)


def _ivr_evidence(customer: Organization, day: date) -> evidence.IvrEvidence:
    """The peak minute from every session's (start, end) seconds, then the full records of
    the few sessions overlapping it."""
    since, until = rules.day_start(day), rules.day_start(day + rules.DAY)
    sessions = _overlapping(IvrSession, "started_at", "ended_at", customer, since, until)
    spans = sessions.annotate(started=EpochSeconds("started_at"), ended=EpochSeconds("ended_at"))
    table = np.array(_fetch(spans.values_list("started", "ended")), dtype=np.int64)
    table = table.reshape(-1, 2)
    peak = evidence.ivr_peak_minute(table[:, 0], table[:, 1], day)
    if peak is None:
        return evidence.IvrEvidence(peak_minute=None, witnesses=())
    minute = evidence.moment(peak[0])
    at_peak = _overlapping(
        IvrSession, "started_at", "ended_at", customer, minute, minute + rules.MINUTE
    ).annotate(started=EpochSeconds("started_at"), ended=EpochSeconds("ended_at"))
    records = [
        evidence.IvrSessionRecord._make(row)
        for row in _fetch(at_peak.values_list("session_id", "started", "ended"))
    ]
    return evidence.IvrEvidence(
        peak_minute=minute, witnesses=evidence.ivr_minute_witnesses(records, peak[0])
    )


def row_evidence(customer: Organization, usage_date: date, usage_type: str) -> RowEvidence | None:
    """The evidence of the customer's stored row of that day and type; None when there is
    no such row (not computed, or the day's agent model has the other types)."""
    row = (
        DailyUsage.objects.unscoped()
        .filter(customer=customer, usage_date=usage_date, usage_type=usage_type)
        .first()
    )
    if row is None:
        return None
    premium = usage_type in PREMIUM_TYPES
    if usage_type in NAMED_TYPES:
        return RowEvidence(row=row, named=_named_witnesses(customer, row, premium))
    if usage_type in CONCURRENT_TYPES:
        lookback = (rules.COUNTING_PERIODS - 1) * rules.SAMPLING_PERIOD
        since = rules.day_start(usage_date) - lookback
        until = rules.day_start(usage_date + rules.DAY)
        sessions = _agent_records(
            _overlapping(AgentSession, "login_at", "logout_at", customer, since, until)
        )
        return RowEvidence(
            row=row,
            concurrent=evidence.concurrent_agent_evidence(sessions, usage_date, premium=premium),
        )
    return RowEvidence(row=row, ivr=_ivr_evidence(customer, usage_date))


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else ""


def evidence_table(found: RowEvidence) -> tuple[list[str], list[list]]:
    """The witnesses as one table (headers, rows): the page's CSV export. One line per
    agent (named), per agent and session (concurrent), per session (IVR)."""
    row = found.row
    lead = [row.usage_date.isoformat(), row.usage_type]
    if found.named is not None:
        headers = [
            "Usage Date", "Usage Type", "Agent ID", "First Seen", "Premium Since",
            "Premium Session ID", "Premium Session Login", "Premium Session Logout",
        ]  # fmt: skip
        rows = [
            [
                *lead,
                w.agent_id,
                w.first_seen.isoformat(),
                w.premium_since.isoformat() if w.premium_since else "",
                w.premium_session.session_id if w.premium_session else "",
                _iso(w.premium_session.login_at) if w.premium_session else "",
                _iso(w.premium_session.logout_at) if w.premium_session else "",
            ]
            for w in found.named
        ]
        return headers, rows
    if found.concurrent is not None:
        headers = [
            "Usage Date", "Usage Type", "Peak Quarter-Hour", "Agent ID",
            "Seconds p-3", "Seconds p-2", "Seconds p-1", "Seconds p",
            "Session ID", "License", "Login", "Logout",
        ]  # fmt: skip
        peak = _iso(found.concurrent.peak_period)
        rows = [
            [
                *lead,
                peak,
                w.agent_id,
                *(int(p.logged_in.total_seconds()) for p in w.presence),
                s.session_id,
                s.license,
                _iso(s.login_at),
                _iso(s.logout_at),
            ]
            for w in found.concurrent.witnesses
            for s in w.sessions
        ]
        return headers, rows
    headers = ["Usage Date", "Usage Type", "Peak Minute", "Session ID", "Started At", "Ended At"]
    peak = _iso(found.ivr.peak_minute)
    rows = [
        [*lead, peak, s.session_id, _iso(s.started_at), _iso(s.ended_at)]
        for s in found.ivr.witnesses
    ]
    return headers, rows
