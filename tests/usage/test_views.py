"""Usage pages: the cards on the customer home, the daily detail with its exports, the
partner usage view and the alert settings page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import AuditLog
from orgs.roles import Role
from subscriptions.models import Subscription
from tests.factories import (
    CustomerFactory,
    DailyUsageFactory,
    SubscriptionFactory,
    cycle_usage_from_daily_rows,
)
from usage.alerts.models import OverageAlert, OverageAlertSettings
from usage.selectors import DAILY_DETAIL_COLUMNS

TODAY = "2024-06-20T12:00Z"
CYCLE = (date(2024, 6, 9), date(2024, 7, 8))
PREVIOUS = (date(2024, 5, 9), date(2024, 6, 8))
HEADERS = [header for header, _field in DAILY_DETAIL_COLUMNS]
PREMIUM, STANDARD, IVR = "Premium Named Agent", "Standard Named Agent", "IVR Port"


def setup_usage(tenant, *, days: int = 4) -> Subscription:
    """The SPEC's example customer: named, 5 premium and 20 standard, billing day 9; the
    current cycle's first `days` days and a day of the previous cycle."""
    subscription = Subscription.objects.get(customer=tenant.customer)
    subscription.start_date = date(2024, 3, 9)
    subscription.standard_agents, subscription.premium_agents = 20, 5
    subscription.addon_ivr_ports = 0
    subscription.save()
    for i in range(days):
        day = CYCLE[0] + timedelta(days=i)
        row = {
            "customer": tenant.customer,
            "subscription": subscription,
            "usage_date": day,
            "cycle_start": CYCLE[0],
        }
        DailyUsageFactory(**row, usage_type=PREMIUM, units_used=4 + (i % 3), units_commitment=5)
        DailyUsageFactory(
            **row,
            usage_type=STANDARD,
            units_used=20 + 3 * i,
            units_commitment=20,
            units_substituted=0,
        )
        DailyUsageFactory(**row, usage_type=IVR, units_used=10, units_commitment=50)
    DailyUsageFactory(
        customer=tenant.customer,
        subscription=subscription,
        usage_date=PREVIOUS[1],
        cycle_start=PREVIOUS[0],
        usage_type=STANDARD,
        units_used=31,
        units_commitment=20,
        comment="Overage peak",
    )
    cycle_usage_from_daily_rows()
    return subscription


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(TODAY)


def daily_url(tenant, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/customers/{tenant.customer.pk}/usage/daily/" + (f"?{query}" if query else "")


# --- Cards ------------------------------------------------------------------------------


def test_cards_show_the_current_cycle(client, world, clock):
    setup_usage(world.a)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    body = client.get(f"/customers/{world.a.customer.pk}/").content.decode()
    assert 'id="agent-card"' in body and 'id="ivr-card"' in body and 'id="voice-card"' in body
    assert "2024-06-09 – 2024-07-08" in body
    # Standard: cycle high 29 of 20 → 9 above; premium high 6 of 5 → 1 above.
    assert "29 used of 20 bought" in body and "9 above" in body
    assert "6 used of 5 bought" in body
    assert body.count("<svg") == 3  # premium, standard, IVR
    assert "Daily details" in body
    # Voice entitlement 3 × 25 + 0 = 75, surge 0.
    assert '<span class="figure">75</span> <span class="of">concurrent voice contacts' in body
    # Standard named +3 a day in a first cycle's first week (the previous cycle has no day
    # this early): no history, and a first week's new names are logins, so no new agents
    # forecast (9); the range allows half that pace, at most a quarter of the 29 counted
    # (a Poisson mean of 7.25: 13 to 20, widened by half around the point: 9 to 26).
    assert "forecast billed overage 9 (likely 9 to 26)" in body
    assert "Uncertain." in body and "too little history yet" in body
    assert "Forecast billed overage: overage is billed at the cycle" in body


def test_customer_without_subscription_sees_no_cards_but_no_error(client, world, clock):
    Subscription.objects.filter(customer=world.a.customer).delete()
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = client.get(f"/customers/{world.a.customer.pk}/")
    assert response.status_code == 200
    assert "No active subscription" in response.content.decode()


def test_customer_home_query_count_is_constant(client, world, clock, django_assert_num_queries):
    setup_usage(world.a, days=1)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/customers/{world.a.customer.pk}/"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    subscription = Subscription.objects.get(customer=world.a.customer)
    for i in range(1, 10):
        for usage_type in (PREMIUM, STANDARD, IVR):
            DailyUsageFactory(
                customer=world.a.customer,
                subscription=subscription,
                usage_date=CYCLE[0] + timedelta(days=i),
                cycle_start=CYCLE[0],
                usage_type=usage_type,
                units_used=30,
                units_commitment=5,
            )
    OverageAlert.objects.create(
        customer=world.a.customer,
        cycle_start=CYCLE[0],
        cycle_end=CYCLE[1],
        usage_type=STANDARD,
        threshold="overage",
        usage_date=CYCLE[0],
        units_used=30,
        units_commitment=5,
        units_overage=25,
    )
    with django_assert_num_queries(len(few)):
        client.get(url)


# --- Daily detail -----------------------------------------------------------------------


def test_daily_detail_defaults_to_the_current_cycle(client, world, clock):
    setup_usage(world.a)
    client.force_login(world.a[Role.CUSTOMER_READ_ONLY])
    response = client.get(daily_url(world.a))
    assert response.status_code == 200
    table = response.context["table"]
    assert [c.header for c in table.columns] == HEADERS
    assert len(table.rows) == 12
    body = response.content.decode()
    assert 'value="2024-06-09" selected' in body
    assert "2024-05-09 – 2024-06-08" in body  # the previous cycle in the picker


def test_daily_detail_picks_a_cycle_and_marks_the_peak(client, world, clock):
    setup_usage(world.a)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = client.get(daily_url(world.a, cycle="2024-05-09"))
    rows = list(response.context["table"].rows)
    assert [r.get_cell_value("usage_date") for r in rows] == ["2024-06-08"]
    assert '<tr class="peak"' in response.content.decode()


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_exports_give_the_table_rows(client, world, clock, export):
    setup_usage(world.a)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    page = client.get(daily_url(world.a, cycle="2024-06-09"))
    shown = [[str(v) for v in row] for row in page.context["table"].as_values()]
    response = client.get(daily_url(world.a, cycle="2024-06-09", _export=export))
    assert response.status_code == 200
    if export == "csv":
        exported = list(csv.reader(io.StringIO(response.content.decode())))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        # Dates are real date cells (sortable in a spreadsheet) shown in ISO form.
        assert sheet["A2"].is_date and sheet["A2"].number_format == "yyyy-mm-dd"
        exported = [
            ["" if v is None else v.date().isoformat() if isinstance(v, dt.datetime) else str(v)
             for v in row]
            for row in sheet.values
        ]
    assert exported[0] == HEADERS
    assert exported == shown
    assert exported[1] == ["2024-06-09", "IVR Port", "10", "50", "0", "0", "Ports", ""]


def test_daily_detail_lists_ended_subscriptions_in_the_window(client, world, clock):
    current = setup_usage(world.a)
    ended = SubscriptionFactory(
        customer=world.a.customer,
        start_date=date(2023, 1, 5),
        end_date=date(2023, 12, 31),
        status=Subscription.Status.ENDED,
    )
    too_old = SubscriptionFactory(
        customer=world.a.customer,
        start_date=date(2021, 1, 5),
        end_date=date(2022, 1, 4),
        status=Subscription.Status.ENDED,
    )
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = client.get(daily_url(world.a))
    values = [value for value, _label in response.context["subscription_choices"]]
    assert current.pk in values and ended.pk in values and too_old.pk not in values
    older = client.get(daily_url(world.a, subscription=ended.pk))
    assert older.status_code == 200
    assert older.context["selected_cycle"] <= "2023-12-31"
    assert client.get(daily_url(world.a, subscription=too_old.pk)).status_code == 404


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"subscription": "abc"}, 400, "is not a subscription"),
        ({"cycle": "2024-13-01"}, 400, "is not a date"),
        ({"cycle": "1999-01-01"}, 400, "no billing cycle on 1999-01-01"),
        ({"cycle": "2024-13-01", "_export": "csv"}, 400, "is not a date"),
        ({"subscription": "999999"}, 404, ""),
    ],
)
def test_bad_parameters_get_a_message_not_a_500(client, world, clock, params, status, message):
    setup_usage(world.a)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = client.get(daily_url(world.a, **params))
    assert response.status_code == status
    assert message in response.content.decode()


def test_another_tenants_subscription_is_404(client, world, clock):
    setup_usage(world.a)
    other = Subscription.objects.get(customer=world.b.customer)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    assert client.get(daily_url(world.a, subscription=other.pk)).status_code == 404
    assert client.get(daily_url(world.b)).status_code == 404


def test_daily_detail_query_count_is_constant(client, world, clock, django_assert_num_queries):
    setup_usage(world.a, days=1)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    with CaptureQueriesContext(connection) as few:
        client.get(daily_url(world.a))
    subscription = Subscription.objects.get(customer=world.a.customer)
    for i in range(1, 11):
        DailyUsageFactory(
            customer=world.a.customer,
            subscription=subscription,
            usage_date=CYCLE[0] + timedelta(days=i),
            cycle_start=CYCLE[0],
            usage_type=IVR,
            units_used=3,
            units_commitment=50,
        )
    SubscriptionFactory(customer=world.a.customer, start_date=date(2024, 1, 2))
    with django_assert_num_queries(len(few)):
        client.get(daily_url(world.a))


# --- Partner usage view ------------------------------------------------------------------


def test_partner_usage_view_lists_sorts_filters_and_drills_down(client, world, clock):
    setup_usage(world.a)
    quiet = CustomerFactory(name="Quiet Co", partner=world.a.partner)
    quiet_subscription = SubscriptionFactory(customer=quiet, start_date=date(2024, 3, 9))
    for usage_type in (PREMIUM, STANDARD, IVR):  # the nightly run's rows of a quiet day
        DailyUsageFactory(
            customer=quiet,
            subscription=quiet_subscription,
            usage_date=CYCLE[0],
            cycle_start=CYCLE[0],
            usage_type=usage_type,
            units_commitment=10,
        )
    cycle_usage_from_daily_rows()
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    response = client.get("/usage/")
    assert response.status_code == 200
    body = response.content.decode()
    assert world.a.customer.name in body and "Quiet Co" in body
    assert world.b.customer.name not in body
    rows = list(response.context["table"].rows)
    assert len(rows) == 6  # two customers × (premium, standard, IVR)
    standard = next(
        r.record
        for r in rows
        if r.record.customer_id == world.a.customer.pk and r.record.usage_type == STANDARD
    )
    assert (standard.used, standard.commitment, standard.overage) == (29, 20, 9)
    # The stored forecast (no history yet, and a first week: no new agents; the range
    # allows half the pace so far, capped).
    assert (standard.forecast, standard.forecast_low, standard.forecast_high) == (9, 9, 26)
    assert standard.forecast_uncertain
    assert f"/customers/{world.a.customer.pk}/usage/daily/?cycle=2024-06-09" in body

    by_forecast = client.get("/usage/?sort=-forecast").context["table"]
    assert next(iter(by_forecast.rows)).record.forecast == 9
    attention = client.get("/usage/?status=attention").context["table"]
    assert {(r.record.customer_name, r.record.usage_type) for r in attention.rows} == {
        (world.a.customer.name, STANDARD),
        (world.a.customer.name, PREMIUM),
    }
    assert len(client.get("/usage/?q=quiet").context["table"].rows) == 3
    export = client.get("/usage/?status=over&_export=csv").content.decode()
    assert STANDARD in export and "Quiet Co" not in export


def test_partner_usage_view_query_count_is_constant(
    client, world, clock, django_assert_num_queries
):
    setup_usage(world.a, days=2)
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    with CaptureQueriesContext(connection) as few:
        client.get("/usage/")
    for n in range(8):
        customer = CustomerFactory(name=f"More {n}", partner=world.a.partner)
        subscription = SubscriptionFactory(customer=customer, start_date=date(2024, 2, 1 + n))
        DailyUsageFactory(
            customer=customer,
            subscription=subscription,
            usage_date=CYCLE[0],
            cycle_start=date(2024, 6, 1 + n),
            usage_type=STANDARD,
            units_used=9,
        )
    cycle_usage_from_daily_rows()
    with django_assert_num_queries(len(few)):
        response = client.get("/usage/")
    assert len(response.context["table"].rows) == 3 + 8  # one computed type each


def test_customer_people_see_only_their_own_usage_in_the_view(client, world, clock):
    setup_usage(world.a)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    body = client.get("/usage/").content.decode()
    assert world.a.customer.name in body and world.b.customer.name not in body


def test_partner_nav_has_usage(client, world):
    client.force_login(world.a[Role.PARTNER_READ_ONLY])
    assert '<a href="/usage/">Usage</a>' in client.get("/customers/").content.decode()


# --- Alert settings ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CUSTOMER_FULL_ADMIN, Role.PARTNER_ADMIN])
def test_full_admins_change_alert_thresholds(client, world, role):
    client.force_login(world.a[role])
    url = f"/customers/{world.a.customer.pk}/usage/alerts/"
    page = client.get(url).content.decode()
    assert 'value="90"' in page and 'value="100"' in page
    response = client.post(
        url, {"enabled": "on", "warning_percent": "80", "limit_percent": "", "on_overage": "on"}
    )
    assert response.status_code == 302
    settings = OverageAlertSettings.objects.get(customer=world.a.customer)
    assert (settings.warning_percent, settings.limit_percent, settings.on_overage) == (
        80,
        None,
        True,
    )
    assert AuditLog.objects.filter(action="usage.alert_settings.update").exists()


def test_alert_thresholds_are_validated(client, world):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/customers/{world.a.customer.pk}/usage/alerts/"
    response = client.post(url, {"warning_percent": "0", "limit_percent": "100"})
    assert response.status_code == 200
    assert not OverageAlertSettings.objects.exists()


@pytest.mark.parametrize("role", [Role.CUSTOMER_READ_ONLY, Role.PARTNER_READ_ONLY])
def test_read_only_admins_see_but_cannot_change_thresholds(client, world, role):
    client.force_login(world.a[role])
    url = f"/customers/{world.a.customer.pk}/usage/alerts/"
    page = client.get(url)
    assert page.status_code == 200 and "disabled" in page.content.decode()
    assert client.post(url, {"warning_percent": "50"}).status_code == 403
    assert not OverageAlertSettings.objects.exists()


def test_overview_follows_visibility_and_names_at_once(client, world, clock):
    from orgs.models import PartnerRelationship

    setup_usage(world.a)
    extra = CustomerFactory(name="Extra Co", partner=world.a.partner)
    subscription = SubscriptionFactory(customer=extra, start_date=date(2024, 3, 9))
    DailyUsageFactory(
        customer=extra,
        subscription=subscription,
        usage_date=CYCLE[0],
        cycle_start=CYCLE[0],
        usage_type=STANDARD,
    )
    cycle_usage_from_daily_rows()
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    assert len(client.get("/usage/").context["table"].rows) == 4
    assert "Extra Co" in client.get("/usage/").content.decode()
    # Access withdrawn: gone on the next request.
    PartnerRelationship.objects.filter(customer=extra).delete()
    assert "Extra Co" not in client.get("/usage/").content.decode()
    # Renamed: shown under the new name.
    world.a.customer.name = "Renamed Co"
    world.a.customer.save()
    assert "Renamed Co" in client.get("/usage/").content.decode()


@pytest.mark.parametrize(
    "query",
    ["sort=bogus", "sort=-", "page=999", "page=abc", "status=nope", "usage_type=x&q=%00"],
)
def test_overview_odd_parameters_never_fail(client, world, clock, query):
    setup_usage(world.a)
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    assert client.get(f"/usage/?{query}").status_code in (200, 404)


def test_digital_card_shows_the_cycles_digital_usage(client, world, clock):
    from subscriptions.models import Sku
    from usage.models import DigitalUsage

    setup_usage(world.a)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    body = client.get(f"/customers/{world.a.customer.pk}/").content.decode()
    assert 'id="digital-card"' in body and "No digital channel usage in this cycle." in body
    DigitalUsage.objects.unscoped().create(
        customer=world.a.customer,
        record_id="r1",
        sku="A-CHAN-U-SMS-INTL",
        units=1200,
        occurred_at=dt.datetime.combine(CYCLE[0], dt.time(12), tzinfo=dt.UTC),
    )
    included = Sku.objects.get(code="A-CHAN-U-SMS-INTL").included_units
    body = client.get(f"/customers/{world.a.customer.pk}/").content.decode()
    beyond = max(0, 1200 - included)
    cells = (1200, included, beyond)
    assert "".join(f'<td class="num">{n}</td>' for n in cells) in body


def test_partner_usage_view_figures_of_a_row_name_their_day(client, world, clock):
    subscription = Subscription.objects.get(customer=world.a.customer)
    subscription.start_date = date(2024, 3, 9)
    subscription.save()
    row = {"customer": world.a.customer, "subscription": subscription, "cycle_start": CYCLE[0],
           "usage_type": IVR}
    # The busiest day had more agents in overage (more ports included) than the latest.
    DailyUsageFactory(**row, usage_date=CYCLE[0], units_used=96, units_commitment=90,
                      units_overage=6)
    DailyUsageFactory(**row, usage_date=CYCLE[0] + timedelta(days=1), units_used=80,
                      units_commitment=96, units_overage=0)
    cycle_usage_from_daily_rows()
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    response = client.get("/usage/")
    (ivr,) = [r.record for r in response.context["table"].rows]
    # Not "96 of 96 (100 %), overage 6": each figure from a named day.
    assert (ivr.last_usage_date, ivr.day_used, ivr.day_commitment, ivr.percent) == (
        CYCLE[0] + timedelta(days=1), 80, 96, 83
    )
    assert (ivr.overage, ivr.overage_day, ivr.status) == (6, CYCLE[0], "over")
    body = response.content.decode()
    assert "Latest day" in body and "Overage peak day" in body
    export = client.get("/usage/?_export=csv").content.decode().splitlines()
    assert export[0].startswith("Customer,Usage Type,Latest day,Used that day,Commitment that day")
    assert ",2024-06-10,80,96,83,6,2024-06-09," in export[1]


def test_partner_usage_view_counts_and_names_active_customers_without_usage(
    client, world, clock
):
    setup_usage(world.a)
    idle = CustomerFactory(name="Idle Co", partner=world.a.partner)
    SubscriptionFactory(customer=idle, start_date=date(2024, 6, 1))
    ended = CustomerFactory(name="Ended Co", partner=world.a.partner)
    SubscriptionFactory(customer=ended, start_date=date(2024, 1, 1), end_date=date(2024, 5, 1),
                        status=Subscription.Status.ENDED)
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    response = client.get("/usage/")
    body = response.content.decode()
    assert response.context["customer_count"] == 2
    assert "Current billing cycle of 2 customers with an active subscription." in body
    section = body[body.index('id="without-usage"'):]
    assert "Idle Co" in section and "Ended Co" not in body
    assert world.b.customer.name not in body


def test_daily_detail_with_two_subscriptions_says_usage_is_the_customers_total(
    client, world, clock
):
    first = setup_usage(world.a)
    second = SubscriptionFactory(
        customer=world.a.customer, start_date=date(2024, 5, 20), standard_agents=7,
        premium_agents=2, addon_ivr_ports=3,
    )
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    for picked in (first, second):
        response = client.get(daily_url(world.a, subscription=picked.pk))
        body = response.content.decode()
        assert 'id="shared-usage"' in body and "total across its subscriptions." in body
        own = (picked.standard_agents, picked.premium_agents, picked.addon_ivr_ports)
        assert (
            "This subscription contributes {} standard agents, {} premium agents and {} "
            "add-on IVR ports".format(*own)
        ) in body
        from usage.views import subscription_label

        assert f"primary subscription: {subscription_label(first)}" in body
    # One subscription alone: nothing to explain.
    second.delete()
    body = client.get(daily_url(world.a)).content.decode()
    assert 'id="shared-usage"' not in body


@pytest.mark.parametrize("value", ["-5", "0", "1001"])
def test_alert_thresholds_out_of_range_name_one_range(client, world, value):
    """−5 and 0 used to get different minimums (≥ 0 from the form, ≥ 1 from the model)."""
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/customers/{world.a.customer.pk}/usage/alerts/"
    response = client.post(url, {"warning_percent": value, "limit_percent": "100"})
    errors = response.context["form"].errors["warning_percent"]
    expected = "greater than or equal to 1" if value != "1001" else "less than or equal to 1000"
    assert any(expected in error for error in errors), errors
    assert not OverageAlertSettings.objects.exists()


@pytest.mark.parametrize("first, second", [("100", "90"), ("90", "90")])
def test_the_second_threshold_must_be_above_the_first(client, world, first, second):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/customers/{world.a.customer.pk}/usage/alerts/"
    response = client.post(url, {"warning_percent": first, "limit_percent": second})
    assert response.status_code == 200
    assert response.context["form"].errors["limit_percent"] == [
        f"The second threshold must be above the first ({first} %)."
    ]
    assert not OverageAlertSettings.objects.exists()
