"""What every trial service shares: the audited fields, the sizes a form gives, the
permission checks, the status move and the recipients of the emails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from orgs import clock, roles
from orgs.audit import audit_record, snapshot
from orgs.emails import absolute_url, english
from orgs.models import Organization, PartnerRelationship, Person
from orgs.tenancy import CHANGE, require
from trials import rules
from trials.models import (
    Service,
    Trial,
)

TRIAL_FIELDS = [
    "status",
    "admin_email",
    "length_days",
    "start_date",
    "end_date",
    "meetings_site_url",
    "meetings_time_zone",
    "standard_agents",
    "premium_agents",
]


@dataclass
class TrialSizes:
    """The services asked for and their sizes, as the start and edit forms give them."""

    services: list[str]
    meetings_site_url: str = ""
    meetings_time_zone: str = ""
    standard_agents: int = 0
    premium_agents: int = 0
    devices: dict[str, int] = field(default_factory=dict)


def _today() -> dt.date:
    return clock.today()


def _require_seller(actor: Person | None, partner: Organization) -> None:
    if actor is None:
        return  # the system itself
    if actor.organization_id != partner.pk or not roles.may_sell(actor.role):
        raise PermissionDenied(_("Only sales admins start and manage trials."))


def _require_trial(actor: Person | None, trial: Trial) -> None:
    require(actor, trial, CHANGE, _("Only sales admins start and manage trials."))


class IllegalTransition(ValidationError):
    """A trial asked to make a move its status does not allow (`rules.MOVES`). A
    ValidationError on "status", so forms and the API answer it as any refusal."""


def _check_move(trial: Trial, event: str) -> None:
    """Refuse `event` unless the trial's status (as this instance holds it) allows it."""
    move = rules.MOVES[event]
    current = trial.status if trial.pk else None
    if current in move.sources:
        return
    if move.refusal:
        message = str(move.refusal)
    else:
        message = _("A trial that is “%(current)s” cannot become “%(new)s”.") % {
            "current": trial.get_status_display(),
            "new": Trial.Status(move.target).label,
        }
    raise IllegalTransition({"status": message})


@dataclass
class _Move:
    """What a move writes to the audit trail, for the body of `_transition` to add to."""

    before: dict | None
    extra: dict = field(default_factory=dict)
    after: dict | None = None  # None: the trial as saved, with its services


@contextmanager
def _transition(trial: Trial, event: str, *, actor: Person | None) -> Iterator[_Move]:
    """The one way a trial's status changes (`rules.MOVES[event]`).

    Locks the trial's row and reads its status under the lock (a trial being created has
    none), refuses an illegal move with IllegalTransition, sets the new status (saving a
    new trial so the body can attach rows to it), lets the body change what else the move
    changes, then saves the trial and audits "trial.<event>" with before and after."""
    if trial.pk is not None:
        trial.status = (
            Trial.objects.unscoped()
            .select_for_update()
            .values_list("status", flat=True)
            .get(pk=trial.pk)
        )
    _check_move(trial, event)
    move = _Move(before=_before(trial) if trial.pk else None)
    trial.status = rules.MOVES[event].target
    if trial.pk is None:
        trial.save()
    yield move
    trial.save()
    if move.after is not None:
        audit_record(
            actor=actor,
            organization=trial.customer,
            action=f"trial.{event}",
            obj=trial,
            before=move.before,
            after=move.after,
        )
    else:
        _audit(actor, trial, f"trial.{event}", before=move.before, extra=move.extra)


def _audit(actor, trial: Trial, action: str, before=None, extra: dict | None = None) -> None:
    after = snapshot(trial, TRIAL_FIELDS) if trial.pk else None
    if after is not None:
        after["services"] = sorted(trial.service_codes)
        after.update(extra or {})
    audit_record(
        actor=actor,
        organization=trial.customer,
        action=action,
        obj=trial,
        before=before,
        after=after,
    )


def _before(trial: Trial) -> dict:
    data = snapshot(trial, TRIAL_FIELDS)
    data["services"] = sorted(trial.service_codes)
    return data


# ---- recipients -------------------------------------------------------------------------


def _customer_admins(customer: Organization) -> list[str]:
    return list(
        Person.objects.filter(organization=customer, is_active=True).values_list("email", flat=True)
    )


def _customer_full_admins(customer: Organization) -> list[str]:
    return list(
        Person.objects.filter(
            organization=customer, role=roles.Role.CUSTOMER_FULL_ADMIN, is_active=True
        ).values_list("email", flat=True)
    )


def _partner_admins(trial: Trial) -> list[str]:
    """Every admin of the managing partner, and of the trial's partner if another."""
    partners = {trial.partner_id}
    managing = PartnerRelationship.objects.filter(customer=trial.customer, is_managing=True)
    partners |= set(managing.values_list("partner_id", flat=True))
    return list(
        Person.objects.filter(organization_id__in=partners, is_active=True).values_list(
            "email", flat=True
        )
    )


def _email_context(trial: Trial) -> dict:
    return {
        "customer": trial.customer.name,
        "partner": trial.partner.name,
        "services": [english(Service(code).label) for code in trial.service_codes],
        "end_date": trial.end_date.isoformat() if trial.end_date else "",
        "trial_url": absolute_url(reverse("trial-detail", args=[trial.pk])),
        "home_url": absolute_url(reverse("customer-detail", args=[trial.customer_id])),
    }
