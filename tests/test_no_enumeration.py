"""No enumeration across tenants (issue 13.3): a partner who types another tenant's email
learns nothing about it until its full admin consents; search reaches only what the
searcher may see; error messages never confirm that an email or an order exists
elsewhere; the Set up now wizard suggests only organisations its user could know; the
consent link opens for its recipients only."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from orgs import services as org_services
from orgs.models import PartnerRelationship
from orgs.roles import Role
from subscriptions import services as subscription_services
from tests.factories import CustomerFactory, OrderFactory, PersonFactory, consent_request
from trials import services
from trials.models import Trial
from trials.services import TrialSizes

START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
LEAKY_WORDS = ("belongs", "another organisation", "an organisation", "already exists")


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _start_body(email: str, **overrides) -> dict:
    return {
        "company_name": "Typed Name Ltd",
        "admin_email": email,
        "industry": "retail",
        "country": "GB",
        "services": ["calling"],
        **overrides,
    }


def _secrets_of(tenant) -> list[str]:
    """What partner A must not learn about customer B before consent."""
    return [tenant.customer.name, f"/customers/{tenant.customer.pk}/"]


# ---- trials for an existing customer ----------------------------------------------------


def test_api_trial_for_an_existing_customer_shows_only_what_was_typed(api, world, clock):
    api.force_authenticate(world.a[Role.SALES_ADMIN])
    email = world.b[Role.CUSTOMER_FULL_ADMIN].email
    response = api.post("/api/v1/trials/", _start_body(email), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "pending_consent"
    assert data["customer"] is None
    assert data["customer_name"] == "Typed Name Ltd"
    assert data["admin_email"] == email
    assert world.b.customer.name not in response.content.decode()
    listed = api.get("/api/v1/trials/").content.decode()
    assert world.b.customer.name not in listed
    assert f'"customer":{world.b.customer.pk}' not in listed.replace(" ", "")


def test_pages_show_the_typed_name_and_not_the_customer_until_consent(client, world, clock):
    seller = world.a[Role.SALES_FULL_ADMIN]
    client.force_login(seller)
    response = client.post(
        reverse("trial-start"),
        {
            **_start_body(world.b[Role.CUSTOMER_READ_ONLY].email),
            "length_days": "90",
            "standard_agents": "0",
            "premium_agents": "0",
        },
        follow=True,
    )
    trial = Trial.objects.get(partner=world.a.partner, status=Trial.Status.PENDING_CONSENT)
    pages = [
        response.content.decode(),  # the trial's page with the flash message
        client.get(reverse("trial-list")).content.decode(),
        client.get(reverse("trial-edit", args=[trial.pk])).content.decode(),
        client.get(reverse("trial-delete", args=[trial.pk])).content.decode(),
        client.get(reverse("customer-list")).content.decode(),
        client.get(reverse("customer-list"), {"_export": "csv"}).content.decode(),
        client.get(reverse("customer-list"), {"trial": "pending_consent"}).content.decode(),
    ]
    for page in pages:
        for secret in _secrets_of(world.b):
            assert secret not in page
    assert "Typed Name Ltd" in pages[0] and "Typed Name Ltd" in pages[1]
    assert "Trial pending customer consent" in pages[0]

    # Once a full admin consents, the partner knows whom it serves.
    services.trial_consent_accept(
        person=world.b[Role.CUSTOMER_FULL_ADMIN], trial=trial, access="full"
    )
    assert world.b.customer.name in client.get(reverse("trial-list")).content.decode()
    assert world.b.customer.name in client.get(reverse("customer-list")).content.decode()


def test_what_the_customer_bought_or_trials_elsewhere_is_not_told(world, clock):
    # Customer B has Meetings on trial with partner B: partner A is not told so.
    trial = services.trial_start(
        actor=world.a[Role.SALES_ADMIN],
        partner=world.a.partner,
        company_name="Typed",
        admin_email=world.b[Role.CUSTOMER_FULL_ADMIN].email,
        industry="retail",
        country="GB",
        sizes=TrialSizes(
            services=["meetings", "calling"],
            meetings_site_url="typed.webex.com",
            meetings_time_zone="Europe/London",
        ),
    )
    assert trial.status == Trial.Status.PENDING_CONSENT
    # Editing the pending trial is not an oracle either.
    services.trial_change_services(
        actor=world.a[Role.SALES_ADMIN],
        trial=trial,
        sizes=TrialSizes(
            services=["meetings"],
            meetings_site_url="typed.webex.com",
            meetings_time_zone="Europe/London",
        ),
    )
    with pytest.raises(ValidationError) as refused:  # nothing left to trial
        services.trial_consent_accept(
            person=world.b[Role.CUSTOMER_FULL_ADMIN], trial=trial, access="full"
        )
    assert "services" in refused.value.message_dict
    services.trial_change_services(
        actor=world.a[Role.SALES_ADMIN],
        trial=trial,
        sizes=TrialSizes(
            services=["meetings", "messaging"],
            meetings_site_url="typed.webex.com",
            meetings_time_zone="Europe/London",
        ),
    )
    # The customer's full admin accepts: what it cannot have on trial is dropped then.
    trial = services.trial_consent_accept(
        person=world.b[Role.CUSTOMER_FULL_ADMIN], trial=trial, access="full"
    )
    assert trial.service_codes == ["messaging"]
    assert trial.meetings_site_url == ""


# ---- search -----------------------------------------------------------------------------


def test_search_matches_only_the_emails_of_people_one_may_see(client, world, clock):
    # Customer C lets partner A provision only: A lists C but may not see its people.
    hidden = CustomerFactory(name="Provisioned Only Co")
    PartnerRelationship.objects.create(
        partner=world.a.partner,
        customer=hidden,
        is_managing=False,
        access=PartnerRelationship.Access.PROVISIONING,
    )
    PersonFactory(email="quiet.person@zz-hidden.test", organization=hidden)
    consent_request(world.a, world.b[Role.CUSTOMER_FULL_ADMIN].email, actor_role=Role.SALES_ADMIN)
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    url = reverse("customer-list")
    assert "Provisioned Only Co" in client.get(url).content.decode()
    assert "Provisioned Only Co" not in client.get(url, {"q": "zz-hidden"}).content.decode()
    by_b = client.get(url, {"q": world.b[Role.CUSTOMER_READ_ONLY].email}).content.decode()
    assert world.b.customer.name not in by_b
    # The people one may see are still found by email.
    own = client.get(url, {"q": world.a[Role.CUSTOMER_READ_ONLY].email}).content.decode()
    assert world.a.customer.name in own
    assert "Provisioned Only Co" in client.get(url, {"q": "provisioned"}).content.decode()


# ---- neutral error messages -------------------------------------------------------------


def _messages(error: ValidationError) -> str:
    return " ".join(m for ms in error.message_dict.values() for m in ms)


def test_errors_do_not_confirm_an_email_elsewhere(api, world, clock):
    elsewhere = world.b[Role.SALES_ADMIN].email
    texts = []
    with pytest.raises(ValidationError) as error:  # invite a colleague
        org_services.person_create(
            actor=world.a[Role.CUSTOMER_FULL_ADMIN],
            organization=world.a.customer,
            email=elsewhere,
            role=Role.CUSTOMER_READ_ONLY,
        )
    texts.append(_messages(error.value))
    api.force_authenticate(world.a[Role.SALES_ADMIN])
    response = api.post("/api/v1/trials/", _start_body(elsewhere), format="json")
    assert response.status_code == 400
    texts.append(response.content.decode())
    order = OrderFactory(partner=world.a.partner, lines=[("A-FLEX-WCC-S-N", 5)])
    with pytest.raises(ValidationError) as error:  # a new organisation for a known email
        subscription_services.order_provision(
            actor=world.a[Role.PARTNER_FULL_ADMIN],
            order=order,
            customer_admin_email=world.b[Role.CUSTOMER_FULL_ADMIN].email,
            company_name="Fresh",
            country="NL",
            organization="new",
        )
    texts.append(_messages(error.value))
    for text in texts:
        assert elsewhere not in text and world.b[Role.CUSTOMER_FULL_ADMIN].email not in text
        for word in LEAKY_WORDS:
            assert word not in text, text


def test_mapping_an_order_does_not_tell_who_manages_the_customer(world):
    order = OrderFactory(partner=world.a.partner, lines=[("A-FLEX-WCC-S-N", 5)])
    with pytest.raises(ValidationError) as error:
        subscription_services.order_provision(
            actor=world.a[Role.PARTNER_FULL_ADMIN],
            order=order,
            customer_admin_email=world.b[Role.CUSTOMER_FULL_ADMIN].email,
            company_name="Fresh",
            country="NL",
            organization=str(world.b.customer.pk),
        )
    assert "another partner" not in _messages(error.value)
    assert "managed" not in _messages(error.value)


# ---- the Set up now wizard's suggestions --------------------------------------------------


def test_wizard_suggests_only_organisations_the_recipient_could_know(world):
    unrelated = CustomerFactory(name="Hooli Inc")
    PersonFactory(
        email="gavin@hooli.example", organization=unrelated, role=Role.CUSTOMER_FULL_ADMIN
    )
    related = CustomerFactory(name="Hooligan Ltd", partner=world.a.partner)
    PersonFactory(email="x@hooli.example", organization=related, role=Role.CUSTOMER_FULL_ADMIN)
    by_name = subscription_services.organization_suggestions(
        partner=world.a.partner,
        customer_admin_email="new@hooli.example",
        company_name="Hooli Europe",
    )
    assert by_name == [related]
    # The exact admin email names its organisation, whoever manages it.
    by_email = subscription_services.organization_suggestions(
        partner=world.a.partner,
        customer_admin_email="GAVIN@hooli.example",
        company_name="Anything",
    )
    assert by_email == [unrelated]


# ---- the consent link -------------------------------------------------------------------


@pytest.fixture
def pending(world, clock):
    return consent_request(world.a, world.b[Role.CUSTOMER_READ_ONLY].email)


def test_consent_link_shows_nothing_to_anyone_but_its_recipients(client, world, pending):
    url = reverse("trial-consent", args=[services.consent_token(pending)])
    outsider = PersonFactory(
        email="other.admin@customer-b.test",
        organization=world.b.customer,
        role=Role.CUSTOMER_READ_ONLY,
    )
    for person in (
        outsider,  # of the customer, but not a recipient
        world.a[Role.CUSTOMER_FULL_ADMIN],
        world.a[Role.SALES_FULL_ADMIN],  # the partner that asked
        world.b[Role.PARTNER_FULL_ADMIN],
    ):
        client.force_login(person)
        for response in (client.get(url), client.post(url, {"access": "full"})):
            page = response.content.decode()
            assert response.status_code == 404
            assert "asks to start a trial" not in page and "Calling" not in page
            if person.organization_id != world.b.customer.pk:
                assert world.b.customer.name not in page
            if person.organization_id != world.a.partner.pk:
                assert world.a.partner.name not in page
    # The recipients: the typed admin email (may read, not accept) and the full admins.
    client.force_login(world.b[Role.CUSTOMER_READ_ONLY])
    assert world.a.partner.name in client.get(url).content.decode()
    client.force_login(world.b[Role.CUSTOMER_FULL_ADMIN])
    assert client.get(url).status_code == 200
    pending.refresh_from_db()
    assert pending.status == Trial.Status.PENDING_CONSENT


def test_consent_link_logged_out_explains_and_comes_back(client, world, pending):
    url = reverse("trial-consent", args=[services.consent_token(pending)])
    response = client.get(url, follow=True)
    login_page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "Log in to answer the trial request" in login_page
    assert world.a.partner.name not in login_page
    response = client.post(
        response.redirect_chain[-1][0],
        {
            "username": world.b[Role.CUSTOMER_FULL_ADMIN].email,
            "password": "correct horse battery staple",
        },
    )
    assert response.status_code == 302 and response.url == url


def test_a_declined_trial_tells_the_partner_only_the_name_it_typed(
    world, pending, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.trial_consent_decline(person=world.b[Role.CUSTOMER_FULL_ADMIN], trial=pending)
    told = [m for m in mailoutbox if world.a[Role.SALES_FULL_ADMIN].email in m.to]
    assert told, "the seller who asked is told"
    for message in told:
        text = message.subject + message.body
        assert "Typed" in text
        assert world.b.customer.name not in text
