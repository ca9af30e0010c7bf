"""People and one's own account as a person uses them: invite with the least powerful role
by default, a member re-invited is told so, roles changed at phone width, and the
password changed from the Account page."""

from __future__ import annotations

from orgs.roles import Role
from tests.browser.conftest import log_in
from tests.conftest import make_tenant
from tests.factories import PASSWORD

NEW_PASSWORD = "a long new password 42"


def test_invite_defaults_to_the_least_powerful_role_and_a_member_is_told_so(page):
    tenant = make_tenant("a")
    log_in(page, tenant[Role.CUSTOMER_FULL_ADMIN].email)
    page.goto(f"/orgs/{tenant.customer.pk}/people/")
    invite = page.locator("form", has=page.get_by_role("button", name="Send invitation"))
    assert invite.get_by_label("Role").input_value() == Role.CUSTOMER_READ_ONLY
    invite.get_by_label("Email").fill(tenant[Role.CUSTOMER_READ_ONLY].email)
    page.get_by_role("button", name="Send invitation").click()
    assert page.get_by_text("is already a member of this organisation").is_visible()
    assert not page.get_by_text("another organisation").count()


def test_role_forms_fit_a_phone(page):
    tenant = make_tenant("a")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, tenant[Role.CUSTOMER_FULL_ADMIN].email)
    page.goto(f"/orgs/{tenant.customer.pk}/people/")
    member = tenant[Role.CUSTOMER_READ_ONLY]
    select = page.get_by_label(f"Role of {member.email}")
    row = page.locator("#people tr", has=select)
    button = row.get_by_role("button", name="Change role")
    for element in (select, button):
        box = element.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert select.bounding_box()["width"] >= 150  # room to read the role's name
    select.select_option(Role.CUSTOMER_FULL_ADMIN)
    button.click()
    member.refresh_from_db()
    assert member.role == Role.CUSTOMER_FULL_ADMIN


def test_change_ones_password_from_the_account_page(page):
    tenant = make_tenant("a")
    person = tenant[Role.CUSTOMER_READ_ONLY]
    log_in(page, person.email)
    page.goto("/account/")
    assert page.get_by_role("heading", name="Your account").is_visible()
    page.locator("a", has_text="Change password").click()
    page.get_by_label("Old password").fill(PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    assert page.get_by_text("Your password was changed.").is_visible()
    page.get_by_role("button", name="Log out").click()
    log_in(page, person.email, NEW_PASSWORD)
    assert page.get_by_role("button", name="Log out").count() == 1
