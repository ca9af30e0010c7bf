"""Reads of trials that are more than one filter."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet

from orgs import clock
from orgs.models import Person
from orgs.tenancy import VIEW
from trials import rules
from trials.models import OPEN_STATUSES, ConversionRequest, Trial, TrialDevice, TrialService


def trials_visible(person: Person, action: str = VIEW) -> QuerySet[Trial]:
    return with_trial_details(Trial.objects.visible_to(person, action))


def with_trial_details(trials: QuerySet[Trial]) -> QuerySet[Trial]:
    """What a trial's row shows: customer, partner, services and devices."""
    return trials.select_related("customer", "partner").prefetch_related(
        Prefetch("services", queryset=TrialService.objects.order_by("service")),
        Prefetch("devices", queryset=TrialDevice.objects.order_by("model")),
    )


def open_trials_prefetch(person: Person, to_attr: str = "open_trials") -> Prefetch:
    """For the customer list: each customer's open trials that `person` may see, with
    their services, in one query per relation whatever the number of rows."""
    return Prefetch(
        "trials",
        queryset=Trial.objects.visible_to(person)
        .filter(status__in=OPEN_STATUSES)
        .prefetch_related("services")
        .order_by("end_date"),
        to_attr=to_attr,
    )


def pending_consent_customer_ids(person: Person) -> QuerySet:
    """Customers asked for consent to a trial that `person` may see: on the partner's list
    while they wait, though the partner has no access to them yet."""
    return (
        Trial.objects.visible_to(person)
        .filter(status=Trial.Status.PENDING_CONSENT)
        .values("customer_id")
    )


def expiring_trials(person: Person, customer, today: dt.date | None = None) -> list[dict]:
    """The customer's trial licences with their days left, for the customer's home."""
    today = today or clock.today()
    rows = []
    for trial in trials_visible(person).filter(customer=customer, status__in=OPEN_STATUSES):
        left = rules.days_left(trial.end_date, today)
        rows.append(
            {
                "trial": trial,
                "days_left": left,
                "expiring": left is not None and left <= rules.WARNING_DAYS,
                "grace_end": rules.grace_end(trial.end_date) if trial.end_date else None,
                "grace_days_left": rules.grace_days_left(trial.end_date, today),
            }
        )
    return rows


def conversion_requests_for(person: Person) -> QuerySet[ConversionRequest]:
    return ConversionRequest.objects.visible_to(person).select_related(
        "trial__customer", "trial__partner", "requested_by", "order"
    )


def trial_customer_ids(
    person: Person, *, status: str | None = None, expires_within: int | None = None
) -> QuerySet:
    """Customers with a trial `person` may see: of `status`, or active and ending within
    `expires_within` days from today. For the customer list's filters."""
    trials = Trial.objects.visible_to(person)
    if status:
        trials = trials.filter(status=status)
    if expires_within is not None:
        today = clock.today()
        trials = trials.filter(
            status=Trial.Status.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + dt.timedelta(days=expires_within),
        )
    return trials.values("customer_id")
