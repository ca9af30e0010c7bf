"""Usage as people use it: a customer admin goes from the dashboard cards to the daily
detail, switches cycle and subscription and exports CSV; a partner admin sorts the usage
view and drills down; another organisation's admin gets 404 everywhere."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from orgs.roles import Role
from subscriptions.models import Subscription
from tests.browser.conftest import log_in
from tests.conftest import make_tenant
from tests.factories import (
    CustomerFactory,
    DailyUsageFactory,
    SubscriptionFactory,
    cycle_usage_from_daily_rows,
)
from usage import rules, selectors

PREMIUM, STANDARD, IVR = "Premium Named Agent", "Standard Named Agent", "IVR Port"


def fill_cycle(subscription, cycle, *, last_day, standard_peak: int) -> None:
    """Rows from the cycle's start to `last_day`: standard rising to `standard_peak`."""
    day, i = cycle[0], 0
    while day <= min(cycle[1], last_day):
        common = {
            "customer": subscription.customer,
            "subscription": subscription,
            "usage_date": day,
            "cycle_start": cycle[0],
        }
        standard = min(standard_peak, 15 + i)
        DailyUsageFactory(**common, usage_type=PREMIUM, units_used=3, units_commitment=5)
        DailyUsageFactory(
            **common,
            usage_type=STANDARD,
            units_used=standard,
            units_commitment=20,
            comment=rules.OVERAGE_PEAK
            if standard == standard_peak > 20 and i == standard_peak - 15
            else "",
        )
        DailyUsageFactory(**common, usage_type=IVR, units_used=8, units_commitment=50)
        day += timedelta(days=1)
        i += 1


def usage_tenant(label: str):
    today = timezone.now().date()
    tenant = make_tenant(label)
    current = Subscription.objects.get(customer=tenant.customer)
    current.start_date = today - timedelta(days=75)
    current.standard_agents, current.premium_agents, current.addon_ivr_ports = 20, 5, 0
    current.save()
    ended = SubscriptionFactory(
        customer=tenant.customer,
        start_date=today - timedelta(days=400),
        end_date=today - timedelta(days=200),
        status=Subscription.Status.ENDED,
    )
    cycles = selectors.billing_cycles(tenant.customer, current, today)
    fill_cycle(current, cycles[0], last_day=today - timedelta(days=1), standard_peak=25)
    fill_cycle(current, cycles[1], last_day=today, standard_peak=22)
    old_cycle = selectors.billing_cycles(tenant.customer, ended, today)[0]
    fill_cycle(ended, old_cycle, last_day=today, standard_peak=18)
    cycle_usage_from_daily_rows()
    return tenant, current, ended, cycles, old_cycle


def table_rows(page) -> list[list[str]]:
    rows = page.locator("#daily-detail tbody tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()]
        for i in range(rows.count())
    ]


def test_customer_admin_from_cards_to_daily_detail_and_csv(page):
    tenant, _current, ended, cycles, old_cycle = usage_tenant("a")
    log_in(page, tenant[Role.CUSTOMER_FULL_ADMIN].email)
    expect(page.locator("#agent-card")).to_be_visible()
    assert page.locator("#agent-card svg").count() == 2
    assert page.locator("#ivr-card svg").count() == 1
    page.get_by_role("button", name="Daily details of agent licences").click()
    expect(page.get_by_role("heading", name="Daily usage")).to_be_visible()
    assert page.get_by_label("Billing cycle").input_value() == cycles[0][0].isoformat()
    assert page.locator("#daily-detail thead th").all_inner_texts() == [
        "Usage Date",
        "Usage Type",
        "Units Used",
        "Units Commitment",
        "Units Substituted",
        "Units Overage",
        "Usage Unit",
        "Comment",
    ]

    # The previous cycle: its peak row stands out.
    page.get_by_label("Billing cycle").select_option(cycles[1][0].isoformat())
    page.wait_for_url(f"**cycle={cycles[1][0].isoformat()}**")
    peak = page.locator("#daily-detail tbody tr.peak")
    assert peak.count() == 1 and "Overage peak" in peak.inner_text()

    # Export the cycle shown: the file's rows are the table's.
    shown = table_rows(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export to CSV").click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    exported = list(csv.reader(io.StringIO(content)))
    assert exported[0][0] == "Usage Date"
    assert exported[1:] == shown
    assert len(shown) == 3 * ((cycles[1][1] - cycles[1][0]).days + 1)

    # The ended subscription: its own cycles.
    page.get_by_label("Subscription").select_option(str(ended.pk))
    page.wait_for_url(f"**subscription={ended.pk}**")
    assert page.get_by_label("Billing cycle").input_value() == old_cycle[0].isoformat()
    assert table_rows(page)[0][0] == old_cycle[0].isoformat()


def test_partner_admin_sorts_the_usage_view_and_drills_down(page):
    tenant, *_ = usage_tenant("a")
    today = timezone.now().date()
    calm = CustomerFactory(name="Calm Co", partner=tenant.partner)
    SubscriptionFactory(customer=calm, start_date=today - timedelta(days=75))
    log_in(page, tenant[Role.PARTNER_FULL_ADMIN].email)
    page.get_by_role("link", name="Usage", exact=True).click()
    expect(page.get_by_role("heading", name="Usage")).to_be_visible()
    page.get_by_role("link", name="Forecast billed overage").click()
    page.wait_for_url("**sort=forecast**")
    page.get_by_role("link", name="Forecast billed overage").click()
    page.wait_for_url("**sort=-forecast**")
    first = page.locator("#usage-overview tbody tr").first
    assert tenant.customer.name in first.inner_text()
    assert "Standard Named Agent" in first.inner_text()
    page.get_by_label("Status").select_option("attention")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**status=attention**")
    assert "Calm Co" not in page.locator("#usage-overview").inner_text()
    page.get_by_role("link", name=f"Daily details of {tenant.customer.name}").first.click()
    expect(page.get_by_role("heading", name="Daily usage")).to_be_visible()
    assert tenant.customer.name in page.locator("nav[aria-label=breadcrumb]").inner_text()
    assert page.locator("#daily-detail tbody tr").count() > 0


def test_another_organisations_admin_gets_404_on_all_of_it(page):
    tenant, current, *_ = usage_tenant("a")
    other = make_tenant("b")
    log_in(page, other[Role.CUSTOMER_FULL_ADMIN].email)
    customer = tenant.customer.pk
    for path in (
        f"/customers/{customer}/",
        f"/customers/{customer}/usage/daily/",
        f"/customers/{customer}/usage/daily/?subscription={current.pk}&_export=csv",
        f"/customers/{customer}/usage/alerts/",
        f"/customers/{other.customer.pk}/usage/daily/?subscription={current.pk}",
    ):
        assert page.goto(path).status == 404, path
    page.goto("/usage/")
    assert tenant.customer.name not in page.content()
