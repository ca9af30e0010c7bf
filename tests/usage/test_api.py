"""The usage API: posting events (all-or-nothing, idempotent, every bad record named)
and reading daily usage back as JSON and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from orgs.roles import Role
from subscriptions.models import Subscription
from tests.factories import SubscriptionFactory
from usage import engine
from usage.models import AgentSession, DailyUsage, DigitalUsage, DirtyDay, IvrSession
from usage.selectors import DAILY_DETAIL_COLUMNS

NOW = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def agent(
    i,
    *,
    agent_id="a1",
    license="standard",
    login="2024-06-19T08:00:00Z",
    logout="2024-06-19T09:00:00Z",
):
    return {
        "id": f"s{i}",
        "agent_id": agent_id,
        "license": license,
        "login_at": login,
        "logout_at": logout,
    }


def post(api, person, customer, kind, body):
    api.force_authenticate(person)
    return api.post(f"/api/v1/customers/{customer.pk}/{kind}/", body, format="json")


def test_agent_sessions_are_stored_once(api, world):
    admin, customer = world.a[Role.PARTNER_FULL_ADMIN], world.a.customer
    body = {"sessions": [agent(1), agent(2, agent_id="a2", license="premium")]}
    response = post(api, admin, customer, "agent-sessions", body)
    assert response.status_code == 201, response.json()
    assert response.json() == {"accepted": 2, "duplicates": 0}
    again = post(api, admin, customer, "agent-sessions", {"sessions": [agent(1), agent(3)]})
    assert again.json() == {"accepted": 1, "duplicates": 1}
    stored = AgentSession.objects.unscoped().get(customer=customer, session_id="s2")
    assert stored.premium and stored.login_at == datetime(2024, 6, 19, 8, tzinfo=UTC)
    assert AgentSession.objects.unscoped().count() == 3


def test_repeat_within_one_batch_counts_as_duplicate(api, world):
    response = post(
        api,
        world.a[Role.PARTNER_FULL_ADMIN],
        world.a.customer,
        "agent-sessions",
        {"sessions": [agent(1), agent(1)]},
    )
    assert response.json() == {"accepted": 1, "duplicates": 1}


def test_offsets_are_stored_in_utc_to_the_second(api, world):
    body = {
        "sessions": [
            agent(1, login="2024-06-19T10:00:00.700+02:00", logout="2024-06-19T09:30:00-00:00")
        ]
    }
    post(api, world.a[Role.PARTNER_FULL_ADMIN], world.a.customer, "agent-sessions", body)
    stored = AgentSession.objects.unscoped().get()
    assert stored.login_at == datetime(2024, 6, 19, 8, tzinfo=UTC)


def test_one_bad_record_rejects_the_batch_naming_every_bad_one(api, world):
    customer = world.a.customer
    body = {
        "sessions": [
            agent(1),
            agent(2, logout="2024-06-19T07:00:00Z"),  # ends before it starts
            agent(3, license="gold"),
            {
                "id": "s4",
                "agent_id": "a",
                "license": "standard",
                "login_at": "2024-06-19T08:00:00Z",
            },
            agent(5, login="2024-06-19T08:00:00"),  # naive
            agent(6, logout="2024-06-20T12:06:00Z"),  # future
            agent(7, login="2024-06-01T00:00:00Z", logout="2024-06-09T00:00:00Z"),  # 8 days
            agent(8, login="yesterday"),
        ]
    }
    response = post(api, world.a[Role.PARTNER_FULL_ADMIN], customer, "agent-sessions", body)
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "sessions[1].logout_at",
        "sessions[2].license",
        "sessions[3].logout_at",
        "sessions[4].login_at",
        "sessions[5].logout_at",
        "sessions[6].logout_at",
        "sessions[7].login_at",
    }
    assert all(e["reason"] for e in response.json()["errors"])
    assert not AgentSession.objects.unscoped().exists()
    assert not DirtyDay.objects.unscoped().exists()


def test_same_id_with_other_content_is_an_error(api, world):
    admin, customer = world.a[Role.PARTNER_FULL_ADMIN], world.a.customer
    post(api, admin, customer, "agent-sessions", {"sessions": [agent(1)]})
    changed = agent(1, logout="2024-06-19T09:30:00Z")
    response = post(api, admin, customer, "agent-sessions", {"sessions": [agent(2), changed]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "sessions[1].id"
    assert AgentSession.objects.unscoped().count() == 1
    within = post(
        api, admin, customer, "agent-sessions", {"sessions": [agent(5), agent(5, agent_id="x")]}
    )
    assert within.json()["errors"][0]["field"] == "sessions[1].id"


def test_ids_are_per_customer(api, world):
    post(
        api,
        world.a[Role.PARTNER_FULL_ADMIN],
        world.a.customer,
        "agent-sessions",
        {"sessions": [agent(1)]},
    )
    response = post(
        api,
        world.b[Role.PARTNER_FULL_ADMIN],
        world.b.customer,
        "agent-sessions",
        {"sessions": [agent(1, agent_id="other")]},
    )
    assert response.json() == {"accepted": 1, "duplicates": 0}


def test_batches_over_1000_records_are_413(api, world):
    body = {"sessions": [agent(i) for i in range(1001)]}
    response = post(api, world.a[Role.PARTNER_FULL_ADMIN], world.a.customer, "agent-sessions", body)
    assert response.status_code == 413
    assert "1000" in response.json()["message"]


def test_a_customer_without_an_active_subscription_gets_409(api, world):
    Subscription.objects.unscoped().filter(customer=world.a.customer).update(status="ended")
    response = post(
        api, world.a[Role.PARTNER_FULL_ADMIN], world.a.customer, "ivr-sessions", {"sessions": []}
    )
    assert response.status_code == 409
    assert "subscription" in response.json()["message"]


def test_read_only_people_and_other_tenants_cannot_post(api, world):
    body = {"sessions": [agent(1)]}
    assert (
        post(
            api, world.a[Role.PARTNER_READ_ONLY], world.a.customer, "agent-sessions", body
        ).status_code
        == 403
    )
    assert (
        post(
            api, world.b[Role.PARTNER_FULL_ADMIN], world.a.customer, "agent-sessions", body
        ).status_code
        == 404
    )
    assert (
        post(
            api, world.a[Role.CUSTOMER_READ_ONLY], world.a.customer, "agent-sessions", body
        ).status_code
        == 403
    )


def test_ivr_sessions_and_dirty_days(api, world):
    admin, customer = world.a[Role.PARTNER_FULL_ADMIN], world.a.customer
    body = {
        "sessions": [
            {"id": "i1", "started_at": "2024-06-18T23:59:00Z", "ended_at": "2024-06-19T00:01:00Z"},
            {"id": "i2", "started_at": "2024-06-20T11:00:00Z", "ended_at": "2024-06-20T11:01:00Z"},
        ]
    }
    response = post(api, admin, customer, "ivr-sessions", body)
    assert response.json() == {"accepted": 2, "duplicates": 0}
    assert IvrSession.objects.unscoped().count() == 2
    dirty = set(DirtyDay.objects.unscoped().values_list("usage_date", flat=True))
    assert dirty == {date(2024, 6, 18), date(2024, 6, 19)}  # today is not computed yet


def test_late_named_session_marks_the_rest_of_the_cycle(api, world):
    # world.a's subscription is named and started 40 days before NOW: billing day 11.
    admin, customer = world.a[Role.PARTNER_FULL_ADMIN], world.a.customer
    post(
        api,
        admin,
        customer,
        "agent-sessions",
        {"sessions": [agent(1, login="2024-06-12T08:00:00Z", logout="2024-06-12T09:00:00Z")]},
    )
    dirty = set(DirtyDay.objects.unscoped().values_list("usage_date", flat=True))
    assert dirty == {date(2024, 6, 12) + timedelta(days=i) for i in range(8)}  # to yesterday


def test_digital_usage(api, world):
    admin, customer = world.a[Role.PARTNER_FULL_ADMIN], world.a.customer
    good = {
        "id": "d1",
        "sku": "A-CHAN-U-SMS-INTL",
        "units": 3,
        "occurred_at": "2024-06-19T08:00:00Z",
    }
    response = post(api, admin, customer, "digital-usage", {"records": [good]})
    assert response.json() == {"accepted": 1, "duplicates": 0}
    bad = [
        {**good, "id": "d2", "sku": "A-FLEX-WCC-S-N"},
        {**good, "id": "d3", "units": 0},
        {**good, "id": "d4", "units": "3"},
        {"id": "d5", "sku": "A-CHAN-U-SMS-INTL", "units": 1},
    ]
    response = post(api, admin, customer, "digital-usage", {"records": bad})
    assert {e["field"] for e in response.json()["errors"]} == {
        "records[0].sku",
        "records[1].units",
        "records[2].units",
        "records[3].occurred_at",
    }
    assert DigitalUsage.objects.unscoped().count() == 1


def test_provisioning_through_the_api_gives_a_subscription_usage_can_be_computed_for(api, world):
    partner_admin = world.a[Role.PARTNER_FULL_ADMIN]
    api.force_authenticate(partner_admin)
    order = api.post(
        "/api/v1/orders/",
        {
            "web_order_id": "WO-API-1",
            "offer": "A-FLEX-3-CC",
            "requested_start_date": "2024-06-01",
            "provisioning_contact_email": "ops@partner-a.test",
            "lines": [
                {"sku": "A-FLEX-WCC-S-C", "quantity": 2},
                {"sku": "A-FLEX-WCC-IVR", "quantity": 1},
            ],
        },
        format="json",
    )
    assert order.status_code == 201, order.json()
    provisioned = api.post(
        f"/api/v1/orders/{order.json()['id']}/provision/",
        {
            "customer_admin_email": "boss@newco.test",
            "company_name": "Newco",
            "country": "NL",
            "organization": "new",
            "activate": True,
        },
        format="json",
    )
    assert provisioned.status_code == 201, provisioned.json()
    customer_id = provisioned.json()["customer"]["id"]
    sessions = [
        {"id": f"i{i}", "started_at": "2024-06-19T10:00:00Z", "ended_at": "2024-06-19T10:10:00Z"}
        for i in range(7)
    ]
    response = api.post(
        f"/api/v1/customers/{customer_id}/ivr-sessions/", {"sessions": sessions}, format="json"
    )
    assert response.status_code == 201, response.json()
    engine.compute_days([customer_id], date(2024, 6, 19), date(2024, 6, 19))
    daily = api.get(f"/api/v1/customers/{customer_id}/usage/daily/?from=2024-06-19&to=2024-06-19")
    ivr = next(r for r in daily.json()["results"] if r["usage_type"] == "IVR Port")
    assert ivr == {
        "usage_date": "2024-06-19",
        "usage_type": "IVR Port",
        "units_used": 7,
        "units_commitment": 5,
        "units_substituted": 0,
        "units_overage": 2,
        "usage_unit": "Ports",
        "comment": "Overage peak",
    }


def _daily(api, person, customer, query):
    api.force_authenticate(person)
    return api.get(f"/api/v1/customers/{customer.pk}/usage/daily/{query}")


def test_daily_usage_parameters_are_checked(api, world):
    person, customer = world.a[Role.CUSTOMER_READ_ONLY], world.a.customer
    for query, field in [
        ("", "from"),
        ("?from=2024-06-01", "to"),
        ("?from=x&to=2024-06-02", "from"),
        ("?from=2024-06-02&to=2024-06-01", "to"),
        ("?from=2020-01-01&to=2024-06-01", "to"),
        ("?from=2024-06-01&to=2024-06-02&subscription=999999", "subscription"),
    ]:
        response = _daily(api, person, customer, query)
        assert response.status_code == 400, query
        assert response.json()["errors"][0]["field"] == field
    bad_csv = _daily(api, person, customer, "?format=csv")
    assert bad_csv.status_code == 400 and bad_csv.json()["errors"][0]["field"] == "from"


def test_daily_usage_json_and_csv_with_constant_queries(api, world, django_assert_max_num_queries):
    customer = world.a.customer
    engine.compute_days([customer.pk], date(2024, 6, 1), date(2024, 6, 3))
    person = world.a[Role.CUSTOMER_READ_ONLY]
    with django_assert_max_num_queries(8):
        response = _daily(api, person, customer, "?from=2024-06-01&to=2024-06-03")
    assert len(response.json()["results"]) == 9
    engine.compute_days([customer.pk], date(2024, 6, 4), date(2024, 6, 19))
    with django_assert_max_num_queries(8):
        response = _daily(api, person, customer, "?from=2024-06-01&to=2024-06-19")
    assert len(response.json()["results"]) == 19 * 3
    exported = _daily(api, person, customer, "?from=2024-06-01&to=2024-06-02&format=csv")
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0] == [header for header, _ in DAILY_DETAIL_COLUMNS]
    assert rows[1][:2] == ["2024-06-01", "IVR Port"] and len(rows) == 7


def test_daily_usage_of_one_subscription(api, world):
    customer = world.a.customer
    second = SubscriptionFactory(customer=customer, start_date=date(2024, 6, 10), standard_agents=3)
    engine.compute_days([customer.pk], date(2024, 6, 8), date(2024, 6, 11))
    response = _daily(
        api,
        world.a[Role.PARTNER_FULL_ADMIN],
        customer,
        f"?from=2024-06-01&to=2024-06-30&subscription={second.pk}",
    )
    assert {r["usage_date"] for r in response.json()["results"]} == {"2024-06-10", "2024-06-11"}
    assert (
        DailyUsage.objects.unscoped().filter(usage_date="2024-06-11").first().subscription_id
        != second.pk
    )


def test_current_usage(api, world):
    customer = world.a.customer
    engine.compute_days([customer.pk], date(2024, 6, 11), date(2024, 6, 19))
    api.force_authenticate(world.a[Role.CUSTOMER_FULL_ADMIN])
    body = api.get(f"/api/v1/customers/{customer.pk}/usage/current/").json()
    assert body["cycle_start"] == "2024-06-11" and body["cycle_end"] == "2024-07-10"
    assert body["commitments"] == {"standard": 10, "premium": 5, "addon_ivr_ports": 2}
    assert body["voice_entitlement"] == 47
    assert {u["usage_type"] for u in body["usage"]} == {
        "Premium Named Agent",
        "Standard Named Agent",
        "IVR Port",
    }
    assert body["digital"] == []


def test_usage_endpoints_are_in_the_openapi_schema(api, world):
    api.force_authenticate(world.a[Role.PARTNER_FULL_ADMIN])
    schema = api.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    for suffix in (
        "agent-sessions/",
        "ivr-sessions/",
        "digital-usage/",
        "usage/daily/",
        "usage/current/",
    ):
        assert f"/api/v1/customers/{{customer_id}}/{suffix}" in paths
    daily = paths["/api/v1/customers/{customer_id}/usage/daily/"]["get"]
    assert {p["name"] for p in daily["parameters"]} >= {"from", "to", "subscription", "format"}


def test_current_usage_queries_do_not_grow_with_rows(api, world, django_assert_max_num_queries):
    customer = world.a.customer
    engine.compute_days([customer.pk], date(2024, 6, 11), date(2024, 6, 12))
    api.force_authenticate(world.a[Role.CUSTOMER_FULL_ADMIN])
    with django_assert_max_num_queries(10):
        api.get(f"/api/v1/customers/{customer.pk}/usage/current/")
    engine.compute_days([customer.pk], date(2024, 6, 13), date(2024, 6, 19))
    with django_assert_max_num_queries(10):
        assert api.get(f"/api/v1/customers/{customer.pk}/usage/current/").status_code == 200
