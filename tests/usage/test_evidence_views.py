"""Where the evidence is shown: each daily-detail row links to its evidence page (with a
CSV export), and `GET /api/v1/customers/{id}/usage/evidence/` answers the same witnesses;
bad parameters answer 400 naming the field, another tenant 404."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine

from orgs.roles import Role
from subscriptions.models import Subscription
from tests.usage.helpers import store
from usage import engine, rules
from usage.models import DailyUsage
from usage.rules import AgentSession, IvrSession
from usage.views import evidence_url

pytestmark = pytest.mark.django_db

DAY = date(2024, 6, 12)
CYCLE_START = date(2024, 6, 9)
IVR = rules.IVR_PORT
NOW = datetime(2024, 6, 20, 12, tzinfo=UTC)


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def set_up(customer, agent_model: str = rules.NAMED) -> None:
    Subscription.objects.unscoped().filter(customer=customer).update(
        start_date=CYCLE_START,
        agent_model=agent_model,
        standard_agents=1,
        premium_agents=1,
        addon_ivr_ports=0,
    )
    agents = [
        AgentSession("ann", False, at("2024-06-09 08:00"), at("2024-06-09 12:00")),
        AgentSession("ann", True, at("2024-06-11 08:00"), at("2024-06-11 12:00")),
        AgentSession("bob", False, at("2024-06-12 09:00"), at("2024-06-12 10:00")),
        AgentSession("cat", False, at("2024-06-12 09:10"), at("2024-06-12 10:30")),
    ]
    ivrs = [
        IvrSession(at("2024-06-12 10:00:30"), at("2024-06-12 10:00:40")),
        IvrSession(at("2024-06-12 10:00:50"), at("2024-06-12 10:02:10")),
        IvrSession(at("2024-06-12 11:00:00"), at("2024-06-12 11:00:10")),
    ]
    store(customer, agents, ivrs)
    engine.compute_days([customer.pk], CYCLE_START, DAY)


def page(client, customer, usage_type: str, day: date = DAY, query: str = ""):
    return client.get(evidence_url(customer.pk, day, usage_type) + query)


# --- the page -------------------------------------------------------------------------


def test_daily_detail_rows_open_their_evidence(client, world):
    set_up(world.a.customer)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = client.get(f"/customers/{world.a.customer.pk}/usage/daily/?cycle=2024-06-09")
    body = response.content.decode()
    rows = DailyUsage.objects.unscoped().filter(customer=world.a.customer)
    assert rows.count() == 12
    for row in rows:
        assert f'href="{evidence_url(row.customer_id, row.usage_date, row.usage_type)}"' in body


def test_named_evidence_page_lists_the_agents_and_why_premium(client, world):
    customer = world.a.customer
    set_up(customer)
    client.force_login(world.a[Role.CUSTOMER_READ_ONLY])
    standard = page(client, customer, rules.STANDARD_NAMED_AGENT)
    assert standard.status_code == 200
    table = standard.content.decode().split('id="evidence"')[1]
    assert "bob" in table and "cat" in table and "ann" not in table
    premium = page(client, customer, rules.PREMIUM_NAMED_AGENT).content.decode()
    assert "ann" in premium and "a1 (2024-06-11 08:00:00" in premium
    assert "2024-06-09" in premium  # first seen on the cycle's first day
    assert 'id="evidence-stale"' not in premium


def test_concurrent_evidence_page_names_the_quarter_hour(client, world):
    customer = world.a.customer
    set_up(customer, rules.CONCURRENT)
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    body = page(client, customer, rules.STANDARD_CONCURRENT_AGENT).content.decode()
    # bob (09:00-10:00) and cat (09:10-10:30) are both counted first at 09:45.
    assert "starting 09:45" in body
    assert "bob" in body and "cat" in body
    assert "900 s" in body and "300 s" in body  # cat logged in 09:10: 5 min of 09:00


def test_ivr_evidence_csv_export(client, world):
    customer = world.a.customer
    set_up(customer)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = page(client, customer, rules.IVR_PORT, query="?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Usage Date", "Usage Type", "Peak Minute", "Session ID", "Started At",
                       "Ended At"]  # fmt: skip
    assert rows[1:] == [
        ["2024-06-12", "IVR Port", "2024-06-12T10:00:00Z", "i0", "2024-06-12T10:00:30Z",
         "2024-06-12T10:00:40Z"],
        ["2024-06-12", "IVR Port", "2024-06-12T10:00:00Z", "i1", "2024-06-12T10:00:50Z",
         "2024-06-12T10:02:10Z"],
    ]  # fmt: skip
    row = DailyUsage.objects.unscoped().get(
        customer=customer, usage_date=DAY, usage_type="IVR Port"
    )
    assert row.units_used == len(rows) - 1


def test_named_csv_export_has_a_line_per_agent(client, world):
    customer = world.a.customer
    set_up(customer)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = page(client, customer, rules.PREMIUM_NAMED_AGENT, query="?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == ["2024-06-12", "Premium Named Agent", "ann", "2024-06-09", "2024-06-11",
                       "a1", "2024-06-11T08:00:00Z", "2024-06-11T12:00:00Z"]  # fmt: skip


def test_late_sessions_are_pointed_out_until_recomputed(client, world):
    customer = world.a.customer
    set_up(customer)
    store(
        customer,
        [AgentSession("dan", False, at("2024-06-12 13:00"), at("2024-06-12 14:00"))],
        [],
        offset=100,
    )
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    body = page(client, customer, rules.STANDARD_NAMED_AGENT).content.decode()
    assert 'id="evidence-stale"' in body


@pytest.mark.parametrize(
    ("usage_date", "usage_type"),
    [
        ("2024-06-12", "no-such-type"),
        ("2024-13-01", "ivr-port"),
        ("2024-06-30", "ivr-port"),  # no row computed
        ("2024-06-12", "standard-concurrent-agent"),  # the customer counts named agents
    ],
)
def test_no_row_no_page(client, world, usage_date, usage_type):
    set_up(world.a.customer)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = client.get(
        f"/customers/{world.a.customer.pk}/usage/evidence/{usage_date}/{usage_type}/"
    )
    assert response.status_code == 404


def test_unknown_format_is_refused(client, world):
    set_up(world.a.customer)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    assert page(client, world.a.customer, rules.IVR_PORT, query="?format=pdf").status_code == 400


def test_another_tenant_gets_404_even_for_a_real_row(client, world):
    set_up(world.b.customer)
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    assert page(client, world.b.customer, rules.IVR_PORT).status_code == 404
    assert page(client, world.b.customer, rules.IVR_PORT, query="?format=csv").status_code == 404


# --- the API --------------------------------------------------------------------------


def evidence_api(api, person, customer, **params):
    api.force_authenticate(person)
    return api.get(f"/api/v1/customers/{customer.pk}/usage/evidence/", params)


def test_api_named_evidence(api, world):
    set_up(world.a.customer)
    response = evidence_api(
        api, world.a[Role.CUSTOMER_FULL_ADMIN], world.a.customer,
        date="2024-06-12", usage_type="Premium Named Agent",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["units_used"] == body["witnesses"] == 1 and body["matches_row"]
    assert body["cycle_start"] == "2024-06-09"
    assert body["concurrent"] is None and body["ivr"] is None
    assert body["named_agents"] == [
        {
            "agent_id": "ann",
            "first_seen": "2024-06-09",
            "premium": True,
            "premium_since": "2024-06-11",
            "premium_session": {
                "id": "a1",
                "license": "premium",
                "login_at": "2024-06-11T08:00:00Z",
                "logout_at": "2024-06-11T12:00:00Z",
            },
        }
    ]


def test_api_concurrent_and_ivr_evidence(api, world):
    set_up(world.a.customer, rules.CONCURRENT)
    admin = world.a[Role.PARTNER_READ_ONLY]
    concurrent = evidence_api(
        api, admin, world.a.customer, date="2024-06-12", usage_type="Standard Concurrent Agent"
    ).json()
    assert concurrent["witnesses"] == concurrent["units_used"] == 2
    assert concurrent["concurrent"]["peak_period_start"] == "2024-06-12T09:45:00Z"
    cat = concurrent["concurrent"]["agents"][1]
    assert cat["agent_id"] == "cat"
    assert [p["logged_in_seconds"] for p in cat["periods"]] == [300, 900, 900, 900]
    assert cat["periods"][0]["start"] == "2024-06-12T09:00:00Z"
    assert [s["id"] for s in cat["sessions"]] == ["a3"]
    ivr = evidence_api(api, admin, world.a.customer, date="2024-06-12", usage_type="IVR Port")
    assert ivr.json()["ivr"]["peak_minute_start"] == "2024-06-12T10:00:00Z"
    assert [s["id"] for s in ivr.json()["ivr"]["sessions"]] == ["i0", "i1"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"usage_type": "IVR Port"}, "date"),
        ({"date": "12/06/2024", "usage_type": "IVR Port"}, "date"),
        ({"date": "2024-06-12"}, "usage_type"),
        ({"date": "2024-06-12", "usage_type": "ivr-port"}, "usage_type"),
    ],
)
def test_api_bad_parameters_name_the_field(api, world, params, field):
    set_up(world.a.customer)
    response = evidence_api(api, world.a[Role.PARTNER_FULL_ADMIN], world.a.customer, **params)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert response.json()["errors"][0]["reason"]


def test_api_no_row_is_404_and_so_is_another_tenant(api, world):
    set_up(world.a.customer)
    set_up(world.b.customer)
    admin = world.a[Role.PARTNER_FULL_ADMIN]
    no_row = evidence_api(api, admin, world.a.customer, date="2024-06-30", usage_type="IVR Port")
    assert no_row.status_code == 404 and "2024-06-30" in no_row.json()["message"]
    other = evidence_api(api, admin, world.b.customer, date="2024-06-12", usage_type="IVR Port")
    assert other.status_code == 404


def test_api_evidence_reads_few_queries(api, world, django_assert_max_num_queries):
    set_up(world.a.customer)
    api.force_authenticate(world.a[Role.PARTNER_FULL_ADMIN])
    url = f"/api/v1/customers/{world.a.customer.pk}/usage/evidence/"
    with django_assert_max_num_queries(8):
        api.get(url, {"date": "2024-06-12", "usage_type": "Standard Named Agent"})


def test_evidence_is_in_the_openapi_schema(api, world):
    api.force_authenticate(world.a[Role.PARTNER_FULL_ADMIN])
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/customers/{customer_id}/usage/evidence/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"date", "usage_type"}
    assert "RowEvidence" in str(operation["responses"]["200"])


def test_usage_cards_link_each_figure_to_the_day_that_reached_it(client, world):
    customer = world.a.customer
    set_up(customer)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    # Standard named agents reached 2 first on June 12; IVR ports 2 on June 12.
    assert evidence_url(customer.pk, DAY, rules.STANDARD_NAMED_AGENT) in body
    assert evidence_url(customer.pk, DAY, rules.IVR_PORT) in body
    assert evidence_url(customer.pk, date(2024, 6, 11), rules.PREMIUM_NAMED_AGENT) in body
