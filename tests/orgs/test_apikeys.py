"""Least privilege for the API: who may post usage, partner API keys (named, scoped,
shown once, stored hashed, last use, revocable) and personal tokens."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import call_command
from django.urls import reverse

from orgs.apikeys import partner_key_create, person_token_create
from orgs.models import ApiToken, AuditLog
from orgs.roles import Role

SESSION = {"sessions": [{"id": "k1", "agent_id": "a1", "license": "standard",
                         "login_at": "2024-06-19T08:00:00Z", "logout_at": "2024-06-19T09:00:00Z"}]}


def bearer(api, key):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


def usage_url(tenant):
    return f"/api/v1/customers/{tenant.customer.pk}/agent-sessions/"


@pytest.mark.parametrize("role", [Role.CUSTOMER_FULL_ADMIN, Role.CUSTOMER_READ_ONLY,
                                  Role.PARTNER_READ_ONLY])
def test_customers_and_readers_cannot_post_usage(api, world, role):
    api.force_authenticate(world.a[role])
    response = api.post(usage_url(world.a), SESSION, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["message"]


def test_the_managing_partners_admins_post_usage(api, world):
    api.force_authenticate(world.a[Role.PARTNER_FULL_ADMIN])
    assert api.post(usage_url(world.a), SESSION, format="json").status_code == 201


def test_a_partner_key_does_only_what_its_scopes_allow(api, world):
    admin = world.a[Role.PARTNER_FULL_ADMIN]
    _row, reader = partner_key_create(actor=admin, name="Reports", scopes=["read"])
    _row, writer = partner_key_create(actor=admin, name="Platform", scopes=["usage:write"])
    customer = f"/api/v1/customers/{world.a.customer.pk}/"

    assert bearer(api, reader).get(customer).status_code == 200
    assert bearer(api, reader).post(usage_url(world.a), SESSION, format="json").status_code == 403
    assert bearer(api, reader).patch(customer, {"name": "X"}, format="json").status_code == 403
    assert bearer(api, writer).get(customer).status_code == 403
    assert bearer(api, writer).post(usage_url(world.a), SESSION, format="json").status_code == 201
    denied = bearer(api, writer).post("/api/v1/orders/", {}, format="json")
    assert denied.status_code == 403 and "orders:write" in denied.json()["message"]
    # Another tenant's customer stays out of reach.
    other = f"/api/v1/customers/{world.b.customer.pk}/agent-sessions/"
    assert bearer(api, writer).post(other, SESSION, format="json").status_code == 404


def test_keys_are_stored_hashed_and_record_their_last_use(api, world):
    row, key = partner_key_create(actor=world.a[Role.PARTNER_FULL_ADMIN], name="Sync",
                                  scopes=["read"])
    assert key not in str(ApiToken.objects.filter(pk=row.pk).values().get())
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.last_used_at is None
    bearer(api, key).get("/api/v1/customers/")
    row.refresh_from_db()
    assert row.last_used_at is not None
    assert AuditLog.objects.filter(action="api_key.create", object_id=str(row.pk)).exists()


def test_the_api_keys_page_shows_a_key_once_and_revokes_it(client, api, world):
    admin = world.a[Role.PARTNER_FULL_ADMIN]
    client.force_login(admin)
    page = client.post(reverse("api-keys"), {"name": "Billing sync",
                                             "scopes": ["read", "orders:write"]})
    assert page.status_code == 200
    key = page.context["new_key"]
    assert key in page.content.decode()
    listing = client.get(reverse("api-keys")).content.decode()
    assert "Billing sync" in listing and key not in listing and key[:10] in listing
    row = ApiToken.objects.get(name="Billing sync")
    assert row.scopes == ["orders:write", "read"]
    assert bearer(api, key).get("/api/v1/orders/").status_code == 200
    client.post(reverse("api-key-revoke", args=[row.pk]))
    assert bearer(api, key).get("/api/v1/orders/").status_code == 401
    # A name and a known scope are required, each named.
    bad = client.post(reverse("api-keys"), {"name": "", "scopes": ["root"]})
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"name", "scopes"}


@pytest.mark.parametrize("role", [Role.PARTNER_ADMIN, Role.SALES_FULL_ADMIN,
                                  Role.CUSTOMER_FULL_ADMIN, Role.PARTNER_READ_ONLY])
def test_only_partner_full_admins_manage_keys(client, world, role):
    client.force_login(world.a[role])
    assert client.get(reverse("api-keys")).status_code == 403
    assert client.post(reverse("api-keys"), {"name": "x", "scopes": ["read"]}).status_code == 403
    assert client.post(reverse("api-key-revoke", args=[world.a.api_key.pk])).status_code == 404
    assert not ApiToken.objects.get(pk=world.a.api_key.pk).revoked_at


def test_a_key_stops_working_when_its_creator_is_no_longer_full_admin(api, world):
    admin = world.a[Role.PARTNER_FULL_ADMIN]
    _row, key = partner_key_create(actor=admin, name="Sync", scopes=["read"])
    admin.role = Role.PARTNER_ADMIN
    admin.save(update_fields=["role"])
    assert bearer(api, key).get("/api/v1/customers/").status_code == 401


def test_a_person_token_acts_with_the_persons_role_and_reach(client, api, world):
    reader = world.a[Role.CUSTOMER_READ_ONLY]
    client.force_login(reader)
    page = client.post(reverse("account-token"), {"action": "create"})
    key = page.context["new_token"]
    assert key in page.content.decode()
    assert key not in client.get(reverse("account")).content.decode()
    own = f"/api/v1/customers/{world.a.customer.pk}/"
    assert bearer(api, key).get(own).status_code == 200
    assert bearer(api, key).patch(own, {"name": "X"}, format="json").status_code == 403
    assert bearer(api, key).get(f"/api/v1/customers/{world.b.customer.pk}/").status_code == 404
    assert "Last used" in client.get(reverse("account")).content.decode()
    client.post(reverse("account-token"), {"action": "revoke"})
    assert bearer(api, key).get(own).status_code == 401


def test_api_token_command_prints_a_working_token(api, world, capsys):
    person = world.a[Role.SALES_ADMIN]
    call_command("api_token", person.email.upper())
    key = capsys.readouterr().out.strip()
    assert bearer(api, key).get("/api/v1/orders/").status_code == 200
    call_command("api_token", person.email)
    assert bearer(api, key).get("/api/v1/orders/").status_code == 401  # replaced


def test_a_password_reset_revokes_the_persons_token(client, api, world, mailoutbox):
    person = world.a[Role.CUSTOMER_FULL_ADMIN]
    _row, key = person_token_create(person=person)
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(person.pk))
    url = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(person)])
    form = client.get(url, follow=True)
    response = client.post(form.redirect_chain[-1][0],
                           {"new_password1": "A-much-longer-pw-91", "new_password2":
                            "A-much-longer-pw-91"})
    assert response.status_code == 302
    assert bearer(api, key).get("/api/v1/customers/").status_code == 401


def test_customers_cannot_change_their_surge_nor_move_region(api, client, world):
    customer = world.a.customer
    path = f"/api/v1/customers/{customer.pk}/"
    api.force_authenticate(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = api.patch(path, {"surge_percent": customer.surge_percent + 10}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "surge_percent"
    far = "US" if customer.country.code != "US" else "DE"
    response = api.patch(path, {"country": far}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "country"
    api.force_authenticate(world.a[Role.PARTNER_FULL_ADMIN])
    assert api.patch(path, {"surge_percent": 30}, format="json").status_code == 200
    assert api.patch(path, {"country": far}, format="json").status_code == 400
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    page = client.get(reverse("customer-settings", args=[customer.pk])).content.decode()
    assert 'name="surge_percent"' not in page
