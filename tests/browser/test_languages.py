"""The language switcher on the login page, in a real browser: a visitor picks Slovenian,
logs in and the choice carries on; a signed-in person switches in the header and it sticks."""

from orgs.roles import Role
from tests.conftest import make_tenant
from tests.factories import PASSWORD


def test_visitor_switches_the_login_page_then_logs_in(page):
    a = make_tenant("a")
    person = a[Role.CUSTOMER_FULL_ADMIN]
    page.goto("/login/")
    assert page.get_by_role("heading", name="Log in").is_visible()

    with page.expect_navigation():
        page.get_by_label("Language").select_option("sl")
    assert page.get_by_role("heading", name="Prijava").is_visible()
    assert page.locator("html").get_attribute("lang") == "sl"

    page.get_by_label("E-pošta").fill(person.email)
    page.get_by_label("Geslo").fill(PASSWORD)
    page.get_by_role("button", name="Prijava").click()
    page.wait_for_load_state()
    # Signed in, the person's own choice (English) wins over the visitor's cookie...
    assert page.get_by_role("button", name="Log out").is_visible()

    # ...until they switch in the header, which saves it on their account.
    with page.expect_navigation():
        page.get_by_label("Language").select_option("hr")
    assert page.get_by_role("button", name="Odjava").is_visible()
    person.refresh_from_db()
    assert person.language == "hr"
