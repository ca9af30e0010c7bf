"""The customers API: token auth, scoping, PATCH, and errors that name the field."""

import pytest
from django.core.management import call_command

from orgs.models import AuditLog
from orgs.roles import Role


def token_client(api, person):
    from orgs.apikeys import person_token_create

    _token, key = person_token_create(person=person)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_requests_without_a_token_are_refused(api, world):
    response = api.get("/api/v1/customers/")
    assert response.status_code == 401
    assert response.json()["message"]


def test_list_shows_only_the_callers_customers(api, world, django_assert_max_num_queries):
    client = token_client(api, world.a[Role.PARTNER_FULL_ADMIN])
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/customers/").json()
    assert [c["name"] for c in body["results"]] == [world.a.customer.name]
    assert body["results"][0]["managing_partner"] == world.a.partner.pk
    assert body["results"][0]["data_region"] == "EU"


def test_patch_surge_percent_is_stored_and_audited(api, world):
    client = token_client(api, world.a[Role.PARTNER_ADMIN])
    response = client.patch(
        f"/api/v1/customers/{world.a.customer.pk}/", {"surge_percent": 30}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["surge_percent"] == 30
    assert AuditLog.objects.filter(action="organization.update").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"surge_percent": -1}, "surge_percent"), ({"surge_percent": "many"}, "surge_percent"),
     ({"country": "XX"}, "country"), ({"tier": 2}, "tier")],
)
def test_bad_patch_names_the_field_and_changes_nothing(api, world, payload, field):
    client = token_client(api, world.a[Role.PARTNER_FULL_ADMIN])
    response = client.patch(f"/api/v1/customers/{world.a.customer.pk}/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body["message"]
    assert [e["field"] for e in body["errors"]] == [field]
    world.a.customer.refresh_from_db()
    assert world.a.customer.surge_percent == 0


def test_malformed_json_is_a_400_not_a_500(api, world):
    client = token_client(api, world.a[Role.PARTNER_FULL_ADMIN])
    response = client.patch(f"/api/v1/customers/{world.a.customer.pk}/", "{not json",
                            content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


def test_read_only_gets_403_and_other_tenant_404(api, world):
    path = f"/api/v1/customers/{world.a.customer.pk}/"
    assert token_client(api, world.a[Role.PARTNER_READ_ONLY]).patch(
        path, {"surge_percent": 5}, format="json").status_code == 403
    assert token_client(api, world.b[Role.PARTNER_FULL_ADMIN]).get(path).status_code == 404


def test_create_partner_prints_a_working_token(db, capsys, api):
    call_command("create_partner", "Initrode", "--admin-email", "boss@initrode.test")
    token = capsys.readouterr().out.strip()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/customers/").status_code == 200


def test_every_endpoint_is_in_the_openapi_schema(client, db):
    from django.urls import get_resolver

    from tests.test_tenancy import _walk

    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    documented = set(schema["paths"])
    for route in _walk(get_resolver().url_patterns):
        if route.route.startswith("api/v1/") and route.route not in (
            "api/v1/schema/", "api/v1/docs/"
        ):
            import re

            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.route)
            assert path in documented, path
