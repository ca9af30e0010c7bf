"""Trials in a real browser: a sales admin starts a trial for an existing customer, its
full admin accepts through the emailed link, and the partner provisions it; a new
customer's trial is extended."""

import re

from django.core import mail

from orgs.models import PartnerRelationship
from orgs.roles import Role
from tests.browser.conftest import log_in
from tests.conftest import make_tenant
from tests.factories import consent_request
from trials.models import Trial


def _log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def test_consent_path(page):
    a, b = make_tenant("a"), make_tenant("b")
    mail.outbox.clear()

    # Partner A's sales admin asks customer B (no relationship) for a Calling trial.
    log_in(page, a[Role.SALES_FULL_ADMIN].email)
    page.get_by_role("link", name="Trials").click()
    page.get_by_role("button", name="Start trial").click()
    page.get_by_label("Company name").fill("Typed Company")
    page.get_by_label("Admin email").fill(b[Role.CUSTOMER_FULL_ADMIN].email)
    page.get_by_label("Country (sets the data residency region)").select_option("GB")
    page.get_by_label("Calling").check()
    page.get_by_role("button", name="Start trial").click()
    assert page.locator("#trial-status").inner_text() == "Trial pending customer consent"
    assert page.get_by_role("button", name="Resend consent email").is_visible()

    # The partner sees only what it typed until the customer consents (issue 13.3).
    assert b.customer.name not in page.content()
    page.get_by_role("link", name="Trials").click()
    row = page.locator("table#trials tr", has_text="Typed Company")
    assert "Trial pending customer consent" in row.inner_text()
    page.get_by_role("link", name="Customers").click()
    assert b.customer.name not in page.locator("table#customers").inner_text()
    _log_out(page)

    # The consent email reached the customer's full admin with the signed link.
    consent = next(m for m in mail.outbox if "asks to start a trial" in m.subject)
    assert b[Role.CUSTOMER_FULL_ADMIN].email in consent.to
    link = re.search(r"https?://\S+/trials/consent/\S+/", consent.body).group(0)
    path = "/" + link.split("/", 3)[3]

    page.goto(path)  # not logged in yet: the login page says why, then back to the link
    assert page.get_by_text("Log in to answer the trial request").is_visible()
    page.get_by_label("Email").fill(b[Role.CUSTOMER_FULL_ADMIN].email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=f"{a.partner.name} asks to start a trial").is_visible()
    page.get_by_label("Provisioning only").check()
    page.get_by_role("button", name="Accept the trial").click()
    assert page.get_by_text(f"You accepted the trial of {a.partner.name}.").is_visible()
    relationship = PartnerRelationship.objects.get(partner=a.partner, customer=b.customer)
    assert relationship.access == "provisioning" and not relationship.is_managing
    assert page.goto(path).status == 404  # the link is used up
    _log_out(page)

    # The partner provisions the trial: active.
    log_in(page, a[Role.SALES_FULL_ADMIN].email)
    trial = Trial.objects.get(partner=a.partner, customer=b.customer)
    page.goto(f"/trials/{trial.pk}/")
    assert page.locator("#trial-status").inner_text() == "Pending provisioning details"
    page.get_by_role("button", name="Provision the trial").click()
    assert page.locator("#trial-status").inner_text() == "Trial active"
    assert page.get_by_text("90 days left").is_visible()


def test_new_customer_trial_extend_and_delete(page):
    a = make_tenant("a")
    log_in(page, a[Role.SALES_ADMIN].email)
    page.goto("/trials/start/")
    page.get_by_label("Company name").fill("Browser Co")
    page.get_by_label("Admin email").fill("boss@browserco.test")
    page.get_by_label("Country (sets the data residency region)").select_option("JP")
    page.get_by_label("Trial length").select_option("30")
    page.get_by_label("Contact Center").check()
    page.get_by_label("Standard agents").fill("5")
    page.get_by_role("button", name="Start trial").click()
    assert page.locator("#trial-status").inner_text() == "Trial active"
    assert page.get_by_text("30 days left").is_visible()
    page.get_by_role("button", name="Extend…").click()
    new_end = page.locator("#new-end").inner_text()
    page.get_by_role("button", name="Yes, end it on").click()
    assert page.get_by_text("Trial extended: it now ends on").is_visible()
    assert page.get_by_text("30 days left").is_visible() and new_end
    page.get_by_role("button", name="Delete trial").click()
    page.get_by_role("button", name="Yes, delete").click()
    assert page.get_by_text("Trial deleted.").is_visible()
    assert not Trial.objects.filter(customer__name="Browser Co").exists()


def test_conversion_paths(page):
    """Tier 1 converts its own trial; tier 2 asks its distributor, who places the order."""
    from tests.factories import PartnerFactory, PersonFactory

    a, b = make_tenant("a"), make_tenant("b")
    distributor = PartnerFactory(name="Distri 5e2", is_distributor=True)
    dist_admin = PersonFactory(
        organization=distributor, role=Role.PARTNER_FULL_ADMIN, email="admin@distri.test"
    )
    b.partner.tier, b.partner.distributor = 2, distributor
    b.partner.save()

    # Tier 1: the order is placed and mapped onto the trial's customer.
    log_in(page, a[Role.SALES_FULL_ADMIN].email)
    page.goto(f"/trials/{a.trial.pk}/")
    page.get_by_role("button", name="Convert to paid").click()
    page.get_by_label("Web order id").fill("WO-BROWSER-1")
    page.get_by_label("Offer").select_option("A-FLEX-3-CC")
    page.get_by_label("SKU of line 1").select_option("A-FLEX-WCC-S-N")
    page.get_by_label("Quantity of line 1").fill("12")
    page.get_by_role("button", name="Place the order").click()
    assert page.get_by_text("Trial converted to a paid order.").is_visible()
    assert page.locator("#trial-status").inner_text() == "Converted to paid"
    assert page.get_by_text("WO-BROWSER-1").is_visible()
    _log_out(page)

    # Tier 2: the request goes to the distributor.
    log_in(page, b[Role.SALES_FULL_ADMIN].email)
    page.goto(f"/trials/{b.trial.pk}/")
    page.get_by_role("button", name="Convert to paid").click()
    page.get_by_label("SKU of line 1").select_option("A-FLEX-WCC-P-N")
    page.get_by_label("Quantity of line 1").fill("3")
    page.get_by_role("button", name="Send to my distributor").click()
    assert page.get_by_text("Conversion request sent to your distributor.").is_visible()
    assert page.locator("#trial-status").inner_text() == "Trial active"
    _log_out(page)

    log_in(page, dist_admin.email)
    page.get_by_role("link", name="Conversion requests").click()
    row = page.locator("table#conversion-requests tr", has_text=b.customer.name)
    assert "A-FLEX-WCC-P-N × 3" in row.inner_text()
    assert a.customer.name not in page.locator("table#conversion-requests").inner_text()
    row.get_by_label("Web order id").fill("WO-DIST-1")
    row.get_by_role("button", name="Place order").click()
    assert page.get_by_text("Order placed; the trial is converted.").is_visible()
    b.trial.refresh_from_db()
    assert b.trial.status == Trial.Status.CONVERTED
    assert b.trial.order.customer == b.customer and b.trial.order.partner == b.partner


def test_decline_cancel_grace_and_a_repeated_serial(page):
    """Issue 14, item 9: the customer declines; Cancel asks first; a trial in grace says how
    long is left to convert; a serial shipped twice is named as such."""
    import datetime as dt

    from django.utils import timezone

    from trials import services
    from trials.models import TrialDevice

    a, b = make_tenant("a"), make_tenant("b")
    ask = consent_request(a, b[Role.CUSTOMER_FULL_ADMIN].email)
    log_in(page, b[Role.CUSTOMER_FULL_ADMIN].email)
    page.goto(f"/trials/consent/{services.consent_token(ask)}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Decline").click()
    assert page.get_by_text(f"You declined the trial of {a.partner.name}").is_visible()
    ask.refresh_from_db()
    assert ask.status == Trial.Status.DECLINED
    _log_out(page)

    # A second request is cancelled by the partner, after saying yes to the question.
    again = consent_request(a, b[Role.CUSTOMER_FULL_ADMIN].email)
    log_in(page, a[Role.SALES_FULL_ADMIN].email)
    page.goto(f"/trials/{again.pk}/")
    page.get_by_role("button", name="Cancel trial").click()
    assert page.get_by_role("heading", name="Cancel trial").is_visible()
    again.refresh_from_db()
    assert again.status == Trial.Status.PENDING_CONSENT
    page.get_by_role("button", name="Yes, cancel the trial").click()
    assert page.get_by_text("Trial cancelled.").is_visible()

    # A trial in grace, with a device shipped.
    trial = a.trial
    trial.status = Trial.Status.GRACE
    trial.end_date = timezone.now().date() - dt.timedelta(days=10)
    trial.save()
    TrialDevice.objects.create(trial=trial, model="desk_pro", quantity=1)
    page.goto(f"/trials/{trial.pk}/")
    assert page.locator("#days-left").inner_text() == "(in grace: 20 days left to convert)"
    for _ in range(2):
        page.get_by_label("Device model").select_option("desk_pro")
        page.locator("#ship_serial_number").fill("SN-77")
        page.get_by_role("button", name="Record shipment").click()
    assert page.get_by_text("Serial SN-77 was already shipped for this trial").is_visible()
