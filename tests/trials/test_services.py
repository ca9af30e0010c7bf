"""Every trial transition and deadline, on a controlled clock."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from orgs.models import AuditLog, Organization, PartnerRelationship, Person
from orgs.roles import Role
from subscriptions.models import Subscription
from tests.factories import OfferFactory, OrderFactory, PersonFactory, SubscriptionFactory
from trials import services
from trials.models import ConversionRequest, Trial, TrialNotice
from trials.services import TrialSizes
from trials.tasks import trial_tick, trials_daily

START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def cc(**kwargs) -> TrialSizes:
    return TrialSizes(services=["contact_center"], standard_agents=10, **kwargs)


def start_new(world, *, email="boss@newco.test", sizes=None, length=90):
    return services.trial_start(
        actor=world.a[Role.SALES_ADMIN],
        partner=world.a.partner,
        company_name="NewCo",
        admin_email=email,
        industry="retail",
        country="DE",
        sizes=sizes or cc(),
        length_days=length,
    )


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_new_customer_trial_starts_at_once(
    world, clock, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        trial = start_new(
            world,
            sizes=TrialSizes(
                services=["meetings", "contact_center", "devices"],
                meetings_site_url="NewCo.webex.com",
                meetings_time_zone="Europe/Berlin",
                standard_agents=5,
                premium_agents=2,
                devices={"desk_pro": 2},
            ),
            length=60,
        )
    assert trial.status == Trial.Status.ACTIVE
    assert (trial.start_date, trial.end_date) == (dt.date(2025, 3, 1), dt.date(2025, 4, 30))
    assert trial.meetings_site_url == "newco"  # the name; its address is newco.webex.com
    customer = trial.customer
    assert customer.data_region == "EU"
    rel = PartnerRelationship.objects.get(customer=customer)
    assert rel.partner == world.a.partner and rel.is_managing
    assert Person.objects.get(email="boss@newco.test").role == Role.CUSTOMER_FULL_ADMIN
    assert sorted(trial.service_codes) == ["contact_center", "devices", "meetings"]
    assert [(d.model, d.quantity) for d in trial.devices.all()] == [("desk_pro", 2)]
    subjects = [m.subject for m in mailoutbox]
    assert any("trial" in s.lower() and "started" in s for s in subjects)
    assert AuditLog.objects.filter(action="trial.start", organization=customer).exists()


@pytest.mark.parametrize(
    "role", [Role.PARTNER_FULL_ADMIN, Role.PARTNER_ADMIN, Role.PARTNER_READ_ONLY]
)
def test_only_sales_roles_start_trials(world, role):
    with pytest.raises(PermissionDenied):
        services.trial_start(
            actor=world.a[role],
            partner=world.a.partner,
            company_name="X",
            admin_email="x@x.test",
            industry="retail",
            country="DE",
            sizes=cc(),
        )


def test_site_url_is_unique_and_sizes_checked(world, clock):
    meetings = TrialSizes(
        services=["meetings"],
        meetings_site_url="taken.webex.com",
        meetings_time_zone="Europe/Amsterdam",
    )
    start_new(world, sizes=meetings)
    with pytest.raises(ValidationError) as error:
        start_new(world, email="other@else.test", sizes=meetings)
    assert "meetings_site_url" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        start_new(world, email="x@else.test", sizes=TrialSizes(services=["contact_center"]))
    assert "standard_agents" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        start_new(world, email="y@else.test", length=45)
    assert "length_days" in error.value.message_dict


def test_email_of_a_partner_person_is_refused(world):
    with pytest.raises(ValidationError):
        start_new(world, email=world.b[Role.SALES_ADMIN].email)


def request_consent(world, clock, capture, mailoutbox):
    """Partner A asks customer B (no relationship) for a trial."""
    with capture(execute=True):
        trial = start_new(
            world,
            email=world.b[Role.CUSTOMER_READ_ONLY].email,
            sizes=TrialSizes(services=["calling"]),
        )
    return trial


def test_existing_customer_is_asked_for_consent(
    world, clock, django_capture_on_commit_callbacks, mailoutbox
):
    trial = request_consent(world, clock, django_capture_on_commit_callbacks, mailoutbox)
    assert trial.customer == world.b.customer
    assert trial.status == Trial.Status.PENDING_CONSENT
    assert not PartnerRelationship.objects.filter(
        partner=world.a.partner, customer=world.b.customer
    ).exists()
    consent = [m for m in mailoutbox if "asks to start a trial" in m.subject]
    assert len(consent) == 1
    assert set(consent[0].to) == {
        world.b[Role.CUSTOMER_READ_ONLY].email,
        world.b[Role.CUSTOMER_FULL_ADMIN].email,
    }
    assert services.consent_url(trial) in consent[0].body


def test_consent_accept_provision_activate(
    world, clock, django_capture_on_commit_callbacks, mailoutbox
):
    trial = request_consent(world, clock, django_capture_on_commit_callbacks, mailoutbox)
    with pytest.raises(PermissionDenied):
        services.trial_consent_accept(
            person=world.b[Role.CUSTOMER_READ_ONLY], trial=trial, access="full"
        )
    with pytest.raises(PermissionDenied):
        services.trial_consent_accept(
            person=world.a[Role.CUSTOMER_FULL_ADMIN], trial=trial, access="full"
        )
    clock.shift(dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        trial = services.trial_consent_accept(
            person=world.b[Role.CUSTOMER_FULL_ADMIN], trial=trial, access="provisioning"
        )
    assert trial.status == Trial.Status.PENDING_PROVISIONING
    rel = PartnerRelationship.objects.get(partner=world.a.partner, customer=world.b.customer)
    assert rel.access == "provisioning" and not rel.is_managing
    accepted = [m for m in mailoutbox if "accepted your trial" in m.subject]
    assert accepted and world.a[Role.SALES_ADMIN].email in accepted[0].to
    assert services.trial_for_consent_token(services.consent_token(trial)) is None  # used up
    with django_capture_on_commit_callbacks(execute=True):
        trial = services.trial_provision(actor=world.a[Role.SALES_ADMIN], trial=trial)
    assert trial.status == Trial.Status.ACTIVE
    assert trial.start_date == dt.date(2025, 3, 4)
    assert trial.end_date == dt.date(2025, 6, 2)
    started = [m for m in mailoutbox if "has started" in m.subject]
    assert set(started[0].to) == {
        world.b[Role.CUSTOMER_FULL_ADMIN].email,
        world.b[Role.CUSTOMER_READ_ONLY].email,
    }


def test_resend_and_cancel_while_pending(
    world, clock, django_capture_on_commit_callbacks, mailoutbox
):
    trial = request_consent(world, clock, django_capture_on_commit_callbacks, mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.trial_consent_resend(actor=world.a[Role.SALES_ADMIN], trial=trial)
    assert len([m for m in mailoutbox if "asks to start a trial" in m.subject]) == 2
    with pytest.raises(PermissionDenied):
        services.trial_cancel(actor=world.a[Role.PARTNER_FULL_ADMIN], trial=trial)
    services.trial_cancel(actor=world.a[Role.SALES_ADMIN], trial=trial)
    trial.refresh_from_db()
    assert trial.status == Trial.Status.CANCELLED
    assert services.trial_for_consent_token(services.consent_token(trial)) is None
    with pytest.raises(ValidationError):
        services.trial_consent_resend(actor=world.a[Role.SALES_ADMIN], trial=trial)


def test_unanswered_consent_is_cancelled_after_30_days(
    world, clock, django_capture_on_commit_callbacks, mailoutbox
):
    trial = request_consent(world, clock, django_capture_on_commit_callbacks, mailoutbox)
    clock.shift(dt.timedelta(days=29))
    trials_daily()
    trial.refresh_from_db()
    assert trial.status == Trial.Status.PENDING_CONSENT
    clock.shift(dt.timedelta(days=1))
    trials_daily()
    trial.refresh_from_db()
    assert trial.status == Trial.Status.CANCELLED
    from pages.selectors import customers_for_list

    assert world.b.customer not in customers_for_list(world.a[Role.SALES_FULL_ADMIN])


def test_pending_consent_customer_is_not_on_the_partner_list(
    world, clock, django_capture_on_commit_callbacks, mailoutbox
):
    """Nothing of customer B reaches partner A before consent (issue 13.3): the partner
    sees its trial, with what it typed; the customer joins its list on acceptance."""
    from pages.selectors import customers_for_list

    trial = request_consent(world, clock, django_capture_on_commit_callbacks, mailoutbox)
    seller = world.a[Role.SALES_FULL_ADMIN]
    assert world.b.customer not in customers_for_list(seller)
    assert world.b.customer not in Organization.objects.visible_to(seller)
    assert not trial.customer_disclosed and trial.customer_label == "NewCo"
    services.trial_consent_accept(
        person=world.b[Role.CUSTOMER_FULL_ADMIN], trial=trial, access="full"
    )
    trial.refresh_from_db()
    assert trial.customer_disclosed and trial.customer_label == world.b.customer.name
    assert world.b.customer in customers_for_list(seller)


def test_paying_customer_starts_added_services_at_once(
    world, clock, django_capture_on_commit_callbacks, mailoutbox
):
    order = OrderFactory(
        partner=world.a.partner,
        offer=OfferFactory(code="A-SPK", name="Spk"),
        customer=world.a.customer,
    )
    SubscriptionFactory(customer=world.a.customer, order=order)
    assert "meetings" not in services.services_available(world.a.customer, world.a.partner)
    with pytest.raises(ValidationError) as error:
        services.trial_start_for_customer(
            actor=world.a[Role.SALES_FULL_ADMIN],
            partner=world.a.partner,
            customer=world.a.customer,
            sizes=TrialSizes(services=["messaging"]),
        )
    assert "services" in error.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        trial = services.trial_start_for_customer(
            actor=world.a[Role.SALES_FULL_ADMIN],
            partner=world.a.partner,
            customer=world.a.customer,
            sizes=TrialSizes(services=["calling"]),
        )
    assert trial.status == Trial.Status.ACTIVE
    started = next(m for m in mailoutbox if "has started" in m.subject)
    assert set(started.to) == {
        world.a[Role.CUSTOMER_FULL_ADMIN].email,
        world.a[Role.CUSTOMER_READ_ONLY].email,
    }


def test_service_another_partner_trials_is_refused(world, clock):
    # Partner B gets a relationship with customer A and trials Calling there.
    PartnerRelationship.objects.create(partner=world.b.partner, customer=world.a.customer)
    services.trial_start_for_customer(
        actor=None,
        partner=world.b.partner,
        customer=world.a.customer,
        sizes=TrialSizes(services=["calling"]),
    )
    assert "calling" not in services.services_available(world.a.customer, world.a.partner)
    with pytest.raises(ValidationError):
        services.trial_start_for_customer(
            actor=world.a[Role.SALES_FULL_ADMIN],
            partner=world.a.partner,
            customer=world.a.customer,
            sizes=TrialSizes(services=["calling"]),
        )


def test_extend_is_today_plus_30(world, clock):
    trial = start_new(world)  # ends 2025-05-30
    clock.shift(dt.timedelta(days=25))  # 2025-03-26: 65 days left
    assert (trial.end_date - dt.date(2025, 3, 26)).days == 65
    trial = services.trial_extend(actor=world.a[Role.SALES_ADMIN], trial=trial)
    assert trial.end_date == dt.date(2025, 4, 25)
    with pytest.raises(PermissionDenied):
        services.trial_extend(actor=world.a[Role.PARTNER_READ_ONLY], trial=trial)


def test_change_services_and_delete(world, clock):
    trial = start_new(world)
    services.trial_change_services(
        actor=world.a[Role.SALES_ADMIN],
        trial=trial,
        sizes=TrialSizes(services=["messaging", "calling"]),
    )
    trial.refresh_from_db()
    assert sorted(trial.service_codes) == ["calling", "messaging"]
    assert trial.standard_agents == 0
    customer = trial.customer
    services.trial_delete(actor=world.a[Role.SALES_ADMIN], trial=trial)
    assert not Trial.objects.filter(customer=customer).exists()
    assert AuditLog.objects.filter(action="trial.delete", organization=customer).exists()


def test_expiry_notices_grace_and_end(world, clock, django_capture_on_commit_callbacks, mailoutbox):
    trial = start_new(
        world,
        length=30,
        sizes=TrialSizes(
            services=["meetings", "calling"],
            meetings_site_url="gone.webex.com",
            meetings_time_zone="UTC",
        ),
    )
    trial.calling_numbers = ["+31201234567"]
    trial.save()
    customer = trial.customer
    expected_to = {
        "boss@newco.test",
        *(p.email for p in world.a.people.values() if p.organization_id == world.a.partner.pk),
    }

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            trials_daily()
            trial_tick(trial.pk)  # a second run sends nothing more
        trial.refresh_from_db()

    clock.move_to(dt.datetime(2025, 3, 23, 1, 0, tzinfo=dt.UTC))  # 8 days before
    run()
    assert not [m for m in mailoutbox if "expires" in m.subject]
    clock.move_to(dt.datetime(2025, 3, 24, 1, 0, tzinfo=dt.UTC))  # 7 days before
    run()
    expiring = [m for m in mailoutbox if "expires on 2025-03-31" in m.subject]
    assert len(expiring) == 1 and set(expiring[0].to) == expected_to
    clock.move_to(dt.datetime(2025, 3, 31, 1, 0, tzinfo=dt.UTC))  # the end date
    run()
    assert trial.status == Trial.Status.GRACE
    expired = [m for m in mailoutbox if "has expired" in m.subject]
    assert len(expired) == 1 and set(expired[0].to) == expected_to
    clock.move_to(dt.datetime(2025, 4, 29, 1, 0, tzinfo=dt.UTC))  # last day of grace
    run()
    assert trial.status == Trial.Status.GRACE
    clock.move_to(dt.datetime(2025, 4, 30, 1, 0, tzinfo=dt.UTC))  # grace is over
    run()
    assert trial.status == Trial.Status.ENDED
    lost = [m for m in mailoutbox if "no longer have access" in m.subject]
    assert len(lost) == 1 and set(lost[0].to) == {"boss@newco.test"}
    boss = Person.objects.get(email="boss@newco.test")
    assert boss.organization.kind == Organization.Kind.CONSUMER
    assert boss.role == Role.CUSTOMER_READ_ONLY
    assert trial.meetings_site_url == "" and trial.service_codes == []
    assert not Person.objects.filter(organization=customer).exists()
    from pages.selectors import customers_for_list

    assert customer not in customers_for_list(world.a[Role.SALES_FULL_ADMIN])
    assert trial in Trial.objects.visible_to(world.a[Role.SALES_FULL_ADMIN])  # history stays
    assert AuditLog.objects.filter(action="trial.end_grace", organization=customer).exists()
    assert trial.calling_numbers == ["+31201234567"]  # kept 15 more days
    clock.move_to(dt.datetime(2025, 5, 14, 1, 0, tzinfo=dt.UTC))
    run()
    assert trial.calling_numbers == ["+31201234567"]
    clock.move_to(dt.datetime(2025, 5, 15, 1, 0, tzinfo=dt.UTC))
    run()
    assert trial.calling_numbers == [] and trial.numbers_released_at is not None
    assert set(trial.notices.values_list("kind", flat=True)) == {
        TrialNotice.Kind.EXPIRING,
        TrialNotice.Kind.EXPIRED,
        TrialNotice.Kind.ACCESS_LOST,
    }
    with pytest.raises(ValidationError):  # irreversible
        services.trial_extend(actor=world.a[Role.SALES_ADMIN], trial=trial)


def test_paying_customer_keeps_its_users_when_trial_ends(world, clock):
    trial = services.trial_start_for_customer(
        actor=world.a[Role.SALES_FULL_ADMIN],
        partner=world.a.partner,
        customer=world.a.customer,
        sizes=TrialSizes(services=["calling"]),
        length_days=30,
    )
    services.trial_tick(trial_id=trial.pk, today=dt.date(2025, 3, 31))
    services.trial_tick(trial_id=trial.pk, today=dt.date(2025, 4, 30))
    trial.refresh_from_db()
    assert trial.status == Trial.Status.ENDED
    assert (
        world.a[Role.CUSTOMER_FULL_ADMIN]
        .__class__.objects.get(pk=world.a[Role.CUSTOMER_FULL_ADMIN].pk)
        .organization
        == world.a.customer
    )


def test_extending_in_grace_reactivates_and_rearms_notices(world, clock):
    trial = start_new(world, length=30)
    services.trial_tick(trial_id=trial.pk, today=dt.date(2025, 3, 31))
    trial.refresh_from_db()
    assert trial.status == Trial.Status.GRACE
    clock.move_to(dt.datetime(2025, 4, 5, tzinfo=dt.UTC))
    trial = services.trial_extend(actor=world.a[Role.SALES_ADMIN], trial=trial)
    assert trial.status == Trial.Status.ACTIVE and trial.end_date == dt.date(2025, 5, 5)
    assert not trial.notices.exists()


def test_device_returns_match_shipped_serials(world, clock):
    trial = start_new(world, sizes=TrialSizes(services=["devices"], devices={"room_bar": 1}))
    actor = world.a[Role.SALES_ADMIN]
    services.trial_devices_ship(actor=actor, trial=trial, units=[("room_bar", "fcw123")])
    with pytest.raises(ValidationError):  # more than asked for
        services.trial_devices_ship(actor=actor, trial=trial, units=[("room_bar", "FCW999")])
    with pytest.raises(ValidationError) as error:
        services.trial_device_return(actor=actor, trial=trial, serial_number="FCW000")
    assert "serial_number" in error.value.message_dict
    device = services.trial_device_return(actor=actor, trial=trial, serial_number="fcw123")
    assert device.returned_on == dt.date(2025, 3, 1)


def test_tier_two_conversion_goes_to_the_distributor(
    world, clock, django_capture_on_commit_callbacks, mailoutbox
):
    from tests.factories import PartnerFactory

    distributor = PartnerFactory(is_distributor=True)
    dist_admin = PersonFactory(organization=distributor, email="d@dist.test")
    world.a.partner.tier, world.a.partner.distributor = 2, distributor
    world.a.partner.save()
    trial = start_new(world)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.trial_conversion_request(
            actor=world.a[Role.SALES_ADMIN],
            trial=trial,
            offer_code="A-FLEX-3-CC",
            lines=[("A-FLEX-WCC-S-N", 10)],
        )
    assert request.distributor == distributor
    assert ConversionRequest.objects.visible_to(dist_admin).get() == request
    assert (
        not ConversionRequest.objects.visible_to(world.b[Role.PARTNER_FULL_ADMIN])
        .filter(pk=request.pk)
        .exists()
    )
    assert [m.to for m in mailoutbox if "convert" in m.subject] == [["d@dist.test"]]
    with pytest.raises(ValidationError):
        services.trial_conversion_request(
            actor=world.a[Role.SALES_ADMIN], trial=trial, offer_code="A-FLEX-3-CC", lines=[]
        )


def test_a_trial_site_is_a_name_unique_with_the_setup_wizards(world, clock):
    Subscription.objects.filter(customer=world.b.customer).update(meeting_site_url="wizardco")
    with pytest.raises(ValidationError) as error:
        start_new(
            world,
            sizes=TrialSizes(
                services=["meetings"],
                meetings_site_url="WizardCo.webex.com",
                meetings_time_zone="UTC",
            ),
        )
    assert "wizardco.webex.com is taken" in str(error.value.message_dict["meetings_site_url"])
