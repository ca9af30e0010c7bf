"""Reads of trials that are more than one filter."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from orgs.models import Person
from orgs.tenancy import VIEW
from trials import rules
from trials.models import OPEN_STATUSES, ConversionRequest, Trial, TrialDevice, TrialService


def trials_visible(person: Person, action: str = VIEW) -> QuerySet[Trial]:
    return (
        Trial.objects.visible_to(person, action)
        .select_related("customer", "partner")
        .prefetch_related(
            Prefetch("services", queryset=TrialService.objects.order_by("service")),
            Prefetch("devices", queryset=TrialDevice.objects.order_by("model")),
        )
    )


def open_trials_prefetch(to_attr: str = "open_trials") -> Prefetch:
    """For customer lists: each customer's open trials with their services, in one query
    per relation whatever the number of rows."""
    return Prefetch(
        "trials",
        queryset=Trial.objects.unscoped()
        .filter(status__in=OPEN_STATUSES)
        .select_related("partner")
        .prefetch_related("services"),
        to_attr=to_attr,
    )


def expiring_trials(person: Person, customer, today: dt.date | None = None) -> list[dict]:
    """The customer's trial licences with their days left, for the customer's home."""
    today = today or timezone.localdate()
    rows = []
    for trial in trials_visible(person).filter(customer=customer, status__in=OPEN_STATUSES):
        left = rules.days_left(trial.end_date, today)
        rows.append(
            {
                "trial": trial,
                "days_left": left,
                "expiring": left is not None and left <= rules.WARNING_DAYS,
                "grace_end": rules.grace_end(trial.end_date) if trial.end_date else None,
            }
        )
    return rows


def conversion_requests_for(person: Person) -> QuerySet[ConversionRequest]:
    return ConversionRequest.objects.visible_to(person).select_related(
        "trial__customer", "trial__partner", "requested_by", "order"
    )
