import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from orgs import services
from orgs.models import AuditLog, Person
from orgs.roles import Role
from tests.conftest import skip_or_fail
from tests.factories import CustomerFactory, PartnerFactory, PersonFactory


def test_invite_creates_the_person_audits_and_emails_a_set_password_link(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    actor = world.a[Role.CUSTOMER_FULL_ADMIN]
    with django_capture_on_commit_callbacks(execute=True):
        person = services.person_create(
            actor=actor, organization=world.a.customer, email="New.One@Example.test",
            role=Role.CUSTOMER_READ_ONLY,
        )
    assert person.email == "new.one@example.test"
    entry = AuditLog.objects.get(action="person.create")
    assert entry.actor == actor and entry.organization == world.a.customer
    assert entry.after["role"] == Role.CUSTOMER_READ_ONLY
    (message,) = mailoutbox
    assert message.to == ["new.one@example.test"]
    assert "/password-reset/" in message.body
    assert message.alternatives and "/password-reset/" in message.alternatives[0][0]


def test_an_email_of_another_organisation_cannot_be_made_admin(world):
    taken = world.b[Role.CUSTOMER_FULL_ADMIN].email
    with pytest.raises(ValidationError) as error:
        services.person_create(actor=world.a[Role.CUSTOMER_FULL_ADMIN],
                               organization=world.a.customer, email=taken.upper(),
                               role=Role.CUSTOMER_FULL_ADMIN)
    assert "email" in error.value.message_dict
    assert "another organisation" in error.value.message_dict["email"][0]


def test_role_must_exist_in_the_organisation(world):
    with pytest.raises(ValidationError) as error:
        services.person_create(actor=world.a[Role.CUSTOMER_FULL_ADMIN],
                               organization=world.a.customer, email="x@example.test",
                               role=Role.SALES_ADMIN)
    assert "role" in error.value.message_dict


def test_only_full_admins_manage_people(world):
    with pytest.raises(PermissionDenied):
        services.person_create(actor=world.a[Role.CUSTOMER_READ_ONLY],
                               organization=world.a.customer, email="x@example.test",
                               role=Role.CUSTOMER_READ_ONLY)
    with pytest.raises(PermissionDenied):
        services.person_create(actor=world.b[Role.PARTNER_FULL_ADMIN],
                               organization=world.a.customer, email="x@example.test",
                               role=Role.CUSTOMER_READ_ONLY)


def test_change_role_is_audited_with_before_and_after(world):
    actor = world.a[Role.PARTNER_FULL_ADMIN]
    person = world.a[Role.SALES_ADMIN]
    services.person_change_role(actor=actor, person=person, role=Role.SALES_FULL_ADMIN)
    entry = AuditLog.objects.get(action="person.change_role")
    assert (entry.before, entry.after) == ({"role": "sales_admin"}, {"role": "sales_full_admin"})


def test_the_last_full_admin_stays(world):
    actor = world.a[Role.PARTNER_FULL_ADMIN]
    with pytest.raises(ValidationError):
        services.person_change_role(actor=actor, person=world.a[Role.CUSTOMER_FULL_ADMIN],
                                    role=Role.CUSTOMER_READ_ONLY)
    with pytest.raises(ValidationError):
        services.person_remove(actor=actor, person=world.a[Role.CUSTOMER_FULL_ADMIN])
    with pytest.raises(ValidationError):
        services.person_remove(actor=actor, person=actor)


def test_remove_keeps_an_audit_row(world):
    actor = world.a[Role.CUSTOMER_FULL_ADMIN]
    reader = world.a[Role.CUSTOMER_READ_ONLY]
    services.person_remove(actor=actor, person=reader)
    assert not Person.objects.filter(pk=reader.pk).exists()
    assert AuditLog.objects.get(action="person.remove").before["email"] == reader.email


def test_customer_update_audits_only_real_changes(world):
    actor = world.a[Role.PARTNER_FULL_ADMIN]
    services.customer_update(actor=actor, customer=world.a.customer, surge_percent=30)
    services.customer_update(actor=actor, customer=world.a.customer, surge_percent=30)
    (entry,) = AuditLog.objects.filter(action="organization.update")
    assert entry.before["surge_percent"] == 0 and entry.after["surge_percent"] == 30


def test_partner_create_makes_a_full_admin_with_a_token(db):
    partner, admin, token = services.partner_create(name="P", admin_email="p@example.test")
    assert admin.role == Role.PARTNER_FULL_ADMIN and admin.organization == partner
    assert partner.account_manager == admin and token.startswith("sbt_") and len(token) > 40


def test_tier_2_needs_a_distributor(db):
    with pytest.raises(ValidationError) as error:
        services.partner_create(name="P", admin_email="p@example.test", tier=2)
    assert "distributor" in error.value.message_dict


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_full_admins_leaving_at_once_leave_one():
    """person_change_role and person_remove lock the organisation before checking that a
    full admin stays: the second waits for the first and is then refused."""
    if connection.vendor != "postgresql":
        skip_or_fail("services", "needs PostgreSQL for truly concurrent transactions")
    partner = PartnerFactory()
    customer = CustomerFactory(partner=partner)
    actor = PersonFactory(organization=partner, role=Role.PARTNER_FULL_ADMIN)
    first, second = (
        PersonFactory(organization=customer, role=Role.CUSTOMER_FULL_ADMIN) for _ in range(2)
    )
    changed, release = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def run(name, change, hold=False):
        try:
            with transaction.atomic():
                change()
                if hold:  # keep the transaction open while the other one starts
                    changed.set()
                    release.wait(10)
            outcomes[name] = "done"
        except ValidationError:
            outcomes[name] = "refused"
        finally:
            changed.set()
            connection.close()

    demote = threading.Thread(
        target=run,
        args=("demote", lambda: services.person_change_role(
            actor=actor, person=first, role=Role.CUSTOMER_READ_ONLY), True),
    )
    remove = threading.Thread(
        target=run,
        args=("remove", lambda: services.person_remove(actor=actor, person=second)),
    )
    demote.start()
    changed.wait(10)
    remove.start()
    remove.join(timeout=1.5)
    assert remove.is_alive(), "the removal must wait for the demotion's transaction"
    release.set()
    demote.join(10)
    remove.join(10)
    assert outcomes == {"demote": "done", "remove": "refused"}
    full_admins = Person.objects.filter(organization=customer, role=Role.CUSTOMER_FULL_ADMIN)
    assert list(full_admins) == [second]
