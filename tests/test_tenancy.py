"""Tenants never see each other, and read-only admins change nothing: proved for every
page and endpoint, generated over the URL configuration.

A new URL is covered without anyone adding it here. A URL whose parameter this file does
not know fails until PARAMETERS says how to find another tenant's object of that kind
(and `tests.conftest.make_tenant` creates one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.apps import apps
from django.core import serializers
from django.urls import URLPattern, URLResolver, get_resolver

from orgs.roles import Role
from tests.conftest import Tenant

EVIDENCE_DAY = "2024-06-10"


def _daily_row_day(tenant: Tenant) -> str:
    """A day on which the tenant has a daily row (of type `usage_type` below), so that
    another tenant's evidence URL names a real row, and still answers 404."""
    from subscriptions.models import Subscription
    from tests.factories import DailyUsageFactory
    from usage.models import DailyUsage

    subscription = Subscription.objects.unscoped().filter(customer=tenant.customer).first()
    if not DailyUsage.objects.unscoped().filter(customer=tenant.customer).exists():
        DailyUsageFactory(
            subscription=subscription, usage_date=date.fromisoformat(EVIDENCE_DAY),
            usage_type="IVR Port",
        )  # fmt: skip
    return EVIDENCE_DAY


# How to find a tenant's object for each URL parameter.
PARAMETERS: dict[str, Callable[[Tenant], object]] = {
    "customer_id": lambda t: t.customer.pk,
    "org_id": lambda t: t.customer.pk,
    "person_id": lambda t: t[Role.CUSTOMER_FULL_ADMIN].pk,
    "trial_id": lambda t: t.trial.pk,
    "conversion_id": lambda t: t.trial.conversion_requests.first().pk,
    "order_id": lambda t: t.order.pk,
    "key_id": lambda t: t.api_key.pk,
    "invoice_id": lambda t: t.invoice.pk,
    "usage_date": _daily_row_day,
    "usage_type": lambda t: "ivr-port",
}

# URLs outside tenancy, each with the reason.
EXEMPT: dict[str, str] = {
    "admin/": "Django admin: platform staff only; tenant people are never staff",
    "login/": "public: logging in",
    "logout/": "public: logging out",
    "password-reset/": "public: choosing a password by emailed token",
    "i18n/": "the language switch",
    "dev/outbox/": "developer outbox: DEBUG only, 404 otherwise",
    "api/v1/schema/": "the public API description",
    "api/v1/docs/": "the public API description",
    "trials/consent/": "signed consent link: the token is the scope; tested in tests/trials",
    "setup-now/": "Set up now links: the signed token is the authority (tests/subscriptions)",
}
# Where a read-only admin may write: their own account only.
OWN_ACCOUNT = {"account/", "account/token/"}

WRITE_METHODS = ("post", "put", "patch", "delete")
ALL_METHODS = ("get", *WRITE_METHODS)
NOT_YOURS = {404, 405}
NOT_ALLOWED = {403, 404, 405}


@dataclass(frozen=True)
class Route:
    route: str
    parameters: tuple[str, ...]

    def path(self, tenant: Tenant) -> str:
        def fill(match: re.Match) -> str:
            return str(PARAMETERS[match.group("name")](tenant))

        return "/" + re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, self.route)

    def __str__(self) -> str:
        return self.route


def _walk(patterns, prefix: str = "") -> Iterator[Route]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            names = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
            yield Route(route=route, parameters=names)


def routes() -> list[Route]:
    found = {r.route: r for r in _walk(get_resolver().url_patterns)}
    return [r for r in found.values() if not any(r.route.startswith(e) for e in EXEMPT)]


ROUTES = routes()
SCOPED = [r for r in ROUTES if r.parameters]
UNSCOPED = [r for r in ROUTES if not r.parameters]


def database_snapshot() -> list[str]:
    skip = {"sessions.session", "admin.logentry"}
    return [
        serializers.serialize("json", model._default_manager.order_by("pk"))
        for model in apps.get_models()
        if model._meta.label_lower not in skip and not model._meta.proxy
    ]


def test_every_exemption_still_names_a_url():
    all_routes = [r.route for r in _walk(get_resolver().url_patterns)]
    for prefix in EXEMPT:
        assert any(r.startswith(prefix) for r in all_routes), f"stale exemption {prefix}"


def test_every_parameter_is_known():
    unknown = {p: str(r) for r in SCOPED for p in r.parameters if p not in PARAMETERS}
    assert not unknown, f"add these to PARAMETERS and make_tenant: {unknown}"


@pytest.mark.parametrize("route", SCOPED, ids=str)
@pytest.mark.parametrize("intruder", [Role.PARTNER_FULL_ADMIN, Role.CUSTOMER_FULL_ADMIN])
def test_other_tenant_gets_404(client, world, route, intruder):
    client.force_login(world.a[intruder])
    path = route.path(world.b)
    before = database_snapshot()
    for method in ALL_METHODS:
        response = getattr(client, method)(path, content_type="application/json", data={})
        assert response.status_code in NOT_YOURS, (method, path, response.status_code)
    assert database_snapshot() == before


@pytest.mark.parametrize("route", UNSCOPED, ids=str)
@pytest.mark.parametrize("viewer", [Role.PARTNER_FULL_ADMIN, Role.CUSTOMER_FULL_ADMIN])
def test_lists_show_nothing_of_the_other_tenant(client, world, route, viewer):
    client.force_login(world.a[viewer])
    response = client.get("/" + route.route, follow=True)
    body = response.content.decode(errors="replace")
    assert world.b.customer.name not in body
    assert world.b.partner.name not in body


@pytest.mark.parametrize("route", [r for r in ROUTES if r.route not in OWN_ACCOUNT], ids=str)
@pytest.mark.parametrize("reader", [Role.PARTNER_READ_ONLY, Role.CUSTOMER_READ_ONLY])
def test_read_only_admin_changes_nothing(client, world, route, reader):
    client.force_login(world.a[reader])
    path = route.path(world.a)
    before = database_snapshot()
    for method in WRITE_METHODS:
        response = getattr(client, method)(path, content_type="application/json", data={})
        assert response.status_code in NOT_ALLOWED, (method, path, response.status_code)
    assert database_snapshot() == before
