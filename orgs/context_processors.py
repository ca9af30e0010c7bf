"""Navigation by role: what the base layout shows a person."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from orgs import roles


def navigation(request) -> dict:
    person = getattr(request, "user", None)
    if person is None or not person.is_authenticated or person.organization_id is None:
        return {"nav_items": [], "nav_current": None}
    org_id = person.organization_id
    items: list[tuple[str, str]] = []
    if person.role in roles.PARTNER_ROLES:
        items.append((_("Customers"), reverse("customer-list")))
        items.append((_("Orders"), reverse("order-list")))
        items.append((_("Usage"), reverse("usage-overview")))
        items.append((_("Invoices"), reverse("billing:invoice-list")))
        items.append((_("Disputes"), reverse("billing:dispute-list")))
    else:
        items.append((_("Home"), reverse("customer-detail", args=[org_id])))
        if person.organization.kind == "customer":
            items.append((_("Invoices"), reverse("billing:customer-invoices", args=[org_id])))
    if person.role in roles.PARTNER_ROLES:
        items.append((_("Trials"), reverse("trial-list")))
        if person.organization.is_distributor:
            items.append((_("Conversion requests"), reverse("trial-conversion-requests")))
    if roles.is_full_admin(person.role):
        items.append((_("People"), reverse("people", args=[org_id])))
        items.append((_("Audit log"), reverse("audit-log", args=[org_id])))
    if person.role == roles.Role.PARTNER_FULL_ADMIN:
        items.append((_("API keys"), reverse("api-keys")))
    if person.role in roles.PARTNER_ROLES:
        items.append((_("API"), reverse("api-docs")))
    # The section the page belongs to: the longest menu URL the path starts with.
    matches = [url for _label, url in items if request.path.startswith(url)]
    return {"nav_items": items, "nav_current": max(matches, key=len, default=None)}
