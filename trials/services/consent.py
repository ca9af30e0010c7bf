"""An existing customer's consent to a trial: the signed link, resending it, accepting."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import roles
from orgs.emails import absolute_url, email_send, english
from orgs.models import PartnerRelationship, Person
from trials import rules
from trials.models import (
    Service,
    Trial,
)
from trials.services.common import (
    _audit,
    _before,
    _customer_full_admins,
    _email_context,
    _require_trial,
    _transition,
)

CONSENT_SALT = "trials.consent"
# ---- consent ----------------------------------------------------------------------------


def consent_token(trial: Trial) -> str:
    return signing.dumps({"trial": trial.pk}, salt=CONSENT_SALT)


def consent_url(trial: Trial) -> str:
    return absolute_url(reverse("trial-consent", args=[consent_token(trial)]))


def trial_for_consent_token(token: str) -> Trial | None:
    """The trial a consent link names, while it still waits for consent; None otherwise.

    Checking never consumes the link: only accepting does (by moving the trial on)."""
    max_age = dt.timedelta(days=rules.CONSENT_DAYS + 1)
    try:
        data = signing.loads(token, salt=CONSENT_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    trial = (
        Trial.objects.unscoped()
        .select_related("customer", "partner")
        .filter(pk=data.get("trial"))
        .first()
    )
    if trial is None or trial.status != Trial.Status.PENDING_CONSENT:
        return None
    return trial


def is_consent_recipient(person: Person, trial: Trial) -> bool:
    """The consent link opens for the people it was sent to only: the admin email the
    partner typed and the customer's full admins (all of the customer's organisation)."""
    if not getattr(person, "is_authenticated", False) or not person.is_active:
        return False
    if person.organization_id != trial.customer_id:
        return False
    return (
        person.role == roles.Role.CUSTOMER_FULL_ADMIN
        or person.email.lower() == trial.admin_email.lower()
    )


def _send_consent(trial: Trial) -> None:
    recipients = [trial.admin_email, *_customer_full_admins(trial.customer)]
    deadline = rules.consent_deadline(timezone.localdate(trial.consent_requested_at))
    email_send(
        to=recipients,
        template="trial_consent",
        context={
            **_email_context(trial),
            "consent_url": consent_url(trial),
            "deadline": deadline.isoformat(),
        },
    )


@transaction.atomic
def trial_consent_resend(*, actor: Person, trial: Trial) -> None:
    _require_trial(actor, trial)
    if trial.status != Trial.Status.PENDING_CONSENT:
        raise ValidationError({"status": _("Only a trial waiting for consent can be resent.")})
    _audit(actor, trial, "trial.resend_consent", before=_before(trial))
    _send_consent(trial)


@transaction.atomic
def trial_consent_accept(*, person: Person, trial: Trial, access: str) -> Trial:
    """A full admin of the customer accepts, granting the partner full or
    provisioning-only access; the trial then waits for provisioning details."""
    trial = Trial.objects.unscoped().select_for_update().get(pk=trial.pk)
    if person.organization_id != trial.customer_id or person.role != roles.Role.CUSTOMER_FULL_ADMIN:
        raise PermissionDenied(
            _("Only a full admin of %(customer)s may accept.") % {"customer": trial.customer.name}
        )
    if access not in PartnerRelationship.Access.values:
        raise ValidationError({"access": _("Choose full or provisioning-only access.")})
    from trials.services.lifecycle import drop_services, services_refused_on_consent

    refused = services_refused_on_consent(trial)
    if refused and set(refused) >= set(trial.service_codes) - {Service.DEVICES}:
        raise ValidationError(
            {
                "services": _(
                    "Your organisation has bought or is already trialling %(services)s: "
                    "nothing in this request can be trialled."
                )
                % {"services": ", ".join(str(Service(s).label) for s in refused)}
            }
        )
    with _transition(trial, "accept_consent", actor=person) as move:
        if refused:
            drop_services(trial, refused)
        trial.consent_accepted_at = timezone.now()
        trial.consent_accepted_by = person
        move.extra.update(access=access, services_dropped=sorted(refused))
    relationship, created = PartnerRelationship.objects.get_or_create(
        partner=trial.partner, customer=trial.customer, defaults={"access": access}
    )
    if not created and not relationship.is_managing and relationship.access != access:
        relationship.access = access
        relationship.save(update_fields=["access"])
    sellers = Person.objects.filter(
        organization=trial.partner,
        role__in=[roles.Role.SALES_FULL_ADMIN, roles.Role.SALES_ADMIN],
        is_active=True,
    )
    if trial.created_by_id:
        sellers = sellers.filter(Q(pk=trial.created_by_id) | Q(role=roles.Role.SALES_FULL_ADMIN))
    email_send(
        to=list(sellers.values_list("email", flat=True)),
        template="trial_consent_accepted",
        context={
            **_email_context(trial),
            "access": english(PartnerRelationship.Access(access).label),
        },
    )
    return trial


@transaction.atomic
def trial_consent_decline(*, person: Person, trial: Trial) -> Trial:
    """A full admin of the customer declines: the trial never starts, the partner leaves
    the customer's list unless it was there before, and the partner's sellers are told."""
    from trials.services.lifecycle import _drop_trial_relationship

    trial = Trial.objects.unscoped().select_for_update().get(pk=trial.pk)
    if person.organization_id != trial.customer_id or person.role != roles.Role.CUSTOMER_FULL_ADMIN:
        raise PermissionDenied(
            _("Only a full admin of %(customer)s may decline.") % {"customer": trial.customer.name}
        )
    with _transition(trial, "decline_consent", actor=person):
        trial.cancelled_at = timezone.now()
    _drop_trial_relationship(trial)
    email_send(
        to=list(_sellers(trial).values_list("email", flat=True)),
        template="trial_consent_declined",
        # The partner never learns who declined beyond what it typed (no enumeration).
        context={**_email_context(trial), "customer": trial.customer_label},
    )
    return trial


def _sellers(trial: Trial):
    """The partner's sellers told of the customer's answer: who started the trial and the
    sales full admins (every sales admin when nobody is recorded as its starter)."""
    sellers = Person.objects.filter(
        organization=trial.partner,
        role__in=[roles.Role.SALES_FULL_ADMIN, roles.Role.SALES_ADMIN],
        is_active=True,
    )
    if trial.created_by_id:
        sellers = sellers.filter(Q(pk=trial.created_by_id) | Q(role=roles.Role.SALES_FULL_ADMIN))
    return sellers
