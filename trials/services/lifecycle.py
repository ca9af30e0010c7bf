"""A trial's life (SPEC §4): which services may be trialled, start, provision, cancel,
extend, change services, delete, and the daily run (expiry, grace, release)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import roles
from orgs.audit import audit_record, snapshot
from orgs.emails import email_send
from orgs.models import Organization, PartnerRelationship, Person
from orgs.regions import region_for_country
from orgs.services import customer_create, person_email_available
from orgs.tenancy import PROVISION, can
from subscriptions.models import Subscription
from subscriptions.sites import meeting_site_name, meeting_site_problem
from trials import rules
from trials.models import (
    OPEN_STATUSES,
    DeviceModel,
    Service,
    Trial,
    TrialDevice,
    TrialNotice,
    TrialService,
)
from trials.services.common import (
    TRIAL_FIELDS,
    TrialSizes,
    _audit,
    _before,
    _customer_admins,
    _customer_full_admins,
    _email_context,
    _partner_admins,
    _require_seller,
    _require_trial,
    _today,
    _transition,
)
from trials.services.consent import _send_consent

# ---- which services a partner may trial -------------------------------------------------


def services_bought(customer: Organization) -> frozenset[str]:

    offers = (
        Subscription.objects.unscoped()
        .filter(customer=customer, order__isnull=False)
        .exclude(status=Subscription.Status.ENDED)
        .values_list("order__offer__code", flat=True)
    )
    return rules.services_bought(offers)


def services_trialled_by_others(
    customer: Organization, partner: Organization, exclude: Trial | None = None
) -> frozenset[str]:
    rows = TrialService.objects.filter(
        trial__customer=customer, trial__status__in=OPEN_STATUSES
    ).exclude(trial__partner=partner)
    if exclude is not None:
        rows = rows.exclude(trial=exclude)
    return frozenset(rows.values_list("service", flat=True))


def services_available(customer: Organization, partner: Organization) -> list[str]:
    """What `partner` may still trial for `customer` (SPEC §4)."""
    own = TrialService.objects.filter(
        trial__customer=customer, trial__partner=partner, trial__status__in=OPEN_STATUSES
    ).values_list("service", flat=True)
    available = rules.services_available(
        Service.values, services_bought(customer), services_trialled_by_others(customer, partner)
    )
    return [s for s in available if s not in set(own) or s == Service.DEVICES]


def services_refused_on_consent(trial: Trial) -> list[str]:
    """The services of a trial waiting for consent that its customer cannot have on
    trial (bought already, or on trial with another partner or this one)."""
    own_open = TrialService.objects.filter(
        trial__customer=trial.customer,
        trial__partner=trial.partner,
        trial__status__in=OPEN_STATUSES,
    ).exclude(trial=trial)
    return rules.services_refused(
        trial.service_codes,
        services_bought(trial.customer),
        services_trialled_by_others(trial.customer, trial.partner, exclude=trial)
        | set(own_open.values_list("service", flat=True)),
    )


def drop_services(trial: Trial, refused: list[str]) -> None:
    """Take `refused` off `trial`, with the sizes that went with them."""
    remaining = [s for s in trial.service_codes if s not in refused]
    _apply_sizes(
        trial,
        TrialSizes(
            services=remaining,
            meetings_site_url=trial.meetings_site_url,
            meetings_time_zone=trial.meetings_time_zone,
            standard_agents=trial.standard_agents,
            premium_agents=trial.premium_agents,
            devices={d.model: d.quantity for d in trial.devices.all()},
        ),
    )


def _check_sizes(
    sizes: TrialSizes,
    *,
    customer: Organization | None,
    partner: Organization,
    trial: Trial | None = None,
) -> None:
    errors: dict[str, str] = {}
    unknown = [s for s in sizes.services if s not in Service.values]
    if unknown or not sizes.services:
        errors["services"] = _("Choose at least one service.")
    if customer is not None and not unknown:
        own_open = TrialService.objects.filter(
            trial__customer=customer, trial__partner=partner, trial__status__in=OPEN_STATUSES
        )
        if trial is not None:
            own_open = own_open.exclude(trial=trial)
        refused = rules.services_refused(
            sizes.services,
            services_bought(customer),
            services_trialled_by_others(customer, partner, exclude=trial)
            | set(own_open.values_list("service", flat=True)),
        )
        if refused:
            errors["services"] = _(
                "%(services)s cannot be trialled: bought already or on trial."
            ) % {"services": ", ".join(str(Service(s).label) for s in refused)}
    if Service.MEETINGS in sizes.services:
        site = meeting_site_name(sizes.meetings_site_url)
        if not site:
            errors["meetings_site_url"] = _("Meetings needs a site URL.")
        else:
            problem = meeting_site_problem(site, exclude=trial)
            if problem:
                errors["meetings_site_url"] = problem
        if sizes.meetings_time_zone not in zoneinfo.available_timezones():
            errors["meetings_time_zone"] = _("Choose a time zone.")
    if Service.CONTACT_CENTER in sizes.services:
        if sizes.standard_agents < 0 or sizes.premium_agents < 0:
            errors["standard_agents"] = _("Agent counts cannot be negative.")
        elif sizes.standard_agents + sizes.premium_agents == 0:
            errors["standard_agents"] = _("Contact Center needs standard or premium agents.")
    if Service.DEVICES in sizes.services:
        bad = [m for m, q in sizes.devices.items() if m not in DeviceModel.values or q < 0]
        if bad or not any(q > 0 for q in sizes.devices.values()):
            errors["devices"] = _("Choose the device models and how many of each.")
    if errors:
        raise ValidationError(errors)


def _apply_sizes(trial: Trial, sizes: TrialSizes) -> None:
    chosen = set(sizes.services)
    meetings = Service.MEETINGS in chosen
    trial.meetings_site_url = meeting_site_name(sizes.meetings_site_url) if meetings else ""
    trial.meetings_time_zone = sizes.meetings_time_zone if meetings else ""
    contact_center = Service.CONTACT_CENTER in chosen
    trial.standard_agents = sizes.standard_agents if contact_center else 0
    trial.premium_agents = sizes.premium_agents if contact_center else 0
    trial.save()
    TrialService.objects.filter(trial=trial).exclude(service__in=chosen).delete()
    for service in chosen:
        TrialService.objects.get_or_create(trial=trial, service=service)
    TrialDevice.objects.filter(trial=trial).delete()
    if Service.DEVICES in chosen:
        TrialDevice.objects.bulk_create(
            TrialDevice(trial=trial, model=model, quantity=quantity)
            for model, quantity in sorted(sizes.devices.items())
            if quantity > 0
        )
    if hasattr(trial, "_prefetched_objects_cache"):
        trial._prefetched_objects_cache.clear()


# ---- start ------------------------------------------------------------------------------


def _existing_customer(admin_email: str) -> Organization | None:
    person = (
        Person.objects.filter(email__iexact=admin_email.strip())
        .select_related("organization")
        .first()
    )
    if person is None or person.organization is None:
        return None
    if person.organization.kind != Organization.Kind.CUSTOMER:
        return None
    return person.organization


@transaction.atomic
def trial_start(
    *,
    actor: Person | None,
    partner: Organization,
    company_name: str,
    admin_email: str,
    industry: str,
    country: str,
    sizes: TrialSizes,
    length_days: int = rules.DEFAULT_LENGTH,
) -> Trial:
    """Start a trial from the partner's "Start trial" form.

    A new admin email makes a new customer managed by `partner`, on trial at once. An
    email of an existing customer's person asks that customer for consent first, unless
    `partner` already serves the customer: then the trial starts at once.
    """
    _require_seller(actor, partner)
    if length_days not in rules.LENGTHS:
        raise ValidationError({"length_days": _("A trial lasts 30, 60 or 90 days.")})
    admin_email = admin_email.strip().lower()
    existing = _existing_customer(admin_email)
    if existing is None:
        person_email_available(admin_email)  # an email of a partner's person is refused
        try:
            region_for_country(country)
        except (ValueError, KeyError, LookupError):
            raise ValidationError({"country": _("Choose a country.")}) from None
        _check_sizes(sizes, customer=None, partner=partner)
        customer, _admin = customer_create(
            actor=actor,
            partner=partner,
            name=company_name.strip(),
            country=country,
            industry=industry,
            admin_email=admin_email,
            managing=True,
        )
        return _trial_begin(
            actor=actor,
            partner=partner,
            customer=customer,
            sizes=sizes,
            length_days=length_days,
            admin_email=admin_email,
        )
    related = PartnerRelationship.objects.filter(partner=partner, customer=existing).exists()
    if related:
        return trial_start_for_customer(
            actor=actor, partner=partner, customer=existing, sizes=sizes, length_days=length_days
        )
    # Checked as for a new customer: what it bought or trials with others is its own
    # business until a full admin consents (services it cannot have are dropped then).
    _check_sizes(sizes, customer=None, partner=partner)
    trial = Trial(
        customer=existing,
        partner=partner,
        admin_email=admin_email,
        company_name=company_name.strip()[:200],
        length_days=length_days,
        consent_requested_at=timezone.now(),
        created_by=actor,
    )
    with _transition(trial, "request_consent", actor=actor):
        _apply_sizes(trial, sizes)
    _send_consent(trial)
    return trial


@transaction.atomic
def trial_start_for_customer(
    *,
    actor: Person | None,
    partner: Organization,
    customer: Organization,
    sizes: TrialSizes,
    length_days: int = rules.DEFAULT_LENGTH,
) -> Trial:
    """A customer `partner` already serves (a paying one, say): the ticked services
    start at once and every customer admin is told."""
    _require_seller(actor, partner)
    if actor is not None and not can(actor, customer, PROVISION):
        raise PermissionDenied
    if not PartnerRelationship.objects.filter(partner=partner, customer=customer).exists():
        raise ValidationError({"customer": _("Ask the customer's consent first.")})
    if length_days not in rules.LENGTHS:
        raise ValidationError({"length_days": _("A trial lasts 30, 60 or 90 days.")})
    _check_sizes(sizes, customer=customer, partner=partner)
    admins = _customer_full_admins(customer)
    return _trial_begin(
        actor=actor,
        partner=partner,
        customer=customer,
        sizes=sizes,
        length_days=length_days,
        admin_email=admins[0] if admins else "",
    )


def _trial_begin(*, actor, partner, customer, sizes, length_days, admin_email) -> Trial:
    today = _today()
    trial = Trial(
        customer=customer,
        partner=partner,
        admin_email=admin_email,
        length_days=length_days,
        start_date=today,
        end_date=rules.end_date(today, length_days),
        created_by=actor,
    )
    with _transition(trial, "start", actor=actor):
        _apply_sizes(trial, sizes)
    email_send(
        to=_customer_admins(customer), template="trial_started", context=_email_context(trial)
    )
    return trial


@transaction.atomic
def trial_provision(*, actor: Person | None, trial: Trial) -> Trial:
    """The partner confirms the provisioning details: the trial starts today."""
    _require_trial(actor, trial)
    with _transition(trial, "provision", actor=actor):
        today = _today()
        trial.start_date = today
        trial.end_date = rules.end_date(today, trial.length_days)
    email_send(
        to=_customer_admins(trial.customer), template="trial_started", context=_email_context(trial)
    )
    return trial


def _drop_trial_relationship(trial: Trial) -> None:
    """A partner that came in only for this trial leaves the customer's list with it."""
    others = (
        Trial.objects.unscoped()
        .filter(customer=trial.customer, partner=trial.partner)
        .exclude(pk=trial.pk)
        .exclude(status__in=[Trial.Status.CANCELLED, Trial.Status.DECLINED])
    )
    if not others.exists():
        PartnerRelationship.objects.filter(
            partner=trial.partner, customer=trial.customer, is_managing=False
        ).delete()


@transaction.atomic
def trial_cancel(*, actor: Person | None, trial: Trial) -> Trial:
    """Cancel a trial still pending; the customer leaves the partner's list."""
    _require_trial(actor, trial)
    with _transition(trial, "cancel", actor=actor):
        trial.cancelled_at = timezone.now()
    _drop_trial_relationship(trial)
    return trial


# ---- manage -----------------------------------------------------------------------------


@transaction.atomic
def trial_extend(*, actor: Person | None, trial: Trial) -> Trial:
    """New end = today + 30 days, whatever was left; a trial in grace is active again."""
    _require_trial(actor, trial)
    with _transition(trial, "extend", actor=actor):
        trial.end_date = rules.extended_end_date(_today())
    # The new end date earns its own warnings.
    trial.notices.filter(kind__in=[TrialNotice.Kind.EXPIRING, TrialNotice.Kind.EXPIRED]).delete()
    return trial


@transaction.atomic
def trial_change_services(*, actor: Person | None, trial: Trial, sizes: TrialSizes) -> Trial:
    """Add or remove services of an open trial."""
    _require_trial(actor, trial)
    if not trial.is_open:
        raise ValidationError({"status": _("This trial is over.")})
    customer = trial.customer if trial.customer_disclosed else None
    _check_sizes(sizes, customer=customer, partner=trial.partner, trial=trial)
    before = _before(trial)
    _apply_sizes(trial, sizes)
    _audit(actor, trial, "trial.change_services", before=before)
    return trial


@transaction.atomic
def trial_delete(*, actor: Person | None, trial: Trial) -> None:
    """Delete a trial (after the page's confirmation); it is gone from the list."""
    _require_trial(actor, trial)
    before = _before(trial)
    audit_record(
        actor=actor, organization=trial.customer, action="trial.delete", obj=trial, before=before
    )
    _drop_trial_relationship(trial)
    trial.delete()


# ---- the daily run ----------------------------------------------------------------------


def _notice_once(trial: Trial, kind: str) -> bool:
    """Record `kind` as sent; False when it already was (a second run sends nothing)."""
    _notice, created = TrialNotice.objects.get_or_create(trial=trial, kind=kind)
    return created


@transaction.atomic
def trial_tick(*, trial_id: int, today: dt.date | None = None) -> Trial | None:
    """Everything due today for one trial: consent lapsing, the 7-day and end-date
    notices, grace, the end of grace and the release of calling numbers. Safe to run
    twice: each step is recorded and not due again."""
    today = today or _today()
    trial = Trial.objects.unscoped().select_for_update().filter(pk=trial_id).first()
    if trial is None:
        return None
    requested_on = (
        timezone.localdate(trial.consent_requested_at) if trial.consent_requested_at else None
    )
    due = rules.due_on(
        status=trial.status,
        today=today,
        end=trial.end_date,
        consent_requested_on=requested_on,
        notices_sent=frozenset(trial.notices.values_list("kind", flat=True)),
        numbers_held=bool(trial.calling_numbers) and trial.numbers_released_at is None,
    )
    if due.cancel_unconsented:
        with _transition(trial, "consent_lapsed", actor=None):
            trial.cancelled_at = timezone.now()
        _drop_trial_relationship(trial)
        return trial
    recipients = _customer_admins(trial.customer) + _partner_admins(trial)
    if due.expiring_notice and _notice_once(trial, TrialNotice.Kind.EXPIRING):
        email_send(to=recipients, template="trial_expiring", context=_email_context(trial))
    if due.expire:
        with _transition(trial, "expire", actor=None):
            pass
    if (due.expire or trial.status == Trial.Status.GRACE) and _notice_once(
        trial, TrialNotice.Kind.EXPIRED
    ):
        email_send(
            to=recipients,
            template="trial_expired",
            context={
                **_email_context(trial),
                "grace_end": rules.grace_end(trial.end_date).isoformat(),
                "devices_due": rules.devices_due_date(trial.end_date).isoformat()
                if trial.devices.exists()
                else "",
            },
        )
    if due.end_grace:
        _end_grace(trial)
    if due.release_numbers:
        before = {"calling_numbers": trial.calling_numbers}
        trial.calling_numbers = []
        trial.numbers_released_at = timezone.now()
        trial.save(update_fields=["calling_numbers", "numbers_released_at"])
        audit_record(
            actor=None,
            organization=trial.customer,
            action="trial.release_numbers",
            obj=trial,
            before=before,
            after={"calling_numbers": []},
        )
    return trial


def _customer_is_paying(customer: Organization) -> bool:

    return (
        Subscription.objects.unscoped()
        .filter(customer=customer)
        .exclude(status=Subscription.Status.ENDED)
        .exists()
    )


def _end_grace(trial: Trial) -> None:
    """Grace is over without conversion: users are told, and a customer that pays for
    nothing loses everything: its users move to a free consumer organisation without
    admin roles, and the site URL and calling configuration go. Irreversible."""
    recipients = _customer_admins(trial.customer)
    if _notice_once(trial, TrialNotice.Kind.ACCESS_LOST):
        email_send(to=recipients, template="trial_access_lost", context=_email_context(trial))
    with _transition(trial, "end_grace", actor=None) as move:
        move.before["calling_numbers"] = trial.calling_numbers
        trial.ended_at = timezone.now()
        trial.meetings_site_url = ""
        trial.meetings_time_zone = ""
        trial.standard_agents = trial.premium_agents = 0
        TrialService.objects.filter(trial=trial).delete()
        moved: list[str] = []
        if not _customer_is_paying(trial.customer):
            consumer = Organization.objects.create(
                name=_("%(customer)s users (free)") % {"customer": trial.customer.name},
                kind=Organization.Kind.CONSUMER,
                country=trial.customer.country,
            )
            people = Person.objects.filter(organization=trial.customer)
            moved = list(people.values_list("email", flat=True))
            # A consumer organisation has no admins: every user keeps a read-only seat only.
            people.update(organization=consumer, role=roles.Role.CUSTOMER_READ_ONLY)
            # Nothing is left to manage: the emptied organisation leaves every partner's list.
            PartnerRelationship.objects.filter(customer=trial.customer).delete()
        move.after = {**snapshot(trial, TRIAL_FIELDS), "moved_to_consumer": moved}


def trials_due_ids(today: dt.date | None = None) -> list[int]:
    """Trials the daily run must look at: pending consent, active or in grace, and ended
    trials still holding calling numbers."""
    return list(
        Trial.objects.unscoped()
        .filter(
            Q(status__in=[Trial.Status.PENDING_CONSENT, Trial.Status.ACTIVE, Trial.Status.GRACE])
            | Q(status=Trial.Status.ENDED, numbers_released_at__isnull=True)
        )
        .values_list("pk", flat=True)
    )
