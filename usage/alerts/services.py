"""Overage alerts: changing a customer's thresholds, and evaluating a computed day.

`alerts_evaluate` is what the nightly pipeline calls after it has computed a customer's
day; it is safe to run twice (and twice at once): the unique constraint on
(customer, cycle, usage type, threshold) lets exactly one run record, and email, an alert.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from orgs.audit import audit_record, snapshot
from orgs.emails import absolute_url, email_send
from orgs.models import Organization, PartnerRelationship, Person
from orgs.roles import Role
from orgs.tenancy import CHANGE, require
from usage import rules
from usage.alerts import rules as alerts
from usage.alerts.models import OverageAlert, OverageAlertSettings
from usage.models import CycleUsage, DailyUsage
from usage.selectors import billable_subscriptions, subscription_terms

SETTINGS_FIELDS = ["enabled", "warning_percent", "limit_percent", "on_overage", "on_forecast"]


def alert_settings_of(customer: Organization) -> OverageAlertSettings:
    """The customer's thresholds; the defaults (unsaved) when never changed."""
    found = OverageAlertSettings.objects.unscoped().filter(customer=customer).first()
    return found or OverageAlertSettings(customer=customer)


@transaction.atomic
def alert_settings_update(
    *, actor: Person | None, customer: Organization, **fields
) -> OverageAlertSettings:
    """Change the customer's thresholds: its full admins and the partner people who may
    change it."""
    require(actor, customer, CHANGE)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown alert settings {sorted(unknown)}")
    settings = alert_settings_of(customer)
    before = snapshot(settings, SETTINGS_FIELDS) if settings.pk else None
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    audit_record(
        actor=actor,
        organization=customer,
        action="usage.alert_settings.update",
        obj=settings,
        before=before,
        after=snapshot(settings, SETTINGS_FIELDS),
    )
    return settings


def alert_recipients(customer: Organization) -> list[str]:
    """The customer's full admins and the managing partner's admins who reach it: its
    full admins when the partner has full access, and partner admins who created the
    customer or were assigned it."""
    customer_admins = Q(organization=customer, role=Role.CUSTOMER_FULL_ADMIN)
    managing = PartnerRelationship.objects.unscoped().filter(
        customer=customer, is_managing=True, access=PartnerRelationship.Access.FULL
    )
    partner_admins = Q(organization__in=managing.values("partner_id")) & (
        Q(role=Role.PARTNER_FULL_ADMIN)
        | Q(role=Role.PARTNER_ADMIN)
        & (Q(created_organizations=customer) | Q(assignments__customer=customer))
    )
    return sorted(
        set(
            Person.objects.filter(is_active=True)
            .filter(customer_admins | partner_admins)
            .values_list("email", flat=True)
        )
    )


def alerts_evaluate(*, customer_id: int, day: date) -> list[OverageAlert]:
    """Raise the alerts that `customer_id`'s computed usage of `day` calls for, and email
    them; an alert already raised in the same cycle for the same threshold and usage type
    is not raised again. Returns the alerts raised now."""
    customer = Organization.objects.unscoped().customers().filter(pk=customer_id).first()
    if customer is None:
        return []
    settings = alert_settings_of(customer)
    if not settings.enabled:
        return []
    rows = list(DailyUsage.objects.unscoped().filter(customer=customer, usage_date=day))
    if not rows:
        return []
    cycle = rules.customer_billing_cycle(subscription_terms(billable_subscriptions(customer)), day)
    raised: list[OverageAlert] = []
    for row in rows:
        cycle_end = cycle[1] if cycle else row.usage_date
        for threshold in alerts.thresholds_crossed(
            used=row.units_used,
            commitment=row.units_commitment,
            overage=row.units_overage,
            percents=settings.percents,
            on_overage=settings.on_overage,
        ):
            alert = _raise_once(
                customer=customer, row=row, threshold=threshold, cycle_end=cycle_end
            )
            if alert is not None:
                raised.append(alert)
    raised += _forecast_alerts(customer, rows, day, on_forecast=settings.on_forecast)
    if raised:
        _email(customer, raised)
    return raised


def _forecast_alerts(
    customer: Organization, rows: list[DailyUsage], day: date, *, on_forecast: bool
) -> list[OverageAlert]:
    """ "Forecast to exceed commitment": from the forecast the engine stored with each
    cycle summary when it wrote `day`. A summary computed past `day` (a backfill, a
    late event) holds a later forecast, which says nothing of what was known on `day`:
    no alert from it."""
    if not on_forecast:
        return []
    by_type = {row.usage_type: row for row in rows}
    summaries = CycleUsage.objects.unscoped().filter(
        customer=customer,
        cycle_start__in={row.cycle_start for row in rows},
        usage_type__in=by_type,
        last_usage_date=day,
    )
    raised = []
    for summary in summaries:
        row = by_type[summary.usage_type]
        if summary.cycle_start != row.cycle_start:
            continue
        if not alerts.forecast_crossed(
            forecast_low=summary.forecast_low,
            days_left=(summary.cycle_end - day).days,
            on_forecast=on_forecast,
        ):
            continue
        alert = _raise_once(
            customer=customer,
            row=row,
            threshold=alerts.FORECAST_ABOVE,
            cycle_end=summary.cycle_end,
            forecast=(summary.forecast, summary.forecast_low, summary.forecast_high),
        )
        if alert is not None:
            raised.append(alert)
    return raised


def _raise_once(
    *,
    customer: Organization,
    row: DailyUsage,
    threshold: str,
    cycle_end: date,
    forecast: tuple[int, int, int] | None = None,
) -> OverageAlert | None:
    lookup = {
        "customer": customer,
        "cycle_start": row.cycle_start,
        "usage_type": row.usage_type,
        "threshold": threshold,
    }
    if OverageAlert.objects.unscoped().filter(**lookup).exists():
        return None
    try:
        with transaction.atomic():
            return OverageAlert.objects.create(
                **lookup,
                cycle_end=max(cycle_end, row.usage_date),
                usage_date=row.usage_date,
                units_used=row.units_used,
                units_commitment=row.units_commitment,
                units_overage=row.units_overage,
                **(
                    dict(zip(("forecast", "forecast_low", "forecast_high"), forecast, strict=True))
                    if forecast
                    else {}
                ),
            )
    except IntegrityError:
        return None  # a run at the same time raised it first


def _email(customer: Organization, raised: list[OverageAlert]) -> None:
    recipients = alert_recipients(customer)
    OverageAlert.objects.unscoped().filter(pk__in=[a.pk for a in raised]).update(
        recipients=recipients
    )
    first = raised[0]
    context = {
        "customer": customer.name,
        "cycle_start": first.cycle_start.isoformat(),
        "cycle_end": first.cycle_end.isoformat(),
        "alerts": [
            {
                "usage_type": alert.usage_type,
                "threshold": alert.threshold,
                "is_overage": alert.is_overage,
                "is_forecast": alert.is_forecast,
                "forecast": alert.forecast,
                "forecast_low": alert.forecast_low,
                "forecast_high": alert.forecast_high,
                "usage_date": alert.usage_date.isoformat(),
                "units_used": alert.units_used,
                "units_commitment": alert.units_commitment,
                "units_overage": alert.units_overage,
            }
            for alert in raised
        ],
        "any_forecast": any(alert.is_forecast for alert in raised),
        "daily_detail_url": absolute_url(reverse("usage-daily", args=[customer.pk])),
        "settings_url": absolute_url(reverse("usage-alerts", args=[customer.pk])),
    }
    # One message per person, so each reads it in their own language.
    for email in recipients:
        email_send(to=[email], template="overage_alert", context=context)
