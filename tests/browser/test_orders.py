"""The order-to-active-subscription path as people walk it: a partner places an order,
the provisioning contact follows the Set up now email through the wizard, the new
customer admin chooses a password and runs the setup wizard. Plus a branch and the
dead-link pages."""

from __future__ import annotations

import re

from django.core import mail
from django.utils import timezone

from orgs.roles import Role
from tests.browser.conftest import log_in
from tests.conftest import make_tenant
from trials.models import Trial

NEW_PASSWORD = "a long new password 42"


def link_in(message, path: str) -> str:
    match = re.search(rf"https?://\S+({re.escape(path)}\S*)", message.body)
    assert match, message.body
    return match.group(1)  # relative: the live server's base URL applies


def place_order(page, web_order_id: str, contact: str) -> None:
    page.get_by_role("link", name="Orders").click()
    page.get_by_role("button", name="Place an order").click()
    page.get_by_label("Web order id").fill(web_order_id)
    page.get_by_label("Offer").select_option("A-FLEX-3-CC")
    page.get_by_label("Requested start date").fill(timezone.now().date().isoformat())
    page.get_by_label("Provisioning contact email").fill(contact)
    page.get_by_label("SKU of line 1").select_option("A-FLEX-WCC-S-C")
    page.get_by_label("Quantity of line 1").fill("12")
    page.get_by_label("SKU of line 2").select_option("A-FLEX-WCC-IVR")
    page.get_by_label("Quantity of line 2").fill("3")
    page.get_by_role("button", name="Place order").click()
    assert page.get_by_role("heading", name=f"Order {web_order_id}").is_visible()
    assert page.locator("#order-status").inner_text() == "Awaiting provisioning"
    assert "A-FLEX-WCC-S-C-O" in page.locator("#order-lines").inner_text()


def next_(page) -> None:
    page.get_by_role("button", name="Next").click()


def test_from_order_to_active_subscription(page):
    tenant = make_tenant("a")
    mail.outbox.clear()
    log_in(page, tenant[Role.SALES_ADMIN].email)
    place_order(page, "WO-BROWSER-1", "provisioning@partner-a.test")

    setup_now = next(m for m in mail.outbox if m.to == ["provisioning@partner-a.test"])
    assert "Set up now" in setup_now.subject
    page.get_by_role("button", name="Log out").click()

    # The provisioning contact follows the link: nothing is written until Confirm.
    response = page.goto(link_in(setup_now, "/setup-now/"))
    assert response.headers["referrer-policy"] == "no-referrer"
    page.get_by_role("button", name="Start").click()
    page.get_by_label("I am a partner").check()
    next_(page)
    page.get_by_label("Yes, I will set up").check()
    next_(page)
    assert tenant.partner.name in page.locator("#partner-review").inner_text()
    next_(page)
    page.get_by_label("Customer admin email").fill("admin@browserco.example")
    next_(page)
    page.get_by_label("Company name").fill("BrowserCo")
    page.get_by_label("Country of operation").select_option("SE")
    next_(page)
    page.get_by_label("A new organisation").check()
    next_(page)
    review = page.locator("#review").inner_text()
    assert "BrowserCo" in review and "admin@browserco.example" in review
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("heading", name="Your order was set up successfully").is_visible()

    # The used link says so.
    page.goto(link_in(setup_now, "/setup-now/"))
    assert page.get_by_role("heading", name="This link no longer works").is_visible()
    assert "already been set up" in page.content()

    # The new customer admin chooses a password from the welcome email.
    welcome = next(m for m in mail.outbox if m.to == ["admin@browserco.example"])
    page.goto(link_in(welcome, "/password-reset/"))
    page.get_by_label("New password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation:", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    log_in(page, "admin@browserco.example", NEW_PASSWORD)

    # The setup wizard, from the banner on the customer home.
    assert page.get_by_role("heading", name="BrowserCo").is_visible()
    page.get_by_role("button", name="Open the setup wizard").click()
    assert "12 standard agents" in page.locator("#subscription-details").inner_text()
    next_(page)
    page.get_by_label("Main location name").fill("Stockholm HQ")
    page.get_by_label("Time zone").select_option("Europe/Amsterdam")
    page.get_by_label("Emergency callback number").fill("112")
    next_(page)
    # 112 cannot be called back: a full number in international format is asked for.
    assert page.get_by_text("112 is an emergency number").is_visible()
    page.get_by_label("Emergency callback number").fill("+46 8 123 456 78")
    next_(page)
    # The help names the site's whole address; a site a trial holds is taken.
    assert page.get_by_text("Your site will be acme.webex.com").is_visible()
    Trial.objects.filter(pk=tenant.trial.pk).update(meetings_site_url="trialco")
    page.get_by_label("Meeting site name").fill("trialco.webex.com")
    next_(page)
    assert page.get_by_text("trialco.webex.com is taken").is_visible()
    page.get_by_label("Meeting site name").fill("browserco")
    next_(page)
    page.get_by_label("Subdomain").fill("browserco")
    page.get_by_role("button", name="Check availability").click()
    result = page.locator("#subdomain-result")
    result.filter(has_text="available").wait_for()
    assert "browserco is available" in result.inner_text()
    next_(page)
    assert page.get_by_label("Country of operation").input_value() == "SE"
    next_(page)
    page.get_by_role("button", name="Provision").click()
    assert "billing has started" in page.locator(".messages").inner_text()
    row = page.locator("table#subscriptions tbody tr").first.inner_text()
    assert "WO-BROWSER-1" in row and "Active" in row and "Concurrent" in row
    assert page.get_by_role("button", name="Open the setup wizard").count() == 0


def test_the_customer_sets_up_branch_and_dead_links(page):
    tenant = make_tenant("a")
    mail.outbox.clear()
    log_in(page, tenant[Role.SALES_ADMIN].email)
    place_order(page, "WO-BROWSER-2", "provisioning@partner-a.test")
    page.get_by_role("button", name="Log out").click()

    setup_now = next(m for m in mail.outbox if m.to == ["provisioning@partner-a.test"])
    page.goto(link_in(setup_now, "/setup-now/"))
    page.get_by_role("button", name="Start").click()
    page.get_by_label("I am a partner").check()
    next_(page)
    page.get_by_label("The customer will set up").check()
    page.get_by_label("Their email").fill("boss@selfco.example")
    next_(page)
    assert page.get_by_role("heading", name="Set-up link sent").is_visible()

    to_customer = next(m for m in mail.outbox if m.to == ["boss@selfco.example"])
    page.goto(link_in(to_customer, "/setup-now/"))
    page.get_by_role("button", name="Start").click()
    assert page.get_by_label("I am the customer").is_checked()
    next_(page)
    assert page.get_by_label("Customer admin email").input_value() == "boss@selfco.example"
    next_(page)
    page.get_by_label("Company name").fill("SelfCo")
    page.get_by_label("Country of operation").select_option("NO")
    next_(page)
    next_(page)  # a new organisation, suggested by default
    assert "no admin access" in page.locator("#review").inner_text()
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("heading", name="Your order was set up successfully").is_visible()

    # A tampered link explains itself, never a 500.
    token_path = link_in(to_customer, "/setup-now/")
    response = page.goto(token_path.replace("/setup-now/", "/setup-now/x", 1))
    assert response.status == 200
    assert "has been changed" in page.content()

    # The partner sees the order provisioned but gets no admin access to the customer.
    log_in(page, tenant[Role.SALES_ADMIN].email)
    page.get_by_role("link", name="Orders").click()
    assert "Provisioned" in page.locator("table#orders").inner_text()
    page.get_by_role("link", name="Customers").click()
    assert "SelfCo" not in page.locator("table#customers").inner_text()


def test_the_order_form_warns_of_a_past_date_and_shows_every_problem_once(page):
    tenant = make_tenant("a")
    log_in(page, tenant[Role.SALES_ADMIN].email)
    page.goto("/orders/new/")
    page.get_by_label("Web order id").fill("WO-PAST-1")
    page.get_by_label("Requested start date").fill("2020-01-01")
    page.get_by_label("Provisioning contact email").fill("not an email")
    page.get_by_role("button", name="Place order").click()
    # Every problem at once: the email, the missing line and the past date, each once.
    body = page.locator("main").inner_text()
    assert body.count("Enter a valid email address.") == 1
    assert body.count("An order needs at least one line.") == 1
    assert "is in the past" in body
    page.get_by_label("Provisioning contact email").fill("contact@partner-a.test")
    page.get_by_label("SKU of line 1").select_option("A-FLEX-WCC-S-C")
    page.get_by_label("Quantity of line 1").fill("2")
    page.get_by_label("Yes, the requested start date is in the past").check()
    page.get_by_role("button", name="Place order").click()
    assert page.get_by_role("heading", name="Order WO-PAST-1").is_visible()


def test_the_order_filters_take_dates_from_a_date_picker(page):
    tenant = make_tenant("a")
    log_in(page, tenant[Role.SALES_ADMIN].email)
    page.goto("/orders/?start_from=notadate")
    assert page.get_by_label("Start from").get_attribute("type") == "date"
    assert page.get_by_role("alert").filter(has_text="not valid").is_visible()
    assert page.get_by_text("Enter a valid date.").is_visible()
