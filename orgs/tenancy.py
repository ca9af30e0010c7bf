"""Tenancy in one place: who may see or change which rows. Read this module to learn it.

Every tenant model's manager is built on `TenantQuerySet`. Its `visible_to(person,
action)` first runs the opening every model shares (nobody logged in, or a person
without an organisation, reaches nothing; a read-only admin reaches nothing for any
action but VIEW), then the model's reach declared in `REACH` below. `unscoped()` is the
named, greppable bypass for services, tasks and commands; `can(person, obj, action)` is
the one yes/no question views ask. Anything outside a person's reach answers 404, the
same as something that does not exist (`get_visible_or_404`).

Declaring a new model's reach takes two lines. A model owned by a customer (an invoice,
say) gets the shared queryset and one line in `REACH`::

    # billing/models.py, on the model
    objects = TenantQuerySet.as_manager()
    # here, in REACH
    "billing.Invoice": Through("customer"),

A row owned through another tenant row follows the path to the organisation
(`"billing.Dispute": Through("invoice__customer")`); a row only a partner's people see
uses `PartnerOwned`. `tests/orgs/test_tenancy_rules.py` fails for a model built on
`TenantQuerySet` without a line here. This module names other apps' models only as
strings: `orgs` imports no other app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from orgs import roles

if TYPE_CHECKING:
    from orgs.models import Person

VIEW = "view"
CHANGE = "change"
PROVISION = "provision"
ADMIN = "admin"
# Posting usage events: the managing partner's people with full access (and its API keys
# with the usage:write scope); customers only read their usage.
USAGE_WRITE = "usage_write"
ACTIONS = (VIEW, CHANGE, PROVISION, ADMIN, USAGE_WRITE)


# ---- the shared queryset ----------------------------------------------------------------


class TenantQuerySet(models.QuerySet):
    """The queryset of every tenant model. Subclasses may add plain filters (e.g.
    `customers()`), never their own `visible_to` or `unscoped`: a model's reach is its
    line in `REACH`."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("visible_to", "unscoped"):
            if name in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} overrides {name}(): declare the model's reach in "
                    "orgs/tenancy.py REACH instead."
                )

    def visible_to(self, person: Person, action: str = VIEW) -> TenantQuerySet:
        """The rows `person` may act on with `action` (one of ACTIONS)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if not getattr(person, "is_authenticated", False) or person.organization_id is None:
            return self.none()
        if action != VIEW and roles.is_read_only(person.role):
            return self.none()
        return reach_of(self.model).scope(self, person, action)

    def unscoped(self) -> TenantQuerySet:
        """Every row, whoever asks: for services, tasks and commands only."""
        return self.all()


# The old name, kept so that code written before the base was renamed still imports.
CustomerOwnedQuerySet = TenantQuerySet


def _organizations():
    return apps.get_model("orgs", "Organization").objects


def _created_or_assigned(person: Person, customer_path: str = "customer") -> Q:
    """Customers a partner admin or sales admin reaches: those they created or were
    assigned (the other partner roles reach every customer of the partner)."""
    return Q(**{f"{customer_path}__created_by": person}) | Q(
        **{f"{customer_path}__assignments__person": person}
    )


# ---- the kinds of reach ----------------------------------------------------------------


class Reach:
    """How one model's rows are reached, after the shared opening of `visible_to`."""

    def scope(self, queryset, person: Person, action: str):
        raise NotImplementedError


class Organizations(Reach):
    """The organisation rule everything else leans on.

    A customer's people reach their own organisation (only full admins for a change). A
    partner's people reach their own and the customers related to the partner: all of
    them or only those they created or were assigned (by role), with full access for
    anything but provisioning. ADMIN (people, roles, audit log) is for full admins on
    their own organisation and partner (full) admins on their customers.
    """

    def scope(self, queryset, person, action):
        role = person.role
        own = Q(pk=person.organization_id)
        if role in roles.CUSTOMER_ROLES:
            if action == USAGE_WRITE:
                return queryset.none()
            if action != VIEW and not roles.is_full_admin(role):
                return queryset.none()
            return queryset.filter(own)
        relationship = apps.get_model("orgs", "PartnerRelationship")
        related = relationship.objects.filter(partner_id=person.organization_id)
        if action != PROVISION:
            related = related.filter(access=relationship.Access.FULL)
        if action == USAGE_WRITE:
            related = related.filter(is_managing=True)
        if not roles.reaches_all_customers(role):
            related = related.filter(_created_or_assigned(person))
        customers = Q(pk__in=related.values("customer_id"))
        if action == ADMIN:
            own_org = own if roles.is_full_admin(role) else Q(pk__in=[])
            if role not in (roles.Role.PARTNER_FULL_ADMIN, roles.Role.PARTNER_ADMIN):
                customers = Q(pk__in=[])
            return queryset.filter(own_org | customers)
        return queryset.filter(own | customers)


class Through(Reach):
    """Rows reached through the organisation at `path` (a customer, say): those whose
    organisation the person reaches with the same action, or always with `action`."""

    def __init__(self, path: str, action: str | None = None):
        self.path, self.action = path, action

    def scope(self, queryset, person, action):
        reached = _organizations().visible_to(person, self.action or action)
        return queryset.filter(**{f"{self.path}__in": reached})


class PartnerOwned(Reach):
    """Rows of a partner (`partner`): its people reach all of them; a customer's people
    reach the rows of the customers they reach (`otherwise`)."""

    def __init__(self, partner: str, otherwise: Reach):
        self.partner, self.otherwise = partner, otherwise

    def scope(self, queryset, person, action):
        if person.role in roles.PARTNER_ROLES:
            return queryset.filter(**{f"{self.partner}_id": person.organization_id})
        return self.otherwise.scope(queryset, person, action)


class PartnerRun(Reach):
    """Rows a partner runs for a customer (trials), which exist before the partner is
    related to the customer (consent pending). A partner's people reach those of their
    partner (partner admins and sales admins only those of customers they created or
    were assigned, or rows they created); only sales roles change them. A customer's
    people see the rows on their own organisation and change none of them."""

    def scope(self, queryset, person, action):
        role = person.role
        if role in roles.CUSTOMER_ROLES:
            if action != VIEW:
                return queryset.none()
            return queryset.filter(customer_id=person.organization_id)
        if action != VIEW and not roles.may_sell(role):
            return queryset.none()
        mine = queryset.filter(partner_id=person.organization_id)
        if roles.reaches_all_customers(role):
            return mine
        return mine.filter(Q(created_by=person) | _created_or_assigned(person)).distinct()


class SentToDistributor(Reach):
    """Requests a partner sends its distributor: the distributor's people see and (but
    read-only) process them; the requesting partner's people see their own."""

    def scope(self, queryset, person, action):
        if person.role not in roles.PARTNER_ROLES:
            return queryset.none()
        org = person.organization_id
        if action == VIEW:
            return queryset.filter(Q(distributor_id=org) | Q(trial__partner_id=org))
        return queryset.filter(distributor_id=org)


class IssuedByPartner(Reach):
    """Rows a partner issued to a customer (invoices): reached through the customer, and
    for a partner's people only those their own partner issued (a trial partner never
    sees another partner's)."""

    def __init__(self, partner: str = "partner", customer: str = "customer"):
        self.partner, self.through = partner, Through(customer)

    def scope(self, queryset, person, action):
        rows = self.through.scope(queryset, person, action)
        if person.role in roles.PARTNER_ROLES:
            rows = rows.filter(**{f"{self.partner}_id": person.organization_id})
        return rows


class SettledByPartner(Reach):
    """Disputes of invoices: seen by whoever sees the invoice they dispute; changed
    (settled) only by the issuing partner's full admins. Opening one is a customer full
    admin's act on the invoice (billing.services.dispute_open), not a change of a
    dispute."""

    def __init__(self, partner: str = "invoice__partner", customer: str = "customer"):
        self.seen = IssuedByPartner(partner, customer)

    def scope(self, queryset, person, action):
        if action != VIEW and person.role != roles.Role.PARTNER_FULL_ADMIN:
            return queryset.none()
        return self.seen.scope(queryset, person, action)


CUSTOMER_OWNED = Through("customer")

# ---- who reaches what: one line a model -------------------------------------------------

REACH: dict[str, Reach] = {
    # orgs
    "orgs.Organization": Organizations(),
    "orgs.Person": Through("organization"),
    "orgs.PartnerRelationship": CUSTOMER_OWNED,
    "orgs.CustomerAssignment": CUSTOMER_OWNED,
    "orgs.AuditLog": Through("organization", action=ADMIN),  # full admins read the log
    # subscriptions
    "subscriptions.Order": PartnerOwned("partner", otherwise=CUSTOMER_OWNED),
    "subscriptions.Subscription": CUSTOMER_OWNED,
    # trials
    "trials.Trial": PartnerRun(),
    "trials.ConversionRequest": SentToDistributor(),
    # usage
    "usage.DailyUsage": CUSTOMER_OWNED,
    "usage.CycleUsage": CUSTOMER_OWNED,
    "usage.AgentSession": CUSTOMER_OWNED,
    "usage.IvrSession": CUSTOMER_OWNED,
    "usage.DigitalUsage": CUSTOMER_OWNED,
    "usage.DirtyDay": CUSTOMER_OWNED,
    "usage.NamedCycleState": CUSTOMER_OWNED,
    "usage.NamedAgentFirstDay": CUSTOMER_OWNED,
    "usage.OverageAlertSettings": CUSTOMER_OWNED,
    "usage.OverageAlert": CUSTOMER_OWNED,
    # billing
    "billing.BillingDetails": CUSTOMER_OWNED,
    "billing.Invoice": IssuedByPartner(),
    "billing.InvoiceLine": CUSTOMER_OWNED,
    "billing.ClosedCycle": CUSTOMER_OWNED,
    "billing.Dispute": SettledByPartner(),
}


def reach_of(model) -> Reach:
    try:
        return REACH[model._meta.label]
    except KeyError:
        raise LookupError(
            f"{model._meta.label} has no reach: add a line for it to REACH in orgs/tenancy.py"
        ) from None


# ---- the questions views ask ------------------------------------------------------------


def visible_rows(model, person: Person, reach: tuple[str, ...] = (VIEW,)) -> TenantQuerySet:
    """The rows of `model` `person` reaches by any action of `reach`: what a list shows."""
    manager = model._default_manager
    rows = manager.visible_to(person, reach[0])
    for action in reach[1:]:
        rows = rows | manager.visible_to(person, action)
    return rows


def refuse_overrides(cls, names: tuple[str, ...]) -> None:
    """For the base list views: a subclass narrows the scoped rows, never replaces them."""
    for name in names:
        if name in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} defines {name}(): narrow the scoped rows in narrow() instead."
            )


def can(person: Person, obj, action: str = VIEW) -> bool:
    """May `person` do `action` to `obj` (a row of a tenant model)?"""
    if obj is None or obj.pk is None:
        return False
    manager = type(obj)._default_manager
    return manager.visible_to(person, action).filter(pk=obj.pk).exists()


def require(person: Person | None, obj, action: str, message: str = "") -> None:
    """The one permission check of a service: PermissionDenied unless `person` may do
    `action` to `obj` (`can`). None is the system itself (a task, a command, the holder of
    a signed link the caller has checked), which needs no check.

    Views resolve the object first (`get_visible_or_404`: another tenant's answers 404),
    and every service that writes on a person's behalf asks this, so a caller that forgot
    its own check cannot change what the person may not."""
    if person is None:
        return
    if not can(person, obj, action):
        raise PermissionDenied(message) if message else PermissionDenied


def get_visible_or_404(
    queryset: models.QuerySet,
    person: Person,
    pk,
    action: str = VIEW,
    *,
    reach: tuple[str, ...] = (VIEW,),
):
    """The object `pk` of `queryset` if `person` reaches it (by any action of `reach`),
    else 404; 403 when they reach it but may not do `action` to it (a read-only admin,
    say)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    reachable = queryset.none()
    for way in reach:
        reachable = reachable | queryset.visible_to(person, way)
    obj = reachable.filter(pk=pk).first()
    if obj is None:
        raise Http404
    if action not in reach and not queryset.visible_to(person, action).filter(pk=pk).exists():
        raise PermissionDenied
    return obj
