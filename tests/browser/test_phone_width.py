"""Every page fits a phone: generated over the URL configuration, each page is rendered
at 390 px in Chromium, as the people who open it, and fails when it is wider than the
screen. Wide tables scroll inside their own box; the navigation folds into a Menu button
with Log out inside it.

The walk and the tenant parameters are tests/test_tenancy.py's, so a new page is covered
without anyone adding it here. A name without spaces stretches every page that shows the
customer's name, where a long name once made the audit log 6,600 px wide.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from orgs.roles import Role
from subscriptions import links
from tests.browser.conftest import log_in
from tests.conftest import make_tenant
from tests.test_tenancy import EVIDENCE_DAY, PARAMETERS, Route, _daily_row_day, _walk

PHONE = {"width": 390, "height": 844}
LONG_NAME = "Vandelay-Industries-International-Import-Export-Holdings-Worldwide"

# Machine surfaces and actions without a page of their own.
NOT_PAGES = ("api/", "admin/", "i18n/", "logout/")


def pages() -> list[Route]:
    found = {r.route: r for r in _walk(get_resolver().url_patterns)}
    return sorted(
        (r for r in found.values() if not r.route.startswith(NOT_PAGES)), key=lambda r: r.route
    )


PAGES = pages()


def fill(route: Route, tenant, person) -> str:
    """The route's path for this tenant, signed links and reset tokens included."""
    from trials import services as trial_services

    values = {name: getter(tenant) for name, getter in PARAMETERS.items()}
    values["step"] = "role"
    values["message_id"] = "none"
    values["index"] = 0  # an attachment of the (missing) outbox message: answers 404
    values["uidb64"] = urlsafe_base64_encode(force_bytes(person.pk))
    if route.route.startswith("setup-now/"):
        values["token"] = links.setup_token(
            order_id=tenant.order.pk, email=tenant.order.provisioning_contact_email
        )
    elif route.route.startswith("trials/consent/"):
        values["token"] = trial_services.consent_token(tenant.trial)
    else:
        values["token"] = default_token_generator.make_token(person)
    return "/" + re.sub(
        r"<(?:\w+:)?(?P<name>\w+)>", lambda m: str(values[m.group("name")]), route.route
    )


def with_evidence(tenant) -> None:
    """IVR sessions with long ids at the peak of the evidence day the walk opens, so its
    evidence table has rows as wide as real ones."""
    from usage.models import IvrSession

    _daily_row_day(tenant)
    start = datetime.fromisoformat(f"{EVIDENCE_DAY}T09:00:00+00:00")
    IvrSession.objects.bulk_create(
        IvrSession(
            customer=tenant.customer,
            session_id=f"{LONG_NAME[:40]}-{i:04d}",
            started_at=start,
            ended_at=start + timedelta(minutes=30),
        )
        for i in range(5)
    )


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


def walk_at_phone_width(page, tenant, person) -> list[str]:
    page.set_viewport_size(PHONE)
    too_wide = []
    for route in PAGES:
        path = fill(route, tenant, person)
        probe = page.request.get(path, max_redirects=0)
        if probe.status == 405:
            continue  # an action (POST only), not a page
        if probe.ok and not probe.headers.get("content-type", "").startswith("text/html"):
            continue  # a download (the invoice PDF, an export), not a page
        response = page.goto(path)
        assert response.status < 500, (path, response.status)
        extra = overflow(page)
        if extra > 0:
            too_wide.append(f"{path} ({response.status}) is {extra} px wider than 390 px")
    return too_wide


@pytest.mark.parametrize(
    "role",
    [Role.PARTNER_FULL_ADMIN, Role.SALES_ADMIN, Role.CUSTOMER_FULL_ADMIN,
     Role.CUSTOMER_READ_ONLY],
)
def test_every_page_fits_a_phone(page, role):
    tenant = make_tenant("a")
    tenant.customer.name = LONG_NAME
    tenant.customer.save(update_fields=["name"])
    with_evidence(tenant)
    person = tenant[role]
    person.full_name = LONG_NAME
    person.save(update_fields=["full_name"])
    log_in(page, person.email)
    too_wide = walk_at_phone_width(page, tenant, person)
    assert not too_wide, "\n".join(too_wide)


def test_every_public_page_fits_a_phone(page):
    tenant = make_tenant("a")
    too_wide = walk_at_phone_width(page, tenant, tenant[Role.CUSTOMER_FULL_ADMIN])
    assert not too_wide, "\n".join(too_wide)


def test_menu_folds_and_log_out_is_reachable_on_a_phone(page):
    tenant = make_tenant("a")
    page.set_viewport_size(PHONE)
    log_in(page, tenant[Role.PARTNER_FULL_ADMIN].email)

    log_out = page.get_by_role("button", name="Log out")
    assert not log_out.is_visible()
    assert not page.get_by_role("link", name="Orders").is_visible()
    page.get_by_role("button", name="Menu").click()
    assert page.get_by_role("link", name="Orders").is_visible()
    assert log_out.is_visible()
    box = log_out.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    log_out.click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Log in").is_visible()


def test_wide_screen_shows_the_navigation_without_a_menu_button(page):
    tenant = make_tenant("a")
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, tenant[Role.PARTNER_FULL_ADMIN].email)
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.get_by_role("link", name="Orders").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    # The current section is marked for the eye and for screen readers.
    current = page.locator('#site-nav a[aria-current="page"]')
    assert current.inner_text() == "Customers"
