"""Brute force and abuse: login lockout per account and per address with a clear
message and an admin unlock, API throttling, password-reset limits."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from orgs.apikeys import person_token_create
from orgs.roles import Role


def fail_login(client, email, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": email, "password": "wrong-password"},
                       REMOTE_ADDR=address)


@pytest.mark.django_db
def test_an_account_locks_after_repeated_failures_with_a_clear_message(client, world, settings):
    person = world.a[Role.CUSTOMER_FULL_ADMIN]
    person.set_password("Right-password-42")
    person.save()
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert fail_login(client, person.email, f"10.0.0.{n}").status_code == 200
    locked = fail_login(client, person.email, "10.0.1.1")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    # Even the right password from another address is refused while locked.
    right = client.post(reverse("login"), {"username": person.email,
                                           "password": "Right-password-42"},
                        REMOTE_ADDR="10.9.9.9")
    assert right.status_code == 429
    # An admin unlocks it (the admin list of access attempts; deleting the rows).
    admin = world.a[Role.PARTNER_FULL_ADMIN]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert person.email in page.content.decode()
    AccessAttempt.objects.filter(username=person.email).delete()
    client.logout()
    ok = client.post(reverse("login"), {"username": person.email,
                                        "password": "Right-password-42"}, REMOTE_ADDR="10.9.9.9")
    assert ok.status_code == 302


@pytest.mark.django_db
def test_one_address_trying_many_accounts_is_locked(client, world, settings):
    emails = [p.email for p in world.a.people.values()] + [p.email for p in world.b.people.values()]
    codes = [fail_login(client, email, "192.0.2.7").status_code for email in emails[:6]]
    assert codes[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert codes[settings.AXES_FAILURE_LIMIT - 1] == 429


@pytest.mark.django_db
def test_password_resets_are_limited_per_address(client, world, settings, mailoutbox):
    settings.PASSWORD_RESET_LIMIT_PER_HOUR = 3
    email = world.a[Role.CUSTOMER_FULL_ADMIN].email
    codes = [client.post(reverse("password_reset"), {"email": email},
                         REMOTE_ADDR="198.51.100.1").status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    other = client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR="198.51.100.2")
    assert other.status_code == 302


@pytest.mark.django_db
def test_the_api_throttles_per_token_and_per_anonymous_address(api, world, settings):
    from rest_framework.settings import api_settings

    rates = {"client": "3/minute", "anonymous": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    api_settings.reload()
    from rest_framework.throttling import SimpleRateThrottle

    old = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        _row, key_a = person_token_create(person=world.a[Role.PARTNER_FULL_ADMIN])
        _row, key_b = person_token_create(person=world.b[Role.PARTNER_FULL_ADMIN])
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key_a}")
        codes = [api.get("/api/v1/customers/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = api.get("/api/v1/customers/")
        assert limited.json()["message"] and limited.headers.get("Retry-After")
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key_b}")
        assert api.get("/api/v1/customers/").status_code == 200  # its own budget
        api.credentials()
        anonymous = [api.get("/api/v1/customers/").status_code for _ in range(3)]
        assert anonymous == [401, 401, 429]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = old
        api_settings.reload()


@pytest.mark.django_db
def test_guessing_keys_is_throttled_per_address(api, settings):
    from rest_framework.throttling import SimpleRateThrottle

    old = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {"client": "100/minute", "anonymous": "3/minute"}
    try:
        api.credentials(HTTP_AUTHORIZATION="Bearer sbp_not-a-real-key")
        codes = [api.get("/api/v1/customers/").status_code for _ in range(4)]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = old
    assert codes == [401, 401, 401, 429]
