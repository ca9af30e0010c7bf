"""The trial pages: start, manage, the consent link, the customer list columns and
filters, and the customer's home."""

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from orgs.models import PartnerRelationship
from orgs.roles import Role
from tests.factories import CustomerFactory, TrialFactory, consent_request
from trials import services
from trials.models import Trial

START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pending(world, clock):
    """Partner A asks customer B for consent to a Calling trial."""
    email = world.b[Role.CUSTOMER_FULL_ADMIN].email
    return consent_request(world.a, email, company_name="Typed Co")


def test_start_page_creates_a_customer_on_trial(client, world, clock):
    client.force_login(world.a[Role.SALES_ADMIN])
    response = client.post(
        reverse("trial-start"),
        {
            "company_name": "Page Co",
            "admin_email": "boss@pageco.test",
            "industry": "retail",
            "country": "JP",
            "length_days": "30",
            "services": ["messaging", "contact_center"],
            "standard_agents": "4",
            "premium_agents": "0",
        },
    )
    trial = Trial.objects.get(customer__name="Page Co")
    assert response.status_code == 302 and response.url == reverse("trial-detail", args=[trial.pk])
    assert trial.end_date == dt.date(2025, 3, 31)
    assert trial.customer.data_region == "JP"
    page = client.get(response.url).content.decode()
    assert "Trial active" in page and "30 days left" in page


def test_start_page_shows_field_errors(client, world):
    client.force_login(world.a[Role.SALES_ADMIN])
    response = client.post(
        reverse("trial-start"),
        {
            "company_name": "X",
            "admin_email": "x@x.test",
            "industry": "retail",
            "country": "NL",
            "length_days": "90",
            "services": ["meetings"],
            "meetings_site_url": "",
            "standard_agents": "0",
            "premium_agents": "0",
        },
    )
    assert response.status_code == 200
    assert "Meetings needs a site URL." in response.content.decode()


@pytest.mark.parametrize("role", [Role.PARTNER_FULL_ADMIN, Role.PARTNER_READ_ONLY])
def test_start_page_is_for_sales_roles(client, world, role):
    client.force_login(world.a[role])
    assert client.get(reverse("trial-start")).status_code == 403


def test_consent_get_never_consumes_the_link(client, world, pending):
    url = reverse("trial-consent", args=[services.consent_token(pending)])
    client.force_login(world.b[Role.CUSTOMER_FULL_ADMIN])
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "Accept the trial" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Trial.Status.PENDING_CONSENT
    response = client.post(url, {"access": "full"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Trial.Status.PENDING_PROVISIONING
    rel = PartnerRelationship.objects.get(partner=world.a.partner, customer=world.b.customer)
    assert rel.access == "full" and not rel.is_managing
    # Used up: the link now says so, and a second POST changes nothing.
    assert client.get(url).status_code == 404
    assert client.post(url, {"access": "provisioning"}).status_code == 404
    rel.refresh_from_db()
    assert rel.access == "full"


def test_consent_needs_a_login_and_a_recipient(client, world, pending):
    url = reverse("trial-consent", args=[services.consent_token(pending)])
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response.url
    # Not a recipient (the typed admin email is B's full admin): as if no such link.
    for person in (
        world.b[Role.CUSTOMER_READ_ONLY],
        world.a[Role.CUSTOMER_FULL_ADMIN],
        world.a[Role.SALES_FULL_ADMIN],
    ):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"access": "full"}).status_code == 404
    pending.refresh_from_db()
    assert pending.status == Trial.Status.PENDING_CONSENT


def test_consent_link_tampered_or_expired_or_other_salt(client, world, pending, clock):
    client.force_login(world.b[Role.CUSTOMER_FULL_ADMIN])
    token = services.consent_token(pending)
    assert client.get(reverse("trial-consent", args=[token + "x"])).status_code == 404
    other_salt = signing.dumps({"trial": pending.pk}, salt="something.else")
    assert client.get(reverse("trial-consent", args=[other_salt])).status_code == 404
    clock.shift(dt.timedelta(days=32))
    assert client.get(reverse("trial-consent", args=[token])).status_code == 404


def test_partner_resends_and_cancels(client, world, pending):
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    page = client.get(reverse("trial-detail", args=[pending.pk])).content.decode()
    assert "Trial pending customer consent" in page and "Resend consent email" in page
    assert client.post(reverse("trial-resend", args=[pending.pk])).status_code == 302
    # Cancel asks first: a bare POST only leads to the question.
    url = reverse("trial-cancel", args=[pending.pk])
    assert client.post(url).url == url
    pending.refresh_from_db()
    assert pending.status == Trial.Status.PENDING_CONSENT
    assert "Yes, cancel the trial" in client.get(url).content.decode()
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == Trial.Status.CANCELLED
    listing = client.get(reverse("customer-list")).content.decode()
    assert world.b.customer.name not in listing


def test_pending_customer_is_only_a_trial_with_the_typed_name(client, world, pending):
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    listing = client.get(reverse("customer-list")).content.decode()
    assert world.b.customer.name not in listing
    assert reverse("customer-detail", args=[world.b.customer.pk]) not in listing
    assert client.get(reverse("customer-detail", args=[world.b.customer.pk])).status_code == 404
    trials = client.get(reverse("trial-list")).content.decode()
    assert reverse("trial-detail", args=[pending.pk]) in trials
    assert "Typed Co" in trials and world.b.customer.name not in trials


def test_customer_list_trial_columns_filters_and_query_count(
    client, world, clock, django_assert_max_num_queries
):
    world.a.trial.end_date = dt.date(2025, 5, 30)
    world.a.trial.save()
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    url = reverse("customer-list")
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(6):
        customer = CustomerFactory(name=f"Extra {n}", partner=world.a.partner)
        TrialFactory(
            customer=customer,
            partner=world.a.partner,
            services=["calling"],
            end_date=dt.date(2025, 3, 1) + dt.timedelta(days=3 + n),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert "Calling: 3 days left" in page
    assert "Meetings: 90 days left" in page  # the conftest trial of customer A
    filtered = client.get(url, {"trial_expires_within": "5"}).content.decode()
    assert "Extra 0" in filtered and "Extra 2" in filtered and "Extra 3" not in filtered
    assert world.a.customer.name not in filtered
    by_status = client.get(url, {"trial": "active"}).content.decode()
    assert world.a.customer.name in by_status
    none = client.get(url, {"trial": "grace"}).content.decode()
    assert "Extra 0" not in none
    csv = client.get(url, {"_export": "csv"}).content.decode()
    assert "Trial expiry" in csv and "Calling: 3 days left" in csv


def test_customer_home_flags_expiring_trial_licences(client, world, clock):
    world.a.trial.end_date = dt.date(2025, 3, 6)
    world.a.trial.save()
    client.force_login(world.a[Role.CUSTOMER_READ_ONLY])
    page = client.get(reverse("customer-detail", args=[world.a.customer.pk])).content.decode()
    assert "Expiring" in page
    assert "Your trial licences for Meetings expire on 2025-03-06 (5 days left)." in page
    world.a.trial.end_date = dt.date(2025, 5, 6)
    world.a.trial.save()
    page = client.get(reverse("customer-detail", args=[world.a.customer.pk])).content.decode()
    assert "Your trial licences" not in page and "Meetings" in page


def test_edit_and_delete_with_confirmation(client, world, clock):
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    trial = world.a.trial
    response = client.post(
        reverse("trial-edit", args=[trial.pk]),
        {"services": ["messaging"], "standard_agents": "0", "premium_agents": "0"},
    )
    assert response.status_code == 302
    assert Trial.objects.get(pk=trial.pk).service_codes == ["messaging"]
    confirm = client.get(reverse("trial-delete", args=[trial.pk])).content.decode()
    assert "Yes, delete" in confirm
    assert Trial.objects.filter(pk=trial.pk).exists()
    client.post(reverse("trial-delete", args=[trial.pk]))
    assert not Trial.objects.filter(pk=trial.pk).exists()


def test_extend_button(client, world, clock):
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    url = reverse("trial-extend", args=[world.a.trial.pk])
    client.post(url, {"new_end_date": "2025-03-31"})
    world.a.trial.refresh_from_db()
    assert world.a.trial.end_date == dt.date(2025, 3, 31)


def test_read_only_partner_sees_but_cannot_change(client, world):
    client.force_login(world.a[Role.PARTNER_READ_ONLY])
    page = client.get(reverse("trial-detail", args=[world.a.trial.pk])).content.decode()
    assert "Extend" not in page
    assert client.post(reverse("trial-extend", args=[world.a.trial.pk])).status_code == 403


def test_full_admin_sees_the_pending_request_on_their_home(client, world, pending):
    client.force_login(world.b[Role.CUSTOMER_FULL_ADMIN])
    page = client.get(reverse("customer-detail", args=[world.b.customer.pk])).content.decode()
    assert "Review the trial request" in page
    assert "/trials/consent/" in page
    client.force_login(world.b[Role.CUSTOMER_READ_ONLY])
    page = client.get(reverse("customer-detail", args=[world.b.customer.pk])).content.decode()
    assert "/trials/consent/" not in page and "Trial pending customer consent" in page


def test_provisioning_only_partner_reaches_the_customer_through_the_trial(client, world, pending):
    services.trial_consent_accept(
        person=world.b[Role.CUSTOMER_FULL_ADMIN], trial=pending, access="provisioning"
    )
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    listing = client.get(reverse("customer-list")).content.decode()
    assert reverse("trial-detail", args=[pending.pk]) in listing
    assert "Pending provisioning details" in listing
    client.post(reverse("trial-provision", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.status == Trial.Status.ACTIVE


def test_overdue_devices_are_flagged(client, world, clock):
    trial = world.a.trial
    trial.end_date = dt.date(2025, 2, 10)  # due back 2025-02-24
    trial.save()
    trial.devices.create(model="desk_pro", quantity=1)
    services.trial_devices_ship(actor=None, trial=trial, units=[("desk_pro", "SN-1")])
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    page = client.get(reverse("trial-detail", args=[trial.pk])).content.decode()
    assert 'id="devices-overdue"' in page and "2025-02-24" in page
    client.post(reverse("trial-return", args=[trial.pk]), {"serial_number": "SN-2"})
    page = client.get(reverse("trial-detail", args=[trial.pk])).content.decode()
    assert 'id="devices-overdue"' in page  # a serial that was not shipped changes nothing
    client.post(reverse("trial-return", args=[trial.pk]), {"serial_number": "sn-1"})
    page = client.get(reverse("trial-detail", args=[trial.pk])).content.decode()
    assert 'id="devices-overdue"' not in page


# Issue 14, item 9 ----------------------------------------------------------------------


def test_extending_asks_first_and_shows_that_it_shortens(client, world, clock):
    trial = world.a.trial  # 90 days left
    trial.start_date, trial.end_date = START.date(), START.date() + dt.timedelta(days=90)
    trial.save()
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    url = reverse("trial-extend", args=[trial.pk])
    assert client.post(url).url == url  # never without the confirmation
    trial.refresh_from_db()
    assert trial.end_date == START.date() + dt.timedelta(days=90)
    page = client.get(url).content.decode()
    new_end = START.date() + dt.timedelta(days=30)
    assert "This shortens the trial by 60 days." in page
    assert f'value="{new_end.isoformat()}"' in page
    # A confirmation for another day (left open overnight) asks again.
    stale = client.post(url, {"new_end_date": (new_end - dt.timedelta(days=1)).isoformat()})
    assert stale.url == url
    assert client.post(url, {"new_end_date": new_end.isoformat()}).status_code == 302
    trial.refresh_from_db()
    assert trial.end_date == new_end


def test_read_only_people_get_no_confirmation_page(client, world, clock):
    client.force_login(world.a[Role.PARTNER_READ_ONLY])
    assert client.get(reverse("trial-extend", args=[world.a.trial.pk])).status_code in (403, 404)


def test_a_trial_in_grace_says_how_long_is_left_to_convert(client, world, clock):
    trial = world.a.trial
    trial.status, trial.end_date = Trial.Status.GRACE, START.date() - dt.timedelta(days=10)
    trial.save()
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    page = client.get(reverse("trial-detail", args=[trial.pk])).content.decode()
    assert "in grace: 20 days left to convert" in page and "-10" not in page
    listed = client.get(reverse("customer-list")).content.decode()
    assert "in grace: 20 days left to convert" in listed
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    home = client.get(reverse("customer-detail", args=[world.a.customer.pk])).content.decode()
    assert "in grace: 20 days left to convert" in home


def test_the_customer_declines_the_trial(
    client, world, pending, django_capture_on_commit_callbacks
):
    from django.core import mail as django_mail

    from orgs.models import AuditLog

    url = reverse("trial-consent", args=[services.consent_token(pending)])
    client.force_login(world.b[Role.CUSTOMER_FULL_ADMIN])
    assert "Decline" in client.get(url).content.decode()
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decline": "1"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Trial.Status.DECLINED
    assert AuditLog.objects.filter(action="trial.decline_consent").exists()
    assert any("declined your trial" in m.subject for m in django_mail.outbox)
    assert world.a[Role.SALES_FULL_ADMIN].email in {to for m in django_mail.outbox for to in m.to}
    assert not PartnerRelationship.objects.filter(
        partner=world.a.partner, customer=world.b.customer
    ).exists()
    assert client.get(url).status_code == 404  # answered: the link is used up


def test_a_read_only_admin_cannot_decline(client, world, pending):
    url = reverse("trial-consent", args=[services.consent_token(pending)])
    client.force_login(world.b[Role.CUSTOMER_READ_ONLY])
    # Not a recipient of this link (it went to the full admins): as if it did not exist.
    assert client.post(url, {"decline": "1"}).status_code == 404
    pending.refresh_from_db()
    assert pending.status == Trial.Status.PENDING_CONSENT


def test_conversion_is_not_offered_for_a_customer_another_partner_manages(client, world):
    trial = TrialFactory(customer=world.b.customer, partner=world.a.partner, services=["meetings"])
    PartnerRelationship.objects.get_or_create(
        partner=world.a.partner, customer=world.b.customer, defaults={"access": "full"}
    )
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    detail = client.get(reverse("trial-detail", args=[trial.pk])).content.decode()
    assert "managed by another partner" in detail
    assert reverse("trial-convert", args=[trial.pk]) not in detail
    convert = client.get(reverse("trial-convert", args=[trial.pk])).content.decode()
    assert "managed by another partner" in convert and "Place the order" not in convert


def test_the_convert_form_is_the_order_form_prefilled_from_the_trial(client, world):
    trial = world.a.trial
    trial.standard_agents, trial.premium_agents = 7, 2
    trial.save()
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    response = client.get(reverse("trial-convert", args=[trial.pk]))
    lines = response.context["lines"]
    assert [(f["sku"].value(), f["quantity"].value()) for f in lines.forms[:2]] == [
        ("A-FLEX-WCC-S-N", 7),
        ("A-FLEX-WCC-P-N", 2),
    ]
    assert '<select name="offer_code"' in response.content.decode()


def test_shipping_a_serial_twice_says_so(client, world):
    from trials.models import TrialDevice

    trial = world.a.trial
    TrialDevice.objects.create(trial=trial, model="desk_pro", quantity=1)
    client.force_login(world.a[Role.SALES_FULL_ADMIN])
    url = reverse("trial-ship", args=[trial.pk])
    client.post(url, {"model": "desk_pro", "serial_number": "SN-1"})
    response = client.post(url, {"model": "desk_pro", "serial_number": "sn-1"}, follow=True)
    body = response.content.decode()
    assert "Serial SN-1 was already shipped for this trial" in body
    assert "More desk_pro" not in body
