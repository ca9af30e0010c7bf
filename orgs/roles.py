"""Roles and what each may do: pure rules, no I/O (SPEC §1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PARTNER_FULL_ADMIN = "partner_full_admin", _("Partner full admin")
    PARTNER_ADMIN = "partner_admin", _("Partner admin")
    SALES_FULL_ADMIN = "sales_full_admin", _("Sales full admin")
    SALES_ADMIN = "sales_admin", _("Sales admin")
    PARTNER_READ_ONLY = "partner_read_only", _("Read-only admin")
    CUSTOMER_FULL_ADMIN = "customer_full_admin", _("Full admin")
    CUSTOMER_READ_ONLY = "customer_read_only", _("Read-only admin")


PARTNER_ROLES = frozenset(
    {
        Role.PARTNER_FULL_ADMIN,
        Role.PARTNER_ADMIN,
        Role.SALES_FULL_ADMIN,
        Role.SALES_ADMIN,
        Role.PARTNER_READ_ONLY,
    }
)
CUSTOMER_ROLES = frozenset({Role.CUSTOMER_FULL_ADMIN, Role.CUSTOMER_READ_ONLY})

# Partner roles that reach every customer of the partner; the others reach only the
# customers they created or were assigned.
_ALL_CUSTOMERS = frozenset({Role.PARTNER_FULL_ADMIN, Role.SALES_FULL_ADMIN, Role.PARTNER_READ_ONLY})
_READ_ONLY = frozenset({Role.PARTNER_READ_ONLY, Role.CUSTOMER_READ_ONLY})
_SALES = frozenset({Role.SALES_FULL_ADMIN, Role.SALES_ADMIN})
_FULL_ADMINS = frozenset({Role.PARTNER_FULL_ADMIN, Role.CUSTOMER_FULL_ADMIN})


def roles_for_kind(kind: str) -> frozenset[str]:
    """The roles a person of an organisation of `kind` may hold."""
    return (
        PARTNER_ROLES
        if kind == "partner"
        else CUSTOMER_ROLES
        if kind == "customer"
        else frozenset()
    )


def least_powerful_role(kind: str) -> str | None:
    """The role a new person of an organisation of `kind` gets unless another is chosen."""
    return (
        Role.PARTNER_READ_ONLY
        if kind == "partner"
        else Role.CUSTOMER_READ_ONLY
        if kind == "customer"
        else None
    )


def reaches_all_customers(role: str) -> bool:
    return role in _ALL_CUSTOMERS


def is_read_only(role: str) -> bool:
    return role in _READ_ONLY


def is_full_admin(role: str) -> bool:
    """Full admins manage people and roles and read the audit log."""
    return role in _FULL_ADMINS


def may_sell(role: str) -> bool:
    """Only sales admins start and manage trials (SPEC §1, §4)."""
    return role in _SALES


def may_place_orders(role: str) -> bool:
    return role in _SALES or role in {Role.PARTNER_FULL_ADMIN, Role.PARTNER_ADMIN}
