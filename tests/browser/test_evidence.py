"""Evidence as people use it: a customer admin opens a daily-detail row's figure, sees the
agents or sessions that made it (as many as the figure), exports them; another
organisation's admin gets 404."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from orgs.roles import Role
from subscriptions.models import Subscription
from tests.browser.conftest import log_in
from tests.conftest import make_tenant
from tests.usage.helpers import store
from usage import engine, rules
from usage.rules import AgentSession, IvrSession
from usage.views import evidence_url


def tenant_with_usage(label: str):
    """A named-agent customer whose last five days were computed by the engine."""
    today = timezone.now().date()
    tenant = make_tenant(label)
    Subscription.objects.unscoped().filter(customer=tenant.customer).update(
        start_date=today - timedelta(days=5),
        agent_model=rules.NAMED,
        standard_agents=2,
        premium_agents=1,
        addon_ivr_ports=0,
    )
    yesterday = today - timedelta(days=1)
    nine = datetime(yesterday.year, yesterday.month, yesterday.day, 9, tzinfo=UTC)
    agents = [AgentSession(f"agent-{i}", i == 0, nine, nine + timedelta(hours=1)) for i in range(4)]
    ivrs = [
        IvrSession(nine + timedelta(seconds=10 * i), nine + timedelta(seconds=10 * i + 90))
        for i in range(7)
    ]
    store(tenant.customer, agents, ivrs)
    engine.compute_days([tenant.customer.pk], today - timedelta(days=5), yesterday)
    return tenant, yesterday


def test_customer_admin_opens_the_evidence_of_a_figure_and_exports_it(page):
    tenant, yesterday = tenant_with_usage("a")
    log_in(page, tenant[Role.CUSTOMER_FULL_ADMIN].email)
    page.goto(f"/customers/{tenant.customer.pk}/usage/daily/")
    row = page.locator(
        f"#daily-detail tbody tr[data-usage-type='{rules.STANDARD_NAMED_AGENT}']",
        has_text=yesterday.isoformat(),
    )
    used = row.locator("td").nth(2)
    assert used.inner_text().strip() == "3"
    used.get_by_role("link").click()

    expect(page.get_by_role("heading", name=f"Standard Named Agent on {yesterday}")).to_be_visible()
    witnesses = page.locator("#evidence tbody tr")
    assert witnesses.count() == 3
    assert [witnesses.nth(i).locator("td").first.inner_text() for i in range(3)] == [
        "agent-1",
        "agent-2",
        "agent-3",
    ]
    with page.expect_download() as download:
        page.get_by_role("button", name="Export to CSV").click()
    exported = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert [line[2] for line in exported[1:]] == ["agent-1", "agent-2", "agent-3"]

    # Back to the daily detail, then the IVR figure: the peak minute and its sessions.
    page.get_by_role("link", name="Daily usage").click()
    ivr = page.locator(
        f"#daily-detail tbody tr[data-usage-type='{rules.IVR_PORT}']",
        has_text=yesterday.isoformat(),
    )
    ports = ivr.locator("td").nth(2)
    count = int(ports.inner_text())
    ports.get_by_role("link").click()
    expect(page.locator("#evidence-rule")).to_contain_text("minute starting 09:01")
    assert page.locator("#evidence tbody tr").count() == count == 7


def test_another_organisations_admin_gets_404(page):
    tenant, yesterday = tenant_with_usage("a")
    other = make_tenant("b")
    log_in(page, other[Role.CUSTOMER_FULL_ADMIN].email)
    response = page.goto(evidence_url(tenant.customer.pk, yesterday, rules.IVR_PORT))
    assert response.status == 404
    assert "agent-1" not in page.content()
