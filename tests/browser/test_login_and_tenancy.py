"""A partner admin and a customer admin log in and see only what is theirs."""

from orgs.roles import Role
from tests.browser.conftest import log_in
from tests.conftest import make_tenant


def test_partner_admin_sees_their_customer_list_only(page):
    a, b = make_tenant("a"), make_tenant("b")
    log_in(page, a[Role.PARTNER_FULL_ADMIN].email)

    assert page.url.endswith("/customers/")
    table = page.locator("table#customers")
    assert table.get_by_role("link", name=a.customer.name).is_visible()
    assert b.customer.name not in table.inner_text()

    page.get_by_role("link", name=a.customer.name).click()
    assert page.get_by_role("heading", name=a.customer.name).is_visible()

    response = page.goto(f"/customers/{b.customer.pk}/")
    assert response.status == 404


def test_customer_admin_sees_only_their_own_home(page):
    a, b = make_tenant("a"), make_tenant("b")
    log_in(page, a[Role.CUSTOMER_FULL_ADMIN].email)

    assert page.url.endswith(f"/customers/{a.customer.pk}/")
    assert page.get_by_role("heading", name=a.customer.name).is_visible()
    assert page.locator("table#admins").get_by_text(a[Role.CUSTOMER_FULL_ADMIN].email).count()

    for path in (f"/customers/{b.customer.pk}/", f"/orgs/{b.customer.pk}/people/",
                 f"/customers/{b.customer.pk}/settings/", f"/orgs/{b.customer.pk}/audit/"):
        assert page.goto(path).status == 404, path
    page.goto("/customers/?q=" + b.customer.name)
    assert b.customer.name not in page.locator("table#customers").inner_text()


def test_wrong_password_is_refused_with_a_message(page):
    a = make_tenant("a")
    log_in(page, a[Role.CUSTOMER_FULL_ADMIN].email, password="not the password")
    assert page.url.endswith("/login/")
    assert page.get_by_role("alert").is_visible()
