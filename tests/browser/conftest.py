"""Browser tests: Playwright driving Debian's Chromium against the live test server.

Skipped when Chromium is missing, unless REQUIRE_BROWSER=1 (CI), where that fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, skip_or_fail
from tests.factories import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        skip_or_fail("browser", f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, transactional_db, tmp_path):
    """A fresh browser page whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(float(os.environ.get("BROWSER_TIMEOUT_MS", "10000")))
    page = context.new_page()
    yield page
    context.close()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real login form, as a person would."""
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
