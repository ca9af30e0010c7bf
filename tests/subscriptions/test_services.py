"""order_place and order_provision: validation, effects, emails, and nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from orgs.models import AuditLog, Organization, PartnerRelationship, Person
from orgs.roles import Role
from subscriptions import links, services
from subscriptions.models import Order, OrderLine, Subscription
from tests.factories import CustomerFactory, PersonFactory, SubscriptionFactory

TODAY = lambda: timezone.now().date()  # noqa: E731


def place(world, *, actor=None, tenant="a", **overrides) -> Order:
    tenant = getattr(world, tenant)
    values = {
        "actor": actor or tenant[Role.SALES_ADMIN],
        "partner": tenant.partner,
        "web_order_id": "WO-1001",
        "offer_code": "A-FLEX-3-CC",
        "requested_start_date": TODAY() + dt.timedelta(days=10),
        "provisioning_contact_email": "Setup@Partner-A.test",
        "lines": [("A-FLEX-WCC-S-N", 10), ("A-FLEX-WCC-P-N", 4), ("A-FLEX-WCC-IVR", 2)],
    }
    values.update(overrides)
    return services.order_place(**values)


def codes(order: Order) -> dict[str, int]:
    return {line.sku.code: line.quantity for line in order.lines.select_related("sku")}


# order_place ---------------------------------------------------------------------------


def test_order_place_adds_the_overage_skus_at_quantity_zero(world, mailoutbox):
    order = place(world)
    assert order.status == Order.Status.AWAITING
    assert order.provisioning_contact_email == "setup@partner-a.test"
    assert codes(order) == {
        "A-FLEX-WCC-S-N": 10,
        "A-FLEX-WCC-P-N": 4,
        "A-FLEX-WCC-IVR": 2,
        "A-FLEX-WCC-S-N-O": 0,
        "A-FLEX-WCC-P-N-O": 0,
        "A-FLEX-WCC-IVR-O": 0,
    }
    assert AuditLog.objects.filter(action="order.place", object_id=str(order.pk)).exists()
    # The RSD is ahead: the scheduled task sends the email on the day.
    assert order.setup_email_sent_at is None
    assert mailoutbox == []


@pytest.mark.parametrize("days", [0, -20])
def test_rsd_today_or_past_sends_set_up_now_at_once(
    world, days, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(world, requested_start_date=TODAY() + dt.timedelta(days=days))
    assert order.setup_email_sent_at is not None
    (mail,) = mailoutbox
    assert mail.to == ["setup@partner-a.test"]
    assert "WO-1001" in mail.subject
    assert "/setup-now/" in mail.body


def test_digital_skus_have_no_overage_line(world):
    order = place(world, offer_code="A-WX", lines=[("A-CHAN-U-SMS-INTL", 5000)])
    assert codes(order) == {"A-CHAN-U-SMS-INTL": 5000}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"offer_code": "A-NOPE"}, "offer"),
        ({"web_order_id": "  "}, "web_order_id"),
        ({"provisioning_contact_email": "not-an-email"}, "provisioning_contact_email"),
        ({"lines": []}, "lines"),
        ({"lines": [("A-FLEX-WCC-S-N", 1), ("A-NOPE", 1)]}, "lines[1].sku"),
        ({"lines": [("A-FLEX-WCC-S-N-O", 1)]}, "lines[0].sku"),
        ({"lines": [("A-FLEX-WCC-S-N", 1), ("A-FLEX-WCC-S-N", 2)]}, "lines[1].sku"),
        ({"lines": [("A-FLEX-WCC-S-N", 0)]}, "lines[0].quantity"),
        ({"lines": [("A-FLEX-WCC-S-N", -3)]}, "lines[0].quantity"),
        ({"lines": [("A-FLEX-WCC-S-N", 1), ("A-FLEX-WCC-P-C", 1)]}, "lines"),
        ({"offer_code": "A-WX", "lines": [("A-FLEX-WCC-S-N", 1)]}, "lines[0].sku"),
    ],
)
def test_order_place_refuses_bad_input_naming_the_field(world, overrides, field):
    orders, lines = Order.objects.count(), OrderLine.objects.count()
    with pytest.raises(ValidationError) as error:
        place(world, **overrides)
    assert field in error.value.message_dict
    assert (Order.objects.count(), OrderLine.objects.count()) == (orders, lines)


def test_web_order_id_is_unique_per_partner(world):
    place(world)
    with pytest.raises(ValidationError) as error:
        place(world)
    assert "web_order_id" in error.value.message_dict
    place(world, tenant="b")  # another partner may reuse it


@pytest.mark.parametrize("role", [Role.PARTNER_READ_ONLY, Role.CUSTOMER_FULL_ADMIN])
def test_only_order_placing_roles_place_orders(world, role):
    with pytest.raises(PermissionDenied):
        place(world, actor=world.a[role])


def test_nobody_places_orders_for_another_partner(world):
    with pytest.raises(PermissionDenied):
        place(world, actor=world.b[Role.PARTNER_FULL_ADMIN])


# Contact, resend -----------------------------------------------------------------------


def test_contact_update_resends_and_kills_the_old_link(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(world, requested_start_date=TODAY())
    old_token = _token(mailoutbox[0].body)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_contact_update(
            actor=world.a[Role.SALES_ADMIN], order=order, provisioning_contact_email="new@x.test"
        )
    assert mailoutbox[-1].to == ["new@x.test"]
    with pytest.raises(links.LinkProblem) as problem:
        links.order_for_token(old_token)
    assert problem.value.reason == "replaced"
    assert links.order_for_token(_token(mailoutbox[-1].body))[0] == order


def test_resend_does_not_extend_the_deadline(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(world, requested_start_date=TODAY())
    first = order.setup_email_sent_at
    services.order_setup_email_send(actor=world.a[Role.SALES_ADMIN], order=order)
    order.refresh_from_db()
    assert order.setup_email_sent_at == first


def _token(body: str) -> str:
    return body.split("/setup-now/")[1].split("/")[0]


# order_provision -----------------------------------------------------------------------


def provision(world, order, **overrides) -> Subscription:
    values = {
        "actor": world.a[Role.SALES_ADMIN],
        "order": order,
        "customer_admin_email": "admin@newco.example",
        "company_name": "NewCo Ltd",
        "country": "DE",
        "organization": "new",
    }
    values.update(overrides)
    return services.order_provision(**values)


def test_provision_creates_the_customer_and_a_pending_subscription(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    order = place(world)
    token = links.setup_token(order_id=order.pk, email=order.provisioning_contact_email)
    with django_capture_on_commit_callbacks(execute=True):
        subscription = provision(world, order)
    customer = subscription.customer
    assert customer.name == "NewCo Ltd"
    assert customer.country == "DE"
    assert customer.managing_partner == world.a.partner
    relationship = PartnerRelationship.objects.get(customer=customer)
    assert relationship.access == PartnerRelationship.Access.FULL
    admin = Person.objects.get(email="admin@newco.example")
    assert admin.organization == customer
    assert admin.role == Role.CUSTOMER_FULL_ADMIN
    assert subscription.status == Subscription.Status.PENDING_SETUP
    assert subscription.start_date == order.requested_start_date
    assert subscription.billing_day == order.requested_start_date.day
    assert (subscription.agent_model, subscription.standard_agents) == ("named", 10)
    assert (subscription.premium_agents, subscription.addon_ivr_ports) == (4, 2)
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert order.customer == customer
    assert order.provisioned_at is not None
    with pytest.raises(links.LinkProblem) as problem:
        links.order_for_token(token)
    assert problem.value.reason == "used"
    (welcome,) = mailoutbox
    assert welcome.to == ["admin@newco.example"]
    assert "/password-reset/" in welcome.body
    assert AuditLog.objects.filter(organization=customer, action="order.provision").exists()


def test_customer_sets_up_leaves_the_partner_without_admin_access(world):
    subscription = provision(world, place(world), setup_by="customer")
    relationship = PartnerRelationship.objects.get(customer=subscription.customer)
    assert relationship.access == PartnerRelationship.Access.PROVISIONING
    assert relationship.is_managing
    visible = Organization.objects.visible_to(world.a[Role.PARTNER_FULL_ADMIN])
    assert subscription.customer not in visible


def test_provision_twice_is_refused(world):
    order = place(world)
    provision(world, order)
    with pytest.raises(ValidationError) as error:
        provision(world, order, customer_admin_email="other@newco.example")
    assert "order" in error.value.message_dict


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"customer_admin_email": "nope"}, "customer_admin_email"),
        ({"company_name": " "}, "company_name"),
        ({"country": "XX"}, "country"),
        ({"organization": "abc"}, "organization"),
        ({"organization": "999999"}, "organization"),
        ({"setup_by": "robot"}, "setup_by"),
    ],
)
def test_provision_refuses_bad_input_and_writes_nothing(world, overrides, field):
    order = place(world)
    counts = (Organization.objects.count(), Subscription.objects.count(), Person.objects.count())
    with pytest.raises(ValidationError) as error:
        provision(world, order, **overrides)
    assert field in error.value.message_dict
    assert counts == (
        Organization.objects.count(),
        Subscription.objects.count(),
        Person.objects.count(),
    )
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING


def test_one_organisation_per_person(world):
    """An admin email that already belongs to an organisation cannot start a new one."""
    taken = world.b[Role.CUSTOMER_FULL_ADMIN].email
    with pytest.raises(ValidationError) as error:
        provision(world, place(world), customer_admin_email=taken)
    assert "customer_admin_email" in error.value.message_dict


def test_map_onto_an_existing_customer_of_the_partner(world):
    customer = world.a.customer
    admin = world.a[Role.CUSTOMER_FULL_ADMIN]
    subscription = provision(
        world, place(world), organization=str(customer.pk), customer_admin_email=admin.email
    )
    assert subscription.customer == customer
    assert customer.subscriptions.count() == 2


def test_mapping_needs_one_of_the_organisations_full_admins(world):
    customer = world.a.customer
    with pytest.raises(ValidationError) as error:
        provision(
            world,
            place(world),
            organization=customer,
            customer_admin_email=world.a[Role.CUSTOMER_READ_ONLY].email,
        )
    assert "customer_admin_email" in error.value.message_dict


def test_mapping_onto_a_trial_organisation_needs_the_trial_admin_email(world):
    trial = CustomerFactory(name="Trial Org", partner=world.a.partner, partner__managing=False)
    trial_admin = PersonFactory(
        email="admin@trial.example", organization=trial, role=Role.CUSTOMER_FULL_ADMIN
    )
    with pytest.raises(ValidationError):
        provision(world, place(world), organization=trial, customer_admin_email="x@trial.example")
    subscription = provision(
        world,
        place(world, web_order_id="WO-2"),
        organization=str(trial.pk),
        customer_admin_email=trial_admin.email,
    )
    assert subscription.customer == trial
    relationship = PartnerRelationship.objects.get(customer=trial, partner=world.a.partner)
    assert relationship.is_managing


def test_an_unrelated_organisation_is_unknown_without_its_admin_email(world):
    with pytest.raises(ValidationError) as error:
        provision(world, place(world), organization=str(world.b.customer.pk))
    assert error.value.message_dict["organization"][0].startswith("Give")


def test_another_partners_customer_is_refused_even_with_its_admin_email(world):
    with pytest.raises(ValidationError) as error:
        provision(
            world,
            place(world),
            organization=str(world.b.customer.pk),
            customer_admin_email=world.b[Role.CUSTOMER_FULL_ADMIN].email,
        )
    assert "organization" in error.value.message_dict


def test_a_mix_of_agent_models_is_refused(world):
    customer = world.a.customer  # has a named subscription
    order = place(world, lines=[("A-FLEX-WCC-S-C", 5)])
    with pytest.raises(ValidationError) as error:
        provision(
            world,
            order,
            organization=customer,
            customer_admin_email=world.a[Role.CUSTOMER_FULL_ADMIN].email,
        )
    assert "organization" in error.value.message_dict
    assert customer.subscriptions.count() == 1


def test_an_order_without_agents_follows_the_customers_model(world):
    customer = CustomerFactory(partner=world.a.partner)
    admin = PersonFactory(organization=customer, role=Role.CUSTOMER_FULL_ADMIN)
    SubscriptionFactory(customer=customer, agent_model="concurrent")
    order = place(world, offer_code="A-WX", lines=[("A-VOICE-U-INTL", 100)])
    subscription = provision(world, order, organization=customer, customer_admin_email=admin.email)
    assert subscription.agent_model == "concurrent"
    assert (subscription.standard_agents, subscription.premium_agents) == (0, 0)


def test_organisation_suggestions(world):
    hooli = CustomerFactory(name="Hooli Inc", partner=world.a.partner)
    PersonFactory(email="gavin@hooli.example", organization=hooli, role=Role.CUSTOMER_FULL_ADMIN)
    hoolig = CustomerFactory(name="HooliGAN", partner=world.a.partner)
    PersonFactory(email="x@hooli.example", organization=hoolig, role=Role.CUSTOMER_FULL_ADMIN)
    CustomerFactory(name="Hooli elsewhere")  # nobody at hooli.example
    by_email = services.organization_suggestions(
        partner=world.a.partner, customer_admin_email="x@hooli.example", company_name="Hooli Europe"
    )
    assert by_email == [hoolig, hooli]
    by_name = services.organization_suggestions(
        partner=world.a.partner,
        customer_admin_email="new@hooli.example",
        company_name="Hooli Europe",
    )
    assert by_name == [hooli, hoolig]
    assert (
        services.organization_suggestions(
            partner=world.a.partner, customer_admin_email="new@other.example", company_name="Hooli"
        )
        == []
    )


def test_only_order_placing_roles_of_the_partner_provision(world):
    order = place(world)
    with pytest.raises(PermissionDenied):
        provision(world, order, actor=world.b[Role.PARTNER_FULL_ADMIN])
    with pytest.raises(PermissionDenied):
        provision(world, order, actor=world.a[Role.PARTNER_READ_ONLY])


def test_an_organisation_instance_is_checked_as_its_id_would_be(world):
    """Handing the other partner's customer itself, not its id, reaches no further."""
    order = place(world)
    with pytest.raises(ValidationError) as error:
        provision(world, order, organization=world.b.customer)
    assert error.value.message_dict["organization"][0].startswith("Give")
    with pytest.raises(ValidationError):
        services.resolve_organization(
            partner=world.a.partner, organization=world.b.customer, customer_admin_email=""
        )
    with pytest.raises(ValidationError):  # an organisation never saved is no organisation
        services.resolve_organization(
            partner=world.a.partner, organization=Organization(name="X"), customer_admin_email=""
        )
    order.refresh_from_db()
    assert order.is_open
    assert not world.b.customer.subscriptions.filter(order=order).exists()
    found = services.resolve_organization(
        partner=world.a.partner, organization=world.a.customer, customer_admin_email=""
    )
    assert found == world.a.customer
