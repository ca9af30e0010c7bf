"""Converting a trial to a paid order: directly (tier 1) or through the distributor
(tier 2's conversion request)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import roles
from orgs.emails import absolute_url, email_send
from orgs.models import Organization, PartnerRelationship, Person
from subscriptions import services as ordering
from trials.models import (
    ConversionRequest,
    Trial,
)
from trials.services.common import (
    _audit,
    _check_move,
    _customer_full_admins,
    _email_context,
    _require_trial,
    _today,
    _transition,
)

# ---- conversion -------------------------------------------------------------------------


def _check_convertible(trial: Trial) -> None:
    _check_move(trial, "convert")
    problem = conversion_blocked_reason(trial)
    if problem:
        raise ValidationError({"trial": problem})


def conversion_blocked_reason(trial: Trial) -> str | None:
    """Why nobody on the trial's partner side can place its paid order, known before any
    form is filled: the customer is managed by another partner, which alone orders for it."""
    managed_elsewhere = (
        PartnerRelationship.objects.unscoped()
        .filter(customer=trial.customer, is_managing=True)
        .exclude(partner=trial.partner)
        .exists()
    )
    if managed_elsewhere:
        return _(
            "%(customer)s is managed by another partner: only that partner can place its "
            "paid order. The customer can buy the services through them; the trial runs "
            "until its end date."
        ) % {"customer": trial.customer.name}
    return None


@transaction.atomic
def trial_conversion_request(
    *,
    actor: Person | None,
    trial: Trial,
    offer_code: str,
    lines: list[tuple[str, int]],
    note: str = "",
) -> ConversionRequest:
    """A tier 2 partner asks its distributor to convert the trial to paid."""
    _require_trial(actor, trial)
    _check_convertible(trial)
    partner = trial.partner
    if partner.tier != Organization.Tier.TWO or partner.distributor_id is None:
        raise ValidationError({"partner": _("Only a tier 2 partner asks its distributor.")})
    if trial.conversion_requests.filter(status=ConversionRequest.Status.PENDING).exists():
        raise ValidationError({"trial": _("A conversion request is already waiting.")})
    request = ConversionRequest.objects.create(
        trial=trial,
        distributor=partner.distributor,
        offer_code=offer_code,
        lines=[[sku, int(quantity)] for sku, quantity in lines],
        note=note,
        requested_by=actor,
    )
    _audit(actor, trial, "trial.request_conversion", extra={"offer": offer_code})
    distributor_people = Person.objects.filter(
        organization=partner.distributor, is_active=True
    ).exclude(role=roles.Role.PARTNER_READ_ONLY)
    email_send(
        to=list(distributor_people.values_list("email", flat=True)),
        template="trial_conversion_request",
        context={
            **_email_context(trial),
            "requests_url": absolute_url(reverse("trial-conversion-requests")),
        },
    )
    return request


def _ordering():
    """The provisioning service of the subscriptions app: order_place, order_provision."""

    return ordering


def _conversion_admin_email(trial: Trial) -> str:
    """The trial's admin email maps the order onto the trial's organisation; when that
    person is not (or no longer) a full admin there, the full admin who accepted the
    trial, else any full admin of the customer."""
    full_admins = _customer_full_admins(trial.customer)
    if trial.admin_email.lower() in {e.lower() for e in full_admins}:
        return trial.admin_email
    accepted = trial.consent_accepted_by
    if accepted is not None and accepted.email in full_admins:
        return accepted.email
    return full_admins[0] if full_admins else trial.admin_email


@transaction.atomic
def trial_convert(
    *,
    actor: Person | None,
    trial: Trial,
    web_order_id: str,
    offer_code: str,
    lines: list[tuple[str, int]],
    provisioning_contact_email: str,
) -> Trial:
    """A tier 1 partner places the paid order, mapped onto the trial's customer through
    the trial's admin email. The trial's usage data stays with the customer."""
    _require_trial(actor, trial)
    _check_convertible(trial)
    if trial.partner.tier == Organization.Tier.TWO:
        raise ValidationError({"partner": _("A tier 2 partner asks its distributor.")})
    return _place_conversion_order(
        actor=actor,
        ordering_actor=actor,
        trial=trial,
        partner=trial.partner,
        web_order_id=web_order_id,
        offer_code=offer_code,
        lines=lines,
        provisioning_contact_email=provisioning_contact_email,
    )


def _place_conversion_order(
    *,
    actor,
    ordering_actor,
    trial,
    partner,
    web_order_id,
    offer_code,
    lines,
    provisioning_contact_email,
) -> Trial:
    """Place the order for `partner` and provision it onto the trial's customer; the
    customer organisation, and with it the trial's usage data, stays as it is."""
    if not web_order_id.strip():
        raise ValidationError({"web_order_id": _("Give the web order id.")})
    ordering = _ordering()
    order = ordering.order_place(
        actor=ordering_actor,
        partner=partner,
        web_order_id=web_order_id.strip(),
        offer_code=offer_code,
        requested_start_date=_today(),
        provisioning_contact_email=provisioning_contact_email,
        lines=list(lines),
        send_setup_email=False,  # provisioned just below: a Set up now link would be dead
    )
    ordering.order_provision(
        actor=ordering_actor,
        order=order,
        customer_admin_email=_conversion_admin_email(trial),
        company_name=trial.customer.name,
        country=str(trial.customer.country),
        organization=trial.customer,
    )
    with _transition(trial, "convert", actor=actor) as move:
        trial.converted_at = timezone.now()
        trial.order = order
        move.extra["order"] = order.web_order_id
    return trial


@transaction.atomic
def conversion_process(
    *, actor: Person | None, conversion: ConversionRequest, web_order_id: str
) -> ConversionRequest:
    """The distributor processes a tier 2 partner's request: it places the order for the
    partner, mapped onto the trial's customer."""
    conversion = ConversionRequest.objects.select_for_update().get(pk=conversion.pk)
    if actor is not None and (
        actor.organization_id != conversion.distributor_id or roles.is_read_only(actor.role)
    ):
        raise PermissionDenied
    if conversion.status != ConversionRequest.Status.PENDING:
        raise ValidationError({"status": _("This request was already processed.")})
    trial = conversion.trial
    _check_convertible(trial)
    trial = _place_conversion_order(
        actor=actor,
        # The distributor orders on the tier 2 partner's behalf: the order is the
        # partner's, placed by the system; the audit names the distributor's person.
        ordering_actor=None,
        trial=trial,
        partner=trial.partner,
        web_order_id=web_order_id,
        offer_code=conversion.offer_code,
        lines=[(sku, int(quantity)) for sku, quantity in conversion.lines],
        provisioning_contact_email=actor.email if actor else trial.admin_email,
    )
    conversion.status = ConversionRequest.Status.PROCESSED
    conversion.processed_by = actor
    conversion.processed_at = timezone.now()
    conversion.order = trial.order
    conversion.save()
    return conversion
