"""Tenancy in one place: who may see or change which organisation, and the scoped
querysets, view mixins and viewsets built on it. Anything outside a person's reach
answers 404, the same as something that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

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


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, person: Person, action: str = VIEW) -> OrganizationQuerySet:
        """The organisations `person` may act on with `action`.

        A customer's people reach their own organisation. A partner's people reach their
        own and the customers related to the partner: all of them or only those they
        created or were assigned (by role), with full access for anything but
        provisioning. Read-only roles reach nothing for a change.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if not getattr(person, "is_authenticated", False) or person.organization_id is None:
            return self.none()
        role = person.role
        if action != VIEW and roles.is_read_only(role):
            return self.none()
        own = Q(pk=person.organization_id)
        if role in roles.CUSTOMER_ROLES:
            if action == USAGE_WRITE:
                return self.none()
            if action in (ADMIN, CHANGE, PROVISION) and not roles.is_full_admin(role):
                return self.none()
            return self.filter(own)

        from orgs.models import PartnerRelationship

        related = PartnerRelationship.objects.filter(partner_id=person.organization_id)
        if action != PROVISION:
            related = related.filter(access=PartnerRelationship.Access.FULL)
        if action == USAGE_WRITE:
            related = related.filter(is_managing=True)
        if not roles.reaches_all_customers(role):
            related = related.filter(
                Q(customer__created_by=person) | Q(customer__assignments__person=person)
            )
        customers = Q(pk__in=related.values("customer_id"))
        if action == ADMIN:
            own_org = own if roles.is_full_admin(role) else Q(pk__in=[])
            if role not in (roles.Role.PARTNER_FULL_ADMIN, roles.Role.PARTNER_ADMIN):
                customers = Q(pk__in=[])
            return self.filter(own_org | customers)
        return self.filter(own | customers)

    def customers(self) -> OrganizationQuerySet:
        return self.filter(kind="customer")

    def unscoped(self) -> OrganizationQuerySet:
        """Every organisation, whoever asks: for services, tasks and commands only."""
        return self.all()


class CustomerOwnedQuerySet(models.QuerySet):
    """Queryset of rows that belong to one customer through `customer_field`."""

    customer_field = "customer"

    def visible_to(self, person: Person, action: str = VIEW) -> CustomerOwnedQuerySet:
        from orgs.models import Organization

        allowed = Organization.objects.visible_to(person, action)
        return self.filter(**{f"{self.customer_field}__in": allowed})

    def unscoped(self) -> CustomerOwnedQuerySet:
        """Every row, whoever asks: for services, tasks and commands only."""
        return self.all()


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
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

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
