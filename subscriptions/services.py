"""Every write to orders and subscriptions: atomic, audited, emails after commit.

`order_provision` is THE provisioning service: the API endpoint and the browser wizard
both call it. The rules it applies live in `subscriptions.rules`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import clock, roles
from orgs import services as org_services
from orgs.audit import audit_record, audited_update, snapshot
from orgs.emails import absolute_url, email_send
from orgs.models import Organization, PartnerRelationship, Person
from orgs.regions import region_for_country
from subscriptions import links, money, rules, sites
from subscriptions.models import Offer, Order, OrderLine, Sku, Subscription

ORDER_FIELDS = [
    "web_order_id",
    "offer",
    "requested_start_date",
    "provisioning_contact_email",
    "status",
    "customer",
    "setup_by",
    "customer_admin_email",
    "delegated_to_email",
]
SUBSCRIPTION_FIELDS = [
    "customer",
    "order",
    "status",
    "start_date",
    "agent_model",
    "standard_agents",
    "premium_agents",
    "addon_ivr_ports",
    "country_of_operation",
    "meeting_site_url",
    "subdomain",
]


class SetupBy:
    """Who runs the provisioning wizard (step 2)."""

    ME = "me"
    COLLEAGUE = "colleague"
    CUSTOMER = "customer"
    CHOICES = (ME, COLLEAGUE, CUSTOMER)


def _today() -> date:
    return clock.today()


def _require_order_writer(actor: Person | None, partner: Organization) -> None:
    """Partner people who may place orders, in the order's own partner."""
    if actor is None:
        return  # the system itself, or a Set up now link holder
    if actor.organization_id != partner.pk or not roles.may_place_orders(actor.role):
        raise PermissionDenied


def _clean_email(field: str, value: str) -> str:
    value = (value or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError({field: _("Enter a valid email address.")}) from None
    return value


# Orders -------------------------------------------------------------------------------


@transaction.atomic
def order_place(
    *,
    actor: Person | None,
    partner: Organization,
    web_order_id: str,
    offer_code: str,
    requested_start_date: date,
    provisioning_contact_email: str,
    lines: list[tuple],
    currency: str | None = None,
    send_setup_email: bool = True,
) -> Order:
    """Record a partner's order; the overage SKU of every committed SKU is added at
    quantity 0. The Set up now email goes at once when the RSD is today or past, unless
    the caller provisions the order itself straight away (`send_setup_email=False`).

    A line is `(sku, quantity)` or `(sku, quantity, unit_price)`, optionally with a
    fourth item, the unit price of its overage SKU. Prices are fixed now (SPEC §6): the
    catalogue's unless given. An order in another currency than the catalogue's must
    give every price, since the catalogue's would be in the wrong currency."""
    _require_order_writer(actor, partner)
    errors: dict[str, str] = {}
    default_currency = money.catalogue_currency()
    currency = default_currency if currency in (None, "") else currency
    problem = money.currency_problem(currency)
    if problem:
        errors["currency"] = problem
    # An unknown currency is reported once, not again on every line without a price.
    in_catalogue_currency = problem is not None or currency == default_currency
    if not partner.is_partner:
        raise ValidationError({"partner": _("Only partners place orders.")})
    web_order_id = (web_order_id or "").strip()
    if not web_order_id:
        errors["web_order_id"] = _("This field is required.")
    elif Order.objects.unscoped().filter(partner=partner, web_order_id=web_order_id).exists():
        errors["web_order_id"] = _("An order with this web order id already exists.")
    offer = Offer.objects.filter(code__iexact=(offer_code or "").strip()).first()
    if offer is None:
        errors["offer"] = _("Unknown offer %(code)s.") % {"code": offer_code}
    if not isinstance(requested_start_date, date):
        errors["requested_start_date"] = _("Enter a date.")
    try:
        provisioning_contact_email = _clean_email(
            "provisioning_contact_email", provisioning_contact_email
        )
    except ValidationError:
        errors["provisioning_contact_email"] = _("Enter a valid email address.")

    skus = {sku.code: sku for sku in Sku.objects.select_related("offer", "overage_sku")}
    chosen: list[tuple[Sku, int]] = []
    prices: dict[str, Decimal] = {}
    seen: set[str] = set()
    if not lines:
        errors["lines"] = _("An order needs at least one line.")
    for index, (code, quantity, *given) in enumerate(lines or []):
        code = (code or "").strip().upper()
        sku = skus.get(code)
        for position, field in enumerate(("unit_price", "overage_unit_price")):
            value = given[position] if len(given) > position else None
            if value is None or value == "":
                if not in_catalogue_currency and (
                    field == "unit_price" or (sku is not None and hasattr(sku, "overage_sku"))
                ):
                    errors[f"lines[{index}].{field}"] = _(
                        "Required: the catalogue's prices are in %(currency)s."
                    ) % {"currency": default_currency}
                continue
            price, problem = money.parse_price(value)
            if problem:
                errors[f"lines[{index}].{field}"] = problem
            elif sku is not None:
                target = sku if field == "unit_price" else getattr(sku, "overage_sku", None)
                if target is None:
                    errors[f"lines[{index}].{field}"] = _("%(code)s has no overage SKU.") % {
                        "code": code
                    }
                else:
                    prices[target.code] = price
        if sku is None:
            errors[f"lines[{index}].sku"] = _("Unknown SKU %(code)s.") % {"code": code}
        elif sku.is_overage:
            errors[f"lines[{index}].sku"] = _(
                "%(code)s is an overage SKU; it is added to every order automatically."
            ) % {"code": code}
        elif code in seen:
            errors[f"lines[{index}].sku"] = _("%(code)s appears twice.") % {"code": code}
        elif offer and not rules.sku_fits_offer(
            code, sku.offer.code if sku.offer else None, offer.code
        ):
            errors[f"lines[{index}].sku"] = _("%(code)s is not sold with offer %(offer)s.") % {
                "code": code,
                "offer": offer.code,
            }
        seen.add(code)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            errors[f"lines[{index}].quantity"] = _("Enter a whole number of at least 1.")
        elif quantity > 100_000:
            errors[f"lines[{index}].quantity"] = _("Enter at most 100000.")
        if sku is not None and f"lines[{index}].sku" not in errors:
            chosen.append((sku, quantity))
    if not errors:
        try:
            rules.agent_model_of(_facts(chosen))
        except rules.RuleError as exc:
            errors[exc.field] = exc.message
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            order = Order.objects.create(
                partner=partner,
                web_order_id=web_order_id,
                offer=offer,
                requested_start_date=requested_start_date,
                provisioning_contact_email=provisioning_contact_email,
                currency=currency,
                created_by=actor,
            )
    except IntegrityError:
        # Two posts of the same order at once: the second loses, as if it came later.
        raise ValidationError(
            {"web_order_id": _("An order with this web order id already exists.")}
        ) from None
    def price_of(sku: Sku) -> Decimal:
        return prices.get(sku.code, sku.unit_price)

    order_lines = [
        OrderLine(order=order, sku=sku, quantity=quantity, unit_price=price_of(sku))
        for sku, quantity in chosen
    ]
    # Overage is billed in arrears: its line is there for pricing, at quantity 0.
    order_lines += [
        OrderLine(
            order=order, sku=sku.overage_sku, quantity=0, unit_price=price_of(sku.overage_sku)
        )
        for sku, _quantity in chosen
        if hasattr(sku, "overage_sku")
    ]
    OrderLine.objects.bulk_create(order_lines)
    audit_record(
        actor=actor,
        organization=partner,
        action="order.place",
        obj=order,
        after={
            **snapshot(order, ORDER_FIELDS),
            "currency": currency,
            "lines": [
                f"{line.sku.code} × {line.quantity} @ {line.unit_price}" for line in order_lines
            ],
        },
    )
    if send_setup_email and rules.setup_email_due(requested_start_date, _today()):
        order = order_setup_email_send(actor=None, order=order)
    return order


def _facts(chosen: list[tuple[Sku, int]]) -> list[rules.LineFacts]:
    return [
        rules.LineFacts(
            usage_type=sku.usage_type,
            agent_model=sku.agent_model,
            quantity=quantity,
            is_overage=sku.is_overage,
        )
        for sku, quantity in chosen
    ]


def order_commitments(order: Order) -> rules.Commitments:
    lines = order.lines.select_related("sku")
    return rules.commitments(_facts([(line.sku, line.quantity) for line in lines]))


@transaction.atomic
def order_setup_email_send(*, actor: Person | None, order: Order) -> Order:
    """Email the provisioning contact the Set up now link (first time or again).

    The close deadline runs from the first email; resending does not extend it.
    """
    _require_order_writer(actor, order.partner)
    order = Order.objects.unscoped().select_for_update().select_related("offer").get(pk=order.pk)
    if not order.is_open:
        raise ValidationError({"order": _("This order is no longer waiting for provisioning.")})
    now = timezone.now()
    first = order.setup_email_sent_at is None
    if first:
        order.setup_email_sent_at = now
        order.save(update_fields=["setup_email_sent_at"])
    _send_setup_link(order, order.provisioning_contact_email, role="partner")
    audit_record(
        actor=actor,
        organization=order.partner,
        action="order.setup_email" if first else "order.setup_email_resend",
        obj=order,
        after={"to": order.provisioning_contact_email},
    )
    return order


def _send_setup_link(order: Order, email: str, *, role: str, sent_by: str = "") -> None:
    deadline = rules.close_deadline(order.offer.code, order.setup_email_sent_at or timezone.now())
    email_send(
        to=[email],
        template="setup_now",
        context={
            "partner": order.partner.name,
            "web_order_id": order.web_order_id,
            "offer": order.offer.name,
            "offer_code": order.offer.code,
            "requested_start_date": order.requested_start_date.isoformat(),
            "deadline": deadline.date().isoformat(),
            "role": role,
            "sent_by": sent_by,
            "setup_url": links.setup_url(order_id=order.pk, email=email, role=role),
        },
    )


@transaction.atomic
def order_contact_update(
    *, actor: Person | None, order: Order, provisioning_contact_email: str, resend: bool = True
) -> Order:
    """Change the provisioning contact of an open order; links to the old one die."""
    _require_order_writer(actor, order.partner)
    email = _clean_email("provisioning_contact_email", provisioning_contact_email)
    order = Order.objects.unscoped().select_for_update().get(pk=order.pk)
    if not order.is_open:
        raise ValidationError(
            {"provisioning_contact_email": _("A provisioned or closed order cannot change.")}
        )
    audited_update(
        actor=actor,
        organization=order.partner,
        action="order.contact_update",
        obj=order,
        changes={"provisioning_contact_email": email},
    )
    if resend and order.setup_email_sent_at is not None:
        order_setup_email_send(actor=actor, order=order)
    return order


@transaction.atomic
def order_wizard_opened(*, order: Order) -> Order:
    """The provisioning wizard was opened (past the link page): set-up has started."""
    order = Order.objects.unscoped().select_for_update().get(pk=order.pk)
    changed = []
    if order.wizard_opened_at is None:
        order.wizard_opened_at = timezone.now()
        changed.append("wizard_opened_at")
    if order.status == Order.Status.AWAITING:
        order.status = Order.Status.SETUP_STARTED
        changed.append("status")
    if changed:
        order.save(update_fields=changed)
    return order


@transaction.atomic
def order_setup_delegate(
    *, actor: Person | None, order: Order, setup_by: str, email: str, sent_by: str = ""
) -> Order:
    """Hand the wizard to a colleague or to the customer: they get a fresh link."""
    if setup_by not in (SetupBy.COLLEAGUE, SetupBy.CUSTOMER):
        raise ValidationError({"setup_by": _("Choose a colleague or the customer.")})
    email = _clean_email("email", email)
    order = Order.objects.unscoped().select_for_update().select_related("offer").get(pk=order.pk)
    if not order.is_open:
        raise ValidationError({"order": _("This order is no longer waiting for provisioning.")})
    changes = {"setup_by": setup_by, "delegated_to_email": email}
    if setup_by == SetupBy.CUSTOMER:
        changes["customer_admin_email"] = email
    audited_update(
        actor=actor,
        organization=order.partner,
        action="order.setup_delegate",
        obj=order,
        changes=changes,
    )
    role = "customer" if setup_by == SetupBy.CUSTOMER else "partner"
    _send_setup_link(order, email, role=role, sent_by=sent_by)
    return order


@transaction.atomic
def order_close_if_due(*, order_id: int, now=None) -> Order | None:
    """Close an unprovisioned order whose deadline has passed. Safe to run twice."""
    now = now or timezone.now()
    order = (
        (Order.objects.unscoped().select_for_update().select_related("offer", "partner"))
        .filter(pk=order_id)
        .first()
    )
    if order is None or not order.is_open or order.setup_email_sent_at is None:
        return order
    if now < rules.close_deadline(order.offer.code, order.setup_email_sent_at):
        return order
    audited_update(
        actor=None,
        organization=order.partner,
        action="order.close",
        obj=order,
        changes={"status": Order.Status.CLOSED, "closed_at": now},
        audited=["status"],
    )
    recipients = [order.provisioning_contact_email]
    if order.partner.account_manager_id:
        recipients.append(order.partner.account_manager.email)
    email_send(
        to=recipients,
        template="order_closed",
        context={"web_order_id": order.web_order_id, "partner": order.partner.name},
    )
    return order


@transaction.atomic
def order_account_manager_notify_if_due(*, order_id: int, today: date | None = None):
    """One day after the RSD, tell the account manager of a wizard nobody opened."""
    today = today or _today()
    order = (
        (Order.objects.unscoped().select_for_update().select_related("partner"))
        .filter(pk=order_id)
        .first()
    )
    if (
        order is None
        or not order.is_open
        or order.wizard_opened_at is not None
        or order.account_manager_notified_at is not None
        or not rules.account_manager_due(order.requested_start_date, today)
    ):
        return order
    order.account_manager_notified_at = timezone.now()
    order.save(update_fields=["account_manager_notified_at"])
    manager = order.partner.account_manager
    if manager is not None:
        email_send(
            to=[manager.email],
            template="order_not_opened",
            context={
                "web_order_id": order.web_order_id,
                "partner": order.partner.name,
                "provisioning_contact_email": order.provisioning_contact_email,
                "requested_start_date": order.requested_start_date.isoformat(),
                "order_url": absolute_url(reverse("order-detail", args=[order.pk])),
            },
        )
    audit_record(
        actor=None,
        organization=order.partner,
        action="order.account_manager_notified",
        obj=order,
        after={"to": manager.email if manager else ""},
    )
    return order


# Provisioning -------------------------------------------------------------------------


def organization_suggestions(
    *, partner: Organization, customer_admin_email: str, company_name: str, limit: int = 5
) -> list[Organization]:
    """Existing customer organisations the order may belong to: the admin email's own
    organisation first, then those whose name starts like the company's and whose admins
    share the email's domain. Only what the link's user could know already: the exact
    email names its organisation, while name-and-domain matches come only from customers
    related to the order's `partner` (never a list of other partners' customers)."""
    email = (customer_admin_email or "").strip().lower()
    found: list[Organization] = []
    owner = (
        Person.objects.filter(email__iexact=email, organization__kind="customer")
        .select_related("organization")
        .first()
        if email
        else None
    )
    if owner:
        found.append(owner.organization)
    prefix = rules.name_prefix(company_name or "")
    domain = rules.email_domain(email)
    if len(prefix) == rules.NAME_PREFIX_LENGTH and domain:
        candidates = (
            Organization.objects.unscoped()
            .customers()
            .filter(partner_relationships__partner=partner)
            .filter(people__email__iendswith=f"@{domain}")
            .exclude(pk__in=[org.pk for org in found])
            .distinct()
            .order_by("name", "id")
        )
        found += [org for org in candidates if rules.name_prefix(org.name) == prefix]
    return found[:limit]


def resolve_organization(
    *, partner: Organization, organization: str | int | Organization, customer_admin_email: str
) -> Organization | None:
    """ "new" → None; an id or organisation → that customer, if this partner may map onto
    it: related to the partner, or one whose full admin the given email is. Anything
    else is "unknown" (never reveal that another partner's customer exists). An
    organisation handed in is checked as its id would be: the caller's word is not reach."""
    if isinstance(organization, Organization):
        organization = "" if organization.pk is None else organization.pk
    if str(organization).strip().lower() == "new":
        return None
    unknown = ValidationError({"organization": _('Give "new" or the id of an organisation.')})
    try:
        pk = int(str(organization).strip())
    except ValueError:
        raise unknown from None
    customers = Organization.objects.unscoped().customers().filter(pk=pk)
    related = customers.filter(partner_relationships__partner=partner)
    admin_of = customers.filter(
        people__email__iexact=customer_admin_email.strip(),
        people__role=roles.Role.CUSTOMER_FULL_ADMIN,
    )
    found = related.first() or admin_of.first()
    if found is None:
        raise unknown
    return found


@transaction.atomic
def order_provision(
    *,
    actor: Person | None,
    order: Order,
    customer_admin_email: str,
    company_name: str,
    country: str,
    organization: str | int | Organization = "new",
    setup_by: str = SetupBy.ME,
    industry: str = "",
    partner_admin_email: str = "",
    partner_name: str = "",
    partner_country: str = "",
    activate: bool = False,
) -> Subscription:
    """Provision `order`: a new customer organisation (or the existing one it maps onto)
    and a subscription with the order's commitments starting on the RSD. Kills the link.

    `setup_by` = "customer" leaves the partner with provisioning-only access: no admin
    access to the customer's organisation. On a partner's first order (no people yet),
    `partner_admin_email` (with `partner_name`, `partner_country`) creates the partner
    organisation's first full admin, who is invited to choose a password.

    The subscription waits for the customer's setup wizard (pending set-up) unless
    `activate` (machines provisioning through the API): then billing starts at once.
    """
    _require_order_writer(actor, order.partner)
    order = (
        Order.objects.unscoped()
        .select_for_update()
        .select_related("partner", "offer")
        .get(pk=order.pk)
    )
    if not order.is_open:
        raise ValidationError(
            {
                "order": _("This order is already %(status)s.")
                % {"status": order.get_status_display().lower()}
            }
        )
    if setup_by not in SetupBy.CHOICES:
        raise ValidationError({"setup_by": _("Choose me, colleague or customer.")})
    errors: dict[str, str] = {}
    try:
        customer_admin_email = _clean_email("customer_admin_email", customer_admin_email)
    except ValidationError:
        errors["customer_admin_email"] = _("Enter a valid email address.")
    company_name = (company_name or "").strip()
    if not company_name:
        errors["company_name"] = _("This field is required.")
    country = (country or "").strip().upper()
    try:
        region_for_country(country)
    except (ValueError, KeyError, LookupError):
        errors["country"] = _("Choose a country (ISO 3166 code).")
    if errors:
        raise ValidationError(errors)

    partner = order.partner
    if partner_admin_email:
        _partner_first_admin(
            partner=partner,
            email=partner_admin_email,
            name=partner_name,
            country=partner_country,
        )
    customer = resolve_organization(
        partner=partner, organization=organization, customer_admin_email=customer_admin_email
    )
    order_commit = order_commitments(order)
    partner_access = (
        PartnerRelationship.Access.PROVISIONING
        if setup_by == SetupBy.CUSTOMER
        else PartnerRelationship.Access.FULL
    )
    new_admin: Person | None = None
    if customer is None:
        owner = Person.objects.filter(email__iexact=customer_admin_email).first()
        if owner is not None:
            # Neutral: the wizard suggests the organisation this email administers.
            raise ValidationError(
                {
                    "customer_admin_email": _(
                        "This email address cannot be the admin of a new organisation. "
                        "Give another one, or choose the existing organisation it administers."
                    )
                }
            )
        agent_model = rules.subscription_agent_model(order_commit.agent_model, [])
        customer, new_admin = org_services.customer_create(
            actor=actor,
            partner=partner,
            name=company_name,
            country=country,
            admin_email=customer_admin_email,
            industry=industry,
            access=partner_access,
            managing=True,
            send_invitation=False,
        )
    else:
        agent_model = _map_onto(
            partner=partner,
            customer=customer,
            customer_admin_email=customer_admin_email,
            order_model=order_commit.agent_model,
        )

    subscription = Subscription.objects.create(
        customer=customer,
        order=order,
        status=Subscription.Status.PENDING_SETUP,
        start_date=order.requested_start_date,
        agent_model=agent_model,
        standard_agents=order_commit.standard_agents,
        premium_agents=order_commit.premium_agents,
        addon_ivr_ports=order_commit.addon_ivr_ports,
        country_of_operation=country,
    )
    before = snapshot(order, ORDER_FIELDS)
    order.status = Order.Status.PROVISIONED
    order.customer = customer
    order.customer_admin_email = customer_admin_email
    order.setup_by = setup_by
    order.provisioned_at = timezone.now()
    order.save(
        update_fields=["status", "customer", "customer_admin_email", "setup_by", "provisioned_at"]
    )
    for organization_ in (partner, customer):
        audit_record(
            actor=actor,
            organization=organization_,
            action="order.provision",
            obj=order,
            before=before if organization_ == partner else None,
            after=snapshot(order, ORDER_FIELDS),
        )
    audit_record(
        actor=actor,
        organization=customer,
        action="subscription.create",
        obj=subscription,
        after=snapshot(subscription, SUBSCRIPTION_FIELDS),
    )
    if activate:
        subscription = subscription_activate(
            actor=None, subscription=subscription, country_of_operation=country
        )
    email_send(
        to=[customer_admin_email],
        template="customer_welcome",
        context={
            "customer": customer.name,
            "partner": partner.name,
            "web_order_id": order.web_order_id,
            "set_password_url": org_services.set_password_url(new_admin) if new_admin else "",
            "home_url": absolute_url(reverse("customer-detail", args=[customer.pk])),
        },
    )
    return subscription


def partner_needs_creating(partner: Organization) -> bool:
    """A partner organisation with nobody in it yet: its first order creates it."""
    return not partner.people.exists()


def _partner_first_admin(*, partner: Organization, email: str, name: str, country: str) -> None:
    if not partner_needs_creating(partner):
        raise ValidationError(
            {"partner_admin_email": _("This partner organisation already has admins.")}
        )
    email = _clean_email("partner_admin_email", email)
    before = snapshot(partner, ["name", "country"])
    if name.strip():
        partner.name = name.strip()
    if country:
        try:
            region_for_country(country)
        except ValueError:
            raise ValidationError({"partner_country": _("Choose a country.")}) from None
        partner.country = country.upper()
    partner.save(update_fields=["name", "country"])
    try:
        admin = org_services.person_create(
            actor=None, organization=partner, email=email, role=roles.Role.PARTNER_FULL_ADMIN
        )
    except ValidationError:
        raise ValidationError(
            {"partner_admin_email": org_services.email_unavailable_message()}
        ) from None
    if partner.account_manager_id is None:
        partner.account_manager = admin
        partner.save(update_fields=["account_manager"])
    audit_record(
        actor=None,
        organization=partner,
        action="organization.create_on_first_order",
        obj=partner,
        before=before,
        after=snapshot(partner, ["name", "country"]),
    )


def _map_onto(
    *,
    partner: Organization,
    customer: Organization,
    customer_admin_email: str,
    order_model: str | None,
) -> str:
    """Checks and relationship for an order mapped onto an existing organisation."""
    admin_emails = customer.people.filter(role=roles.Role.CUSTOMER_FULL_ADMIN).values_list(
        "email", flat=True
    )
    if not rules.may_map_onto(customer_admin_email, admin_emails):
        raise ValidationError(
            {
                "customer_admin_email": _(
                    "To map the order onto an existing organisation, give the email of one "
                    "of its full admins (for a trial, the trial's admin email)."
                )
            }
        )
    relationships = PartnerRelationship.objects.unscoped().filter(customer=customer)
    managing = relationships.filter(is_managing=True).first()
    if managing is not None and managing.partner_id != partner.pk:
        raise ValidationError(
            {"organization": _("The order cannot be mapped onto this organisation.")}
        )
    models_in_use = (
        Subscription.objects.unscoped()
        .filter(customer=customer)
        .exclude(status=Subscription.Status.ENDED)
        .values_list("agent_model", flat=True)
    )
    try:
        agent_model = rules.subscription_agent_model(order_model, models_in_use)
    except rules.RuleError as exc:
        raise ValidationError({exc.field: exc.message}) from None
    if managing is None:
        # A trial organisation becomes this partner's paying customer.
        relationship, _created = PartnerRelationship.objects.unscoped().get_or_create(
            partner=partner, customer=customer
        )
        relationship.is_managing = True
        relationship.access = PartnerRelationship.Access.FULL
        relationship.save(update_fields=["is_managing", "access"])
    return agent_model


# Subscriptions ------------------------------------------------------------------------


@transaction.atomic
def subscription_activate(
    *,
    actor: Person | None,
    subscription: Subscription,
    country_of_operation: str,
    meeting_site_url: str = "",
    subdomain: str = "",
    calling_settings: dict | None = None,
) -> Subscription:
    """The setup wizard's Provision: store the settings, activate, start billing."""
    if actor is not None and not (
        Subscription.objects.visible_to(actor, "change").filter(pk=subscription.pk).exists()
    ):
        raise PermissionDenied
    subscription = Subscription.objects.unscoped().select_for_update().get(pk=subscription.pk)
    if subscription.status != Subscription.Status.PENDING_SETUP:
        raise ValidationError({"subscription": _("This subscription is already set up.")})
    errors: dict[str, str] = {}
    try:
        region_for_country((country_of_operation or "").upper())
    except (ValueError, KeyError, LookupError):
        errors["country_of_operation"] = _("Choose a country.")
    subdomain = (subdomain or "").strip().lower()
    if subdomain:
        problem = rules.subdomain_problem(subdomain)
        if problem:
            errors["subdomain"] = problem
        elif not subdomain_available(subdomain, exclude=subscription.pk):
            errors["subdomain"] = _("That subdomain is taken.")
    meeting_site_url = sites.meeting_site_name(meeting_site_url)
    if meeting_site_url:
        problem = sites.meeting_site_problem(meeting_site_url, exclude=subscription)
        if problem:
            errors["meeting_site_url"] = problem
    if errors:
        raise ValidationError(errors)
    before = snapshot(subscription, SUBSCRIPTION_FIELDS)
    subscription.country_of_operation = country_of_operation.upper()
    subscription.meeting_site_url = meeting_site_url or None
    subscription.subdomain = subdomain or None
    subscription.calling_settings = calling_settings or {}
    subscription.status = Subscription.Status.ACTIVE
    subscription.activated_at = timezone.now()
    try:
        with transaction.atomic():
            subscription.save()
    except IntegrityError:
        raise ValidationError({"subdomain": _("That subdomain or site URL is taken.")}) from None
    audit_record(
        actor=actor,
        organization=subscription.customer,
        action="subscription.activate",
        obj=subscription,
        before=before,
        after=snapshot(subscription, SUBSCRIPTION_FIELDS),
    )
    return subscription


def subdomain_available(subdomain: str, *, exclude: int | None = None) -> bool:
    taken = Subscription.objects.unscoped().filter(subdomain=subdomain.strip().lower())
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    return not taken.exists()
