"""Order pages, the Set up now provisioning wizard and the customer's setup wizard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from orgs.models import Organization, PartnerRelationship, Person
from orgs.roles import Role
from subscriptions import links, services
from subscriptions.models import Order, Subscription
from tests.conftest import ensure_catalogue
from tests.factories import CustomerFactory, OrderFactory, PartnerFactory, PersonFactory

# Order pages ---------------------------------------------------------------------------


def test_order_list_shows_the_partners_orders_with_filters(
    client, world, django_assert_max_num_queries
):
    for n in range(5):
        OrderFactory(partner=world.a.partner, web_order_id=f"WO-LIST-{n}")
    client.force_login(world.a[Role.PARTNER_READ_ONLY])
    with django_assert_max_num_queries(12):
        body = client.get("/orders/").content.decode()
    assert "WO-LIST-4" in body and world.a.order.web_order_id in body
    assert world.b.order.web_order_id not in body
    assert "Place an order" not in body  # read-only
    filtered = client.get("/orders/?status=closed").content.decode()
    assert "WO-LIST-4" not in filtered
    csv = client.get("/orders/?_export=csv")
    assert csv.status_code == 200 and b"WO-LIST-4" in csv.content


def test_customers_have_no_order_pages(client, world):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    assert client.get("/orders/").status_code == 404
    assert client.get(f"/orders/{world.a.order.pk}/").status_code == 404


def test_orders_nav_item_for_partner_people(client, world):
    client.force_login(world.a[Role.SALES_ADMIN])
    assert 'href="/orders/"' in client.get("/customers/").content.decode()


def test_place_an_order_from_the_form(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.a[Role.SALES_ADMIN])
    data = {
        "web_order_id": "WO-FORM-1",
        "offer": "A-FLEX-3-CC",
        "requested_start_date": timezone.now().date().isoformat(),
        "provisioning_contact_email": "contact@partner-a.test",
        "lines-TOTAL_FORMS": "5",
        "lines-INITIAL_FORMS": "0",
        "lines-0-sku": "A-FLEX-WCC-S-N",
        "lines-0-quantity": "12",
        "lines-1-sku": "",
        "lines-1-quantity": "",
        "lines-2-sku": "A-FLEX-WCC-IVR",
        "lines-2-quantity": "3",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/orders/new/", data)
    order = Order.objects.get(web_order_id="WO-FORM-1")
    assert response.url == f"/orders/{order.pk}/"
    assert {line.sku.code for line in order.lines.select_related("sku")} == {
        "A-FLEX-WCC-S-N",
        "A-FLEX-WCC-S-N-O",
        "A-FLEX-WCC-IVR",
        "A-FLEX-WCC-IVR-O",
    }
    assert mailoutbox[0].to == ["contact@partner-a.test"]


def test_the_form_shows_the_services_errors_on_the_line(client, world):
    client.force_login(world.a[Role.SALES_ADMIN])
    data = {
        "web_order_id": "WO-FORM-2",
        "offer": "A-FLEX-3-CC",
        "requested_start_date": "2026-12-01",
        "provisioning_contact_email": "contact@partner-a.test",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-sku": "A-FLEX-WCC-S-N",
        "lines-0-quantity": "1",
        "lines-2-sku": "A-FLEX-WCC-P-C",
        "lines-2-quantity": "1",
    }
    response = client.post("/orders/new/", data)
    assert response.status_code == 200
    assert "cannot mix named and concurrent" in response.content.decode()
    assert not Order.objects.filter(web_order_id="WO-FORM-2").exists()


def test_read_only_cannot_open_the_order_form(client, world):
    client.force_login(world.a[Role.PARTNER_READ_ONLY])
    assert client.get("/orders/new/").status_code == 403


def test_edit_the_contact_and_resend(client, world, mailoutbox, django_capture_on_commit_callbacks):
    order = world.a.order
    client.force_login(world.a[Role.PARTNER_ADMIN])
    body = client.get(f"/orders/{order.pk}/").content.decode()
    assert "Resend the Set up now email" in body
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/orders/{order.pk}/resend/")
        client.post(
            f"/orders/{order.pk}/contact/", {"provisioning_contact_email": "new@partner-a.test"}
        )
    order.refresh_from_db()
    assert order.provisioning_contact_email == "new@partner-a.test"
    assert [mail.to[0] for mail in mailoutbox][-1] == "new@partner-a.test"


def test_a_provisioned_order_cannot_change(client, world):
    order = world.a.order
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PROVISIONED)
    client.force_login(world.a[Role.PARTNER_ADMIN])
    assert "Resend" not in client.get(f"/orders/{order.pk}/").content.decode()
    response = client.post(
        f"/orders/{order.pk}/contact/", {"provisioning_contact_email": "x@y.test"}, follow=True
    )
    assert "cannot change" in response.content.decode()
    order.refresh_from_db()
    assert order.provisioning_contact_email != "x@y.test"


# The provisioning wizard ---------------------------------------------------------------


@pytest.fixture
def order(world):
    return services.order_place(
        actor=world.a[Role.SALES_ADMIN],
        partner=world.a.partner,
        web_order_id="WO-WIZ-1",
        offer_code="A-FLEX-3-CC",
        requested_start_date=timezone.now().date() + dt.timedelta(days=5),
        provisioning_contact_email="contact@partner-a.test",
        lines=[("A-FLEX-WCC-S-N", 8), ("A-FLEX-WCC-P-N", 2)],
    )


def wizard(client, order, email="contact@partner-a.test", role="partner"):
    base = f"/setup-now/{links.setup_token(order_id=order.pk, email=email, role=role)}/"

    def step(name, data=None, **kwargs):
        url = base if name == "start" else f"{base}{name}/"
        if data is None:
            return client.get(url, **kwargs)
        return client.post(url, data, **kwargs)

    return step


def run_partner_wizard(step, *, admin="admin@wizco.example", company="WizCo", organization=None):
    assert step("start", {}).status_code == 302
    assert step("role", {"role": "partner"}).status_code == 302
    assert step("who", {"setup_by": "me"}).status_code == 302
    assert step("partner", {}).status_code == 302
    assert step("admin", {"customer_admin_email": admin}).status_code == 302
    assert step("company", {"company_name": company, "country": "BE"}).status_code == 302
    if organization is None:
        organization = "new"
    assert step("organization", {"organization": organization}).status_code == 302


def test_the_whole_partner_path(client, order, mailoutbox, django_capture_on_commit_callbacks):
    step = wizard(client, order)
    start = step("start")
    assert start["Referrer-Policy"] == "no-referrer"
    order.refresh_from_db()
    assert order.wizard_opened_at is None  # a GET (a mail scanner) opens nothing
    run_partner_wizard(step)
    order.refresh_from_db()
    assert order.status == Order.Status.SETUP_STARTED
    assert not Organization.objects.filter(name="WizCo").exists()  # nothing written yet
    review = step("confirm")
    assert review["Referrer-Policy"] == "no-referrer"
    body = review.content.decode()
    assert "admin@wizco.example" in body and "WizCo" in body and "EU" in body
    with django_capture_on_commit_callbacks(execute=True):
        done = step("confirm", {}, follow=True)
    assert "set up successfully" in done.content.decode()
    customer = Organization.objects.get(name="WizCo")
    subscription = Subscription.objects.get(customer=customer)
    assert (subscription.standard_agents, subscription.premium_agents) == (8, 2)
    assert subscription.status == Subscription.Status.PENDING_SETUP
    assert customer.country == "BE"
    assert mailoutbox[-1].to == ["admin@wizco.example"]
    # The link is dead now, and says so.
    assert "already been set up" in step("start").content.decode()
    assert "already been set up" in step("role", {"role": "partner"}).content.decode()


def test_leaving_half_way_writes_nothing_and_the_link_starts_again(client, order):
    step = wizard(client, order)
    step("start", {})
    step("role", {"role": "partner"})
    step("who", {"setup_by": "me"})
    counts = (Organization.objects.count(), Person.objects.count())
    # Jumping ahead goes back to the first step not done.
    assert step("company").url.endswith("/partner/")
    assert step("start", {}).url.endswith("/role/")
    assert step("who").url.endswith("/role/")  # starting again forgets the old answers
    assert counts == (Organization.objects.count(), Person.objects.count())


def test_another_browser_has_no_state(client, order):
    step = wizard(client, order)
    assert step("admin").url.endswith(step("start").wsgi_request.path)


def test_a_colleague_gets_a_fresh_link(
    client, order, mailoutbox, django_capture_on_commit_callbacks
):
    step = wizard(client, order)
    step("start", {})
    step("role", {"role": "partner"})
    with django_capture_on_commit_callbacks(execute=True):
        sent = step("who", {"setup_by": "colleague", "email": "colleague@partner-a.test"})
    assert "colleague@partner-a.test" in sent.content.decode()
    assert mailoutbox[-1].to == ["colleague@partner-a.test"]
    assert "contact@partner-a.test" in mailoutbox[-1].body  # who asked
    token = mailoutbox[-1].body.split("/setup-now/")[1].split("/")[0]
    colleague = wizard(client, order, email="colleague@partner-a.test")
    assert colleague("start").status_code == 200
    assert links.read_token(token).email == "colleague@partner-a.test"
    assert Organization.objects.filter(name="WizCo").count() == 0


def test_the_customer_sets_up_and_the_partner_gets_no_admin_access(
    client, world, order, mailoutbox, django_capture_on_commit_callbacks
):
    step = wizard(client, order)
    step("start", {})
    step("role", {"role": "partner"})
    with django_capture_on_commit_callbacks(execute=True):
        step("who", {"setup_by": "customer", "email": "boss@custco.example"})
    assert mailoutbox[-1].to == ["boss@custco.example"]
    link = mailoutbox[-1].body.split("/setup-now/")[1].split("/")[0]
    assert links.read_token(link).role == "customer"
    client.logout()
    customer = wizard(client, order, email="boss@custco.example", role="customer")
    customer("start", {})
    role_page = customer("role").content.decode()
    assert 'value="customer" checked' in role_page or "checked" in role_page
    customer("role", {"role": "customer"})
    assert 'value="boss@custco.example"' in customer("admin").content.decode()
    customer("admin", {"customer_admin_email": "boss@custco.example"})
    customer("company", {"company_name": "CustCo", "country": "NL"})
    customer("organization", {"organization": "new"})
    customer("confirm", {})
    org = Organization.objects.get(name="CustCo")
    relationship = PartnerRelationship.objects.get(customer=org)
    assert relationship.access == PartnerRelationship.Access.PROVISIONING
    assert org not in Organization.objects.visible_to(world.a[Role.PARTNER_FULL_ADMIN])


def test_suggestions_and_the_trial_mapping_rule(client, world, order):
    trial = CustomerFactory(name="Wizard Trial", partner=world.a.partner, partner__managing=False)
    PersonFactory(email="admin@wiztrial.example", organization=trial, role=Role.CUSTOMER_FULL_ADMIN)
    step = wizard(client, order)
    step("start", {})
    step("role", {"role": "partner"})
    step("who", {"setup_by": "me"})
    step("partner", {})
    step("admin", {"customer_admin_email": "admin@wiztrial.example"})
    step("company", {"company_name": "Wizard Trial BV", "country": "NL"})
    page = step("organization").content.decode()
    assert "Existing: Wizard Trial" in page
    assert f'value="{trial.pk}"' in page
    step("organization", {"organization": str(trial.pk)})
    step("confirm", {})
    assert Subscription.objects.get(order=order).customer == trial


def test_confirm_errors_point_at_the_step(client, world, order):
    """One organisation per person: an email already in use cannot start a new one."""
    step = wizard(client, order)
    run_partner_wizard(step, admin=world.b[Role.CUSTOMER_READ_ONLY].email)
    # The email's organisation is suggested first; choosing "new" anyway fails at confirm.
    page = step("confirm", {}).content.decode()
    assert "cannot be the admin of a new organisation" in page
    assert "/admin/" in page
    assert Order.objects.get(pk=order.pk).status == Order.Status.SETUP_STARTED


def test_a_first_order_creates_the_partner_organisation(
    db, client, mailoutbox, django_capture_on_commit_callbacks
):
    ensure_catalogue()
    partner = PartnerFactory(name="Fresh Partner")
    order = OrderFactory(
        partner=partner,
        provisioning_contact_email="me@fresh.example",
        lines=[("A-FLEX-WCC-S-C", 4)],
    )
    step = wizard(client, order, email="me@fresh.example")
    step("start", {})
    step("role", {"role": "partner"})
    step("who", {"setup_by": "me"})
    page = step("partner").content.decode()
    assert "first order" in page
    step(
        "partner",
        {
            "partner_name": "Fresh Partner Ltd",
            "partner_country": "IE",
            "partner_admin_email": "me@fresh.example",
        },
    )
    step("admin", {"customer_admin_email": "admin@freshcust.example"})
    step("company", {"company_name": "Fresh Customer", "country": "IE"})
    step("organization", {"organization": "new"})
    with django_capture_on_commit_callbacks(execute=True):
        step("confirm", {})
    partner.refresh_from_db()
    assert partner.name == "Fresh Partner Ltd"
    admin = Person.objects.get(email="me@fresh.example")
    assert (admin.organization, admin.role) == (partner, Role.PARTNER_FULL_ADMIN)
    assert {mail.to[0] for mail in mailoutbox} >= {"me@fresh.example", "admin@freshcust.example"}


# The customer's setup wizard -----------------------------------------------------------


@pytest.fixture
def pending(world):
    order = OrderFactory(partner=world.a.partner, lines=[("A-FLEX-WCC-S-N", 3)])
    return services.order_provision(
        actor=None,
        order=order,
        customer_admin_email=world.a[Role.CUSTOMER_FULL_ADMIN].email,
        company_name="x",
        country="DE",
        organization=world.a.customer,
    )


def test_the_setup_wizard_activates_the_subscription(client, world, pending):
    customer = world.a.customer
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    home = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Open the setup wizard" in home
    url = f"/customers/{customer.pk}/setup/"
    assert "3 standard agents" in client.get(url).content.decode()
    steps = [
        ("details", {}),
        (
            "calling",
            {"calling_location": "HQ", "time_zone": "UTC", "emergency_number": "+49 30 1234567"},
        ),
        ("meeting", {"meeting_site_url": "custa"}),
        ("enterprise", {"subdomain": "custa"}),
    ]
    for name, data in steps:
        assert client.post(url, {"step": name, **data}).status_code == 302
    contact = client.get(url + "?step=contact_center").content.decode()
    assert '<option value="DE" selected>' in contact  # the order's country by default
    client.post(url, {"step": "contact_center", "country_of_operation": "AT"})
    response = client.post(url, {"step": "provision"}, follow=True)
    assert "billing has started" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Subscription.Status.ACTIVE
    assert (pending.subdomain, pending.meeting_site_url) == ("custa", "custa")
    assert pending.country_of_operation == "AT"
    assert pending.calling_settings["emergency_number"] == "+49301234567"
    assert "Open the setup wizard" not in client.get(f"/customers/{customer.pk}/").content.decode()


def test_provision_before_every_step_is_refused(client, world, pending):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/customers/{world.a.customer.pk}/setup/"
    response = client.post(url, {"step": "provision"})
    assert response.url.endswith("?step=calling")
    pending.refresh_from_db()
    assert pending.status == Subscription.Status.PENDING_SETUP


def test_subdomain_check(client, world, pending):
    Subscription.objects.filter(customer=world.b.customer).update(subdomain="taken")
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/customers/{world.a.customer.pk}/setup/subdomain/"
    assert client.get(url, {"subdomain": "free-one"}).json()["available"] is True
    taken = client.get(url, {"subdomain": "taken"}).json()
    assert taken["available"] is False and "taken" in taken["reason"]
    assert client.get(url, {"subdomain": "-bad"}).json()["available"] is False
    form = client.post(
        f"/customers/{world.a.customer.pk}/setup/", {"step": "enterprise", "subdomain": "taken"}
    )
    assert form.status_code == 200 and "taken" in form.content.decode()


def test_read_only_admins_see_no_banner_and_cannot_run_it(client, world, pending):
    client.force_login(world.a[Role.CUSTOMER_READ_ONLY])
    home = client.get(f"/customers/{world.a.customer.pk}/").content.decode()
    assert "Open the setup wizard" not in home
    assert client.get(f"/customers/{world.a.customer.pk}/setup/").status_code == 403


def _order_post(**changes):
    data = {
        "web_order_id": "WO-FORM-9",
        "offer": "A-FLEX-3-CC",
        "requested_start_date": timezone.now().date().isoformat(),
        "provisioning_contact_email": "contact@partner-a.test",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-sku": "A-FLEX-WCC-S-N",
        "lines-0-quantity": "2",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_past_start_date_is_placed_only_once_confirmed(client, world):
    client.force_login(world.a[Role.SALES_ADMIN])
    response = client.post("/orders/new/", _order_post(requested_start_date="2020-01-01"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "is in the past" in body and 'type="checkbox" name="start_in_past"' in body
    assert not Order.objects.filter(web_order_id="WO-FORM-9").exists()
    confirmed = _order_post(requested_start_date="2020-01-01", start_in_past="on")
    assert client.post("/orders/new/", confirmed).status_code == 302
    assert Order.objects.get(web_order_id="WO-FORM-9").requested_start_date == dt.date(2020, 1, 1)


def test_every_problem_of_the_order_form_shows_at_once_and_once(client, world):
    client.force_login(world.a[Role.SALES_ADMIN])
    data = _order_post(
        web_order_id=world.a.order.web_order_id,
        provisioning_contact_email="not an email",
        **{"lines-0-sku": "", "lines-0-quantity": ""},
    )
    response = client.post("/orders/new/", data)
    body = response.content.decode()
    assert body.count("An order with this web order id already exists.") == 1
    assert body.count("Enter a valid email address.") == 1
    assert body.count("An order needs at least one line.") == 1


def test_the_order_filters_say_when_a_date_is_not_one(client, world):
    client.force_login(world.a[Role.PARTNER_READ_ONLY])
    body = client.get("/orders/?start_from=notadate").content.decode()
    assert "Enter a valid date." in body
    assert "A filter below is not valid" in body
    assert 'type="date" name="start_from"' in body


@pytest.mark.parametrize(
    "number, problem",
    [
        ("112", "112 is an emergency number"),
        ("call me", "international format"),
        ("+0 12", "international format"),
        ("020 123 4567", "international format"),
    ],
)
def test_the_emergency_callback_number_is_a_phone_number(client, world, pending, number, problem):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/customers/{world.a.customer.pk}/setup/"
    data = {"step": "calling", "calling_location": "HQ", "time_zone": "UTC"}
    response = client.post(url, {**data, "emergency_number": number})
    assert response.status_code == 200 and problem in response.content.decode()
    assert client.post(url, {**data, "emergency_number": "0031 20-123 4567"}).status_code == 302


def test_meeting_sites_are_one_format_unique_with_trials(client, world, pending):
    from trials.models import Trial

    Trial.objects.filter(pk=world.b.trial.pk).update(meetings_site_url="trialco.webex.com")
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/customers/{world.a.customer.pk}/setup/"
    page = client.get(url + "?step=meeting").content.decode()
    assert "Your site will be acme.webex.com" in page
    for typed in ("trialco", "TrialCo.webex.com", "https://trialco.webex.com/"):
        response = client.post(url, {"step": "meeting", "meeting_site_url": typed})
        assert "trialco.webex.com is taken" in response.content.decode(), typed
    mine = client.post(url, {"step": "meeting", "meeting_site_url": "Mine.webex.com"})
    assert mine.status_code == 302
    calling = {"calling_location": "HQ", "time_zone": "UTC", "emergency_number": "+3212345678"}
    client.post(url, {"step": "calling", **calling})
    client.post(url, {"step": "enterprise", "subdomain": "mine"})
    client.post(url, {"step": "contact_center", "country_of_operation": "DE"})
    review = client.get(url + "?step=provision").content.decode()
    assert "mine.webex.com" in review


def test_the_review_step_opened_early_names_the_steps_still_to_do(client, world, pending):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/customers/{world.a.customer.pk}/setup/"
    client.post(url, {"step": "enterprise", "subdomain": "mine"})
    review = client.get(url + "?step=provision").content.decode()
    missing = review[
        review.index('id="steps-missing"') : review.index(
            "</div>", review.index('id="steps-missing"')
        )
    ]
    assert "?step=calling" in missing and "?step=contact_center" in missing
    assert "?step=enterprise" not in missing
    assert 'id="settings-review"' not in review
