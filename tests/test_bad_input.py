"""Every bad input is a 4xx JSON naming the field and the reason, never a 500."""

from __future__ import annotations

import json

import pytest

from orgs.roles import Role

AGENT = {"id": "s1", "agent_id": "a1", "license": "standard",
         "login_at": "2024-06-19T08:00:00Z", "logout_at": "2024-06-19T09:00:00Z"}
IVR = {"id": "i1", "started_at": "2024-06-19T08:00:00Z", "ended_at": "2024-06-19T08:10:00Z"}
DIGITAL = {"id": "d1", "sku": "A-CHAN-U-SMS-INTL", "units": 3,
           "occurred_at": "2024-06-19T08:00:00Z"}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BAD = [
    ("agent-sessions", {"sessions": [{**AGENT, "id": "nul\x00id"}]}, "sessions[0].id"),
    ("agent-sessions", {"sessions": [{**AGENT, "agent_id": "\ud800"}]}, "sessions[0].agent_id"),
    ("agent-sessions", {"sessions": [{**AGENT, "login_at": "0001-01-01T00:30:00+01:00"}]},
     "sessions[0].login_at"),
    ("agent-sessions", {"sessions": [{**AGENT, "logout_at": "9999-12-31T23:30:00-01:00"}]},
     "sessions[0].logout_at"),
    ("agent-sessions", {"sessions": [{**AGENT, "license": []}]}, "sessions[0].license"),
    ("agent-sessions", {"sessions": [{**AGENT, "license": {}}]}, "sessions[0].license"),
    ("ivr-sessions", {"sessions": [{**IVR, "id": "\ud83d"}]}, "sessions[0].id"),
    ("ivr-sessions", {"sessions": [{**IVR, "started_at": "0001-01-01T00:00:00+14:00"}]},
     "sessions[0].started_at"),
    ("digital-usage", {"records": [{**DIGITAL, "sku": []}]}, "records[0].sku"),
    ("digital-usage", {"records": [{**DIGITAL, "sku": {"a": 1}}]}, "records[0].sku"),
]


def raw_post(client, path, body: str):
    return client.post(path, body, content_type="application/json")


@pytest.mark.parametrize(("kind", "body", "field"), BAD, ids=[b[2] + ":" + repr(b[1])[:40]
                                                            for b in BAD])
def test_bad_records_answer_400_naming_the_field(client, world, kind, body, field):
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    path = f"/api/v1/customers/{world.a.customer.pk}/{kind}/"
    # json.dumps keeps a lone surrogate as \\ud800, as a real client would send it.
    response = raw_post(client, path, json.dumps(body))
    assert response.status_code == 400, response.content
    fields = [error["field"] for error in response.json()["errors"]]
    assert field in fields, response.json()


def test_deep_nesting_a_huge_limit_options_and_a_huge_body(client, world, settings):
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    base = f"/api/v1/customers/{world.a.customer.pk}"
    deep = raw_post(client, f"{base}/agent-sessions/", '{"sessions": ' + nested(5000) + "}")
    assert deep.status_code == 400 and "nested" in deep.json()["message"]

    huge = client.get("/api/v1/customers/?limit=99999999999999999999&offset=99999999999999999999")
    assert huge.status_code == 200 and huge.json()["results"] == []
    assert client.get("/api/v1/orders/?limit=99999999999999999999").status_code == 200

    for path in (f"{base}/agent-sessions/", f"{base}/ivr-sessions/", f"{base}/digital-usage/",
                 f"/api/v1/customers/{world.a.customer.pk}/trials/{world.a.trial.pk}/services/"):
        response = client.options(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        assert response["Content-Type"].startswith("application/json")

    body = '{"sessions": [' + ",".join([json.dumps(AGENT)] * 80000) + "]}"
    assert len(body) > 10_000_000
    big = raw_post(client, f"{base}/agent-sessions/", body)
    assert big.status_code == 413 and big.json()["message"]


def test_403_and_404_bodies_carry_a_message(api, world):
    api.force_authenticate(world.a[Role.CUSTOMER_READ_ONLY])
    forbidden = api.patch(f"/api/v1/customers/{world.a.customer.pk}/", {"name": "x"},
                          format="json")
    assert forbidden.status_code == 403 and forbidden.json()["message"]
    missing = api.get(f"/api/v1/customers/{world.b.customer.pk}/")
    assert missing.status_code == 404 and missing.json()["message"]
