"""Every write to organisations and people: atomic, audited, emails after commit."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from orgs import roles
from orgs.audit import audit_record, audited_update, snapshot
from orgs.emails import absolute_url, email_send, english
from orgs.models import Organization, PartnerRelationship, Person
from orgs.regions import region_for_country
from orgs.tenancy import ADMIN, CHANGE, require

CUSTOMER_FIELDS = ["name", "industry", "country", "surge_percent"]


def person_email_available(email: str, *, organization: Organization | None = None) -> None:
    """One organisation per person: an email already in another organisation is refused,
    with a message that does not say where (or that) it is in use (issue 13.3)."""
    existing = Person.objects.filter(email__iexact=email).select_related("organization").first()
    if existing and organization is not None and existing.organization_id == organization.pk:
        raise ValidationError(
            {"email": _("%(email)s is already a member of this organisation.") % {"email": email}}
        )
    if existing:
        raise ValidationError({"email": email_unavailable_message()})


def email_unavailable_message() -> str:
    return _("This email address cannot be used here. Give another one.")


def set_password_url(person: Person) -> str:
    """A link for `person` to choose a password (Django's password-reset token)."""
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    return absolute_url(reverse("password_reset_confirm", args=[uid, token]))


@transaction.atomic
def person_create(
    *,
    actor: Person | None,
    organization: Organization,
    email: str,
    role: str,
    full_name: str = "",
    password: str | None = None,
    send_invitation: bool = True,
) -> Person:
    """Add a person to `organization` with `role`; invite them to choose a password."""
    require(actor, organization, ADMIN)
    email = email.strip().lower()
    if role not in roles.roles_for_kind(organization.kind):
        raise ValidationError({"role": _("That role does not exist in this organisation.")})
    person_email_available(email, organization=organization)
    person = Person.objects.create_user(
        email=email,
        password=password,
        organization=organization,
        role=role,
        full_name=full_name,
    )
    audit_record(
        actor=actor,
        organization=organization,
        action="person.create",
        obj=person,
        after=snapshot(person, ["email", "full_name", "role"]),
    )
    if send_invitation:
        email_send(
            to=[person.email],
            template="invitation",
            context={
                "organization": organization.name,
                "role": english(roles.Role(role).label),
                "invited_by": actor.get_full_name() if actor else "Switchboard",
                "set_password_url": set_password_url(person),
            },
        )
    return person


@transaction.atomic
def person_change_role(*, actor: Person, person: Person, role: str) -> Person:
    organization = person.organization
    require(actor, organization, ADMIN)
    person = _lock_people(person)
    if role not in roles.roles_for_kind(organization.kind):
        raise ValidationError({"role": _("That role does not exist in this organisation.")})
    if person.role == role:
        return person
    losing_full_admin = roles.is_full_admin(person.role) and not roles.is_full_admin(role)
    _keep_a_full_admin(person, leaving=losing_full_admin)
    audited_update(
        actor=actor,
        organization=organization,
        action="person.change_role",
        obj=person,
        changes={"role": role},
    )
    return person


@transaction.atomic
def person_remove(*, actor: Person, person: Person) -> None:
    organization = person.organization
    require(actor, organization, ADMIN)
    if person.pk == actor.pk:
        raise ValidationError({"person": _("You cannot remove yourself.")})
    person = _lock_people(person)
    _keep_a_full_admin(person, leaving=roles.is_full_admin(person.role))
    before = snapshot(person, ["email", "full_name", "role"])
    audit_record(
        actor=actor, organization=organization, action="person.remove", obj=person, before=before
    )
    person.delete()


def _lock_people(person: Person) -> Person:
    """Lock the person's organisation, then read the person again: changes to one
    organisation's people run one at a time, so two full admins leaving at once cannot
    both pass the "one full admin stays" check."""
    Organization.objects.unscoped().select_for_update().filter(pk=person.organization_id).first()
    return Person.objects.unscoped().select_related("organization").get(pk=person.pk)


def _keep_a_full_admin(person: Person, *, leaving: bool) -> None:
    if not leaving:
        return
    others = Person.objects.filter(organization=person.organization, role=person.role).exclude(
        pk=person.pk
    )
    if not others.exists():
        raise ValidationError({"role": _("An organisation keeps at least one full admin.")})


@transaction.atomic
def partner_create(
    *,
    name: str,
    admin_email: str,
    tier: int = 1,
    distributor: Organization | None = None,
    is_distributor: bool = False,
    country: str = "",
    actor: Person | None = None,
    password: str | None = None,
) -> tuple[Organization, Person, str]:
    """Create a partner with its full admin; returns both and the admin's API token."""
    if tier not in (1, 2):
        raise ValidationError({"tier": _("Tier is 1 or 2.")})
    if tier == 2 and distributor is None:
        raise ValidationError({"distributor": _("A tier 2 partner buys through a distributor.")})
    person_email_available(admin_email)
    partner = Organization.objects.create(
        name=name,
        kind=Organization.Kind.PARTNER,
        tier=tier,
        distributor=distributor,
        is_distributor=is_distributor,
        country=country,
    )
    admin = person_create(
        actor=None,
        organization=partner,
        email=admin_email,
        role=roles.Role.PARTNER_FULL_ADMIN,
        password=password,
        send_invitation=password is None,
    )
    partner.account_manager = admin
    partner.save(update_fields=["account_manager"])
    audit_record(
        actor=actor,
        organization=partner,
        action="organization.create",
        obj=partner,
        after=snapshot(partner, ["name", "tier", "distributor"]),
    )
    from orgs.apikeys import person_token_create

    _token, key = person_token_create(person=admin)
    return partner, admin, key


@transaction.atomic
def customer_create(
    *,
    actor: Person | None,
    partner: Organization,
    name: str,
    country: str,
    admin_email: str,
    industry: str = "",
    access: str = PartnerRelationship.Access.FULL,
    managing: bool = True,
    admin_password: str | None = None,
    send_invitation: bool = True,
) -> tuple[Organization, Person]:
    """A new customer organisation of `partner`, with its first full admin. The actor
    is one of the partner's people who may change it (not read-only)."""
    require(actor, partner, CHANGE)
    region_for_country(country)  # refuses anything that is not an ISO country
    person_email_available(admin_email)
    customer = Organization.objects.create(
        name=name,
        kind=Organization.Kind.CUSTOMER,
        country=country,
        industry=industry,
        created_by=actor,
    )
    PartnerRelationship.objects.create(
        partner=partner, customer=customer, access=access, is_managing=managing
    )
    audit_record(
        actor=actor,
        organization=customer,
        action="organization.create",
        obj=customer,
        after=snapshot(customer, CUSTOMER_FIELDS),
    )
    admin = person_create(
        actor=None,
        organization=customer,
        email=admin_email,
        role=roles.Role.CUSTOMER_FULL_ADMIN,
        password=admin_password,
        send_invitation=send_invitation,
    )
    return customer, admin


@transaction.atomic
def customer_update(*, actor: Person, customer: Organization, **changes) -> Organization:
    """Change a customer's own settings (name, industry, country, surge %)."""
    require(actor, customer, CHANGE)
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in unknown})
    errors = {}
    if (
        actor is not None
        and actor.role in roles.CUSTOMER_ROLES
        and "surge_percent" in changes
        and changes["surge_percent"] != customer.surge_percent
    ):
        errors["surge_percent"] = [_("Your partner sets the surge percentage.")]
    if "country" in changes and customer.country and changes["country"]:
        new_region = region_for_country(str(changes["country"]))
        if new_region != customer.data_region:
            errors["country"] = [
                _(
                    "The data-residency region is fixed when the organisation is created; "
                    "this country is in another region."
                )
            ]
    if errors:
        raise ValidationError(errors)
    before = snapshot(customer, CUSTOMER_FIELDS)
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.full_clean(exclude=["account_manager", "created_by", "distributor"])
    customer.save(update_fields=list(changes) or None)
    after = snapshot(customer, CUSTOMER_FIELDS)
    if after != before:
        audit_record(
            actor=actor,
            organization=customer,
            action="organization.update",
            obj=customer,
            before=before,
            after=after,
        )
    return customer
