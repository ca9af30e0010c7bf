"""A customer's billing details: address, VAT number, PO number, billing contacts."""

from __future__ import annotations

from django.db import transaction

from billing import vat
from billing.models import (
    BillingDetails,
)
from orgs.audit import audit_record, snapshot
from orgs.models import Organization, Person
from orgs.tenancy import CHANGE, require

# --- billing details -------------------------------------------------------------------------


def billing_details_of(customer: Organization) -> BillingDetails:
    return BillingDetails.objects.unscoped().filter(customer=customer).first() or BillingDetails(
        customer=customer
    )


DETAIL_FIELDS = [
    "billing_address",
    "service_to_address",
    "vat_number",
    "purchase_order",
    "billing_emails",
]


def billing_details_update(
    *, actor: Person, customer: Organization, changes: dict
) -> BillingDetails:
    """Save a customer's billing details, audited; `tax_rate` only from partner people
    (the caller checks the role). The VAT number must be a valid EU number of the
    customer's country when the customer is in the EU."""
    require(actor, customer, CHANGE)
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.utils.translation import gettext as _

    errors = {}
    if changes.get("vat_number"):
        country = str(customer.country or "")
        problem = (
            vat.vat_number_problem(changes["vat_number"], country)
            if country in vat.EU_COUNTRIES
            else None
        )
        if problem == "invalid":
            errors["vat_number"] = _("Not a valid EU VAT number.")
        elif problem == "country":
            errors["vat_number"] = _("This VAT number is not of the customer's country.")
    for address in [
        e.strip() for e in (changes.get("billing_emails") or "").replace(",", "\n").splitlines()
    ]:
        if address:
            try:
                validate_email(address)
            except ValidationError:
                errors["billing_emails"] = _("%(address)s is not a valid email address.") % {
                    "address": address
                }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        details = billing_details_of(customer)
        fields = [*DETAIL_FIELDS, "tax_rate"]
        before = snapshot(details, fields) if details.pk else None
        for name, value in changes.items():
            if name in fields:
                setattr(details, name, value)
        details.save()
        audit_record(
            actor=actor,
            organization=customer,
            action="billing_details.update",
            obj=details,
            before=before,
            after=snapshot(details, fields),
        )
    return details
