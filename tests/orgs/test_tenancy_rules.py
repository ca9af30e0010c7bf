"""Who reaches which organisation, role by role (SPEC §1)."""

import pytest

from orgs.models import CustomerAssignment, Organization, PartnerRelationship
from orgs.roles import Role
from orgs.tenancy import ADMIN, CHANGE, PROVISION, VIEW
from tests.factories import CustomerFactory


def visible(person, action=VIEW):
    return set(Organization.objects.visible_to(person, action).values_list("name", flat=True))


@pytest.mark.parametrize(
    "role", [Role.PARTNER_FULL_ADMIN, Role.SALES_FULL_ADMIN, Role.PARTNER_READ_ONLY]
)
def test_full_roles_see_every_customer_of_their_partner(world, role):
    other = CustomerFactory(name="Another of A", partner=world.a.partner)
    assert visible(world.a[role]) == {world.a.partner.name, world.a.customer.name, other.name}


@pytest.mark.parametrize("role", [Role.PARTNER_ADMIN, Role.SALES_ADMIN])
def test_plain_admins_see_only_customers_they_created_or_were_assigned(world, role):
    person = world.a[role]
    assigned = CustomerFactory(name="Assigned", partner=world.a.partner)
    CustomerFactory(name="Not theirs", partner=world.a.partner)
    CustomerAssignment.objects.create(person=person, customer=assigned)
    expected = {world.a.partner.name, assigned.name}
    if role == Role.PARTNER_ADMIN:  # make_tenant records the partner admin as creator
        expected.add(world.a.customer.name)
    assert visible(person) == expected


def test_read_only_changes_nothing(world):
    for role in (Role.PARTNER_READ_ONLY, Role.CUSTOMER_READ_ONLY):
        for action in (CHANGE, PROVISION, ADMIN):
            assert visible(world.a[role], action) == set()


def test_customer_people_reach_only_their_own_organisation(world):
    assert visible(world.a[Role.CUSTOMER_FULL_ADMIN]) == {world.a.customer.name}
    assert visible(world.a[Role.CUSTOMER_FULL_ADMIN], ADMIN) == {world.a.customer.name}
    assert visible(world.a[Role.CUSTOMER_READ_ONLY]) == {world.a.customer.name}


def test_provisioning_only_access_allows_provisioning_and_nothing_else(world):
    trial = CustomerFactory(name="Trial customer")
    PartnerRelationship.objects.create(
        partner=world.a.partner, customer=trial, access=PartnerRelationship.Access.PROVISIONING
    )
    person = world.a[Role.PARTNER_FULL_ADMIN]
    assert trial.name in visible(person, PROVISION)
    assert trial.name not in visible(person, VIEW)
    assert trial.name not in visible(person, CHANGE)


def test_administering_people(world):
    assert visible(world.a[Role.PARTNER_FULL_ADMIN], ADMIN) == {
        world.a.partner.name,
        world.a.customer.name,
    }
    assert visible(world.a[Role.PARTNER_ADMIN], ADMIN) == {world.a.customer.name}
    assert visible(world.a[Role.SALES_FULL_ADMIN], ADMIN) == set()


def test_anonymous_and_organisationless_reach_nothing(world, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()
    staff = django_user_model.objects.create_superuser("root@example.test", "x")
    assert visible(staff) == set()


# ---- the policy module itself -----------------------------------------------------------


def test_every_tenant_model_declares_its_reach_and_every_reach_a_model():
    from django.apps import apps

    from orgs.tenancy import REACH, TenantQuerySet

    tenant = {
        m._meta.label
        for m in apps.get_models()
        if isinstance(m._default_manager.all(), TenantQuerySet)
    }
    assert tenant == set(REACH)


def test_a_queryset_may_not_bring_its_own_reach():
    from orgs.tenancy import TenantQuerySet

    with pytest.raises(TypeError, match="REACH"):

        class Sneaky(TenantQuerySet):
            def visible_to(self, person, action=VIEW):
                return self.all()


def test_list_bases_cannot_be_told_to_skip_the_scope():
    from orgs.api.base import TenantViewSet
    from orgs.views_base import TenantListMixin

    with pytest.raises(TypeError, match="narrow"):

        class EveryOrder(TenantListMixin):
            def get_queryset(self):
                return []

    with pytest.raises(TypeError, match="narrow"):

        class EveryOrderApi(TenantViewSet):
            def get_queryset(self):
                return []


def test_can_answers_for_any_tenant_row(world):
    from orgs.tenancy import can

    seller = world.a[Role.SALES_FULL_ADMIN]
    assert can(seller, world.a.trial, CHANGE)
    assert not can(seller, world.b.trial)
    assert can(world.a[Role.PARTNER_READ_ONLY], world.a.order)
    assert not can(world.a[Role.PARTNER_READ_ONLY], world.a.customer, CHANGE)
    assert not can(world.a[Role.CUSTOMER_FULL_ADMIN], world.b.customer)
    assert not can(seller, None)


def test_an_unknown_action_is_refused(world):
    with pytest.raises(ValueError):
        Organization.objects.visible_to(world.a[Role.PARTNER_FULL_ADMIN], "delete")
