"""The developer outbox: a link in an email's HTML preview opens the page itself, not
the portal squeezed inside the preview frame."""

from django.core import mail

from orgs.roles import Role
from tests.browser.conftest import log_in
from tests.conftest import make_tenant


def test_link_in_an_email_preview_opens_the_page_itself(page, settings, tmp_path, live_server):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "orgs.mail.OutboxBackend"
    settings.OUTBOX_DIR = tmp_path
    tenant = make_tenant("a")
    account = f"{live_server.url}/account/"
    message = mail.EmailMultiAlternatives(
        "Your account", f"Open {account}", None, [tenant[Role.CUSTOMER_FULL_ADMIN].email]
    )
    message.attach_alternative(
        f'<!doctype html><html><head><title>x</title></head><body>'
        f'<p><a href="{account}">Open your account</a></p></body></html>',
        "text/html",
    )
    message.send()
    log_in(page, tenant[Role.CUSTOMER_FULL_ADMIN].email)

    page.goto("/dev/outbox/")
    page.get_by_role("link", name="Your account").click()
    frame = page.frame_locator('iframe[title="HTML part"]')
    with page.expect_navigation():
        frame.get_by_role("link", name="Open your account").click()
    assert page.url == account
    assert page.get_by_role("heading", name="Your account").is_visible()
    assert page.locator("iframe").count() == 0
