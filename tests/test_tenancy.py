"""Tenants never see each other, and read-only admins change nothing: proved for every
page and endpoint, generated over the URL configuration.

A new URL is covered without anyone adding it here. A URL whose parameter this file does
not know fails until PARAMETERS says how to find another tenant's object of that kind
(and `tests.conftest.make_tenant` creates one).

Lists are searched for everything that identifies the other tenant: names, people's
emails, web order ids, its objects' URLs and (in `distinct_world`) its ids, on the page,
its CSV export and in JSON answers. `test_an_unscoped_list_is_caught` proves it by
un-scoping the orders for one test.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.apps import apps
from django.core import serializers
from django.urls import URLPattern, URLResolver, get_resolver

from orgs import tenancy
from orgs.roles import Role
from tests.conftest import DISTINCT_IDS, Tenant

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
    "dispute_id": lambda t: t.dispute.pk,
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
OWN_ACCOUNT = {"account/", "account/password/", "account/token/"}

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


def identifiers(tenant: Tenant) -> list[str]:
    """What identifies `tenant` on a page, in an export or a JSON answer."""
    people = [person.email for person in tenant.people.values()]
    urls = [
        f"/customers/{tenant.customer.pk}/",
        f"/orgs/{tenant.customer.pk}/",
        f"/orgs/{tenant.partner.pk}/",
        f"/trials/{tenant.trial.pk}/",
        f"/orders/{tenant.order.pk}/",
    ]
    return [tenant.customer.name, tenant.partner.name, tenant.order.web_order_id, *people, *urls]


def leaks(client, route: Route, own: Tenant, other: Tenant) -> list[str]:
    """The other tenant's identifiers (and its DISTINCT_IDS) found on `route`, filled with
    the viewer's own objects, as a page or JSON and as a CSV export."""
    markers = [*identifiers(other), *(str(pk) for pk in DISTINCT_IDS.values())]
    found = []
    for query in ("", "?_export=csv"):
        response = client.get(route.path(own) + query, follow=True)
        body = response.content.decode(errors="replace")
        found += [f"{route}{query}: {m}" for m in markers if m in body]
    return found


@pytest.mark.parametrize("route", ROUTES, ids=str)
@pytest.mark.parametrize("viewer", [Role.PARTNER_FULL_ADMIN, Role.CUSTOMER_FULL_ADMIN])
def test_lists_show_nothing_of_the_other_tenant(client, distinct_world, route, viewer):
    world = distinct_world
    client.force_login(world.a[viewer])
    assert not leaks(client, route, world.a, world.b)


def test_an_unscoped_list_is_caught(client, distinct_world, monkeypatch):
    """The mutation: orders reach every row. The order list, its export and the order
    endpoint now show tenant B's order, and the check above sees it."""
    world = distinct_world
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    order_routes = [r for r in ROUTES if r.route in ("orders/", "api/v1/orders/")]
    assert len(order_routes) == 2
    assert not [leak for r in order_routes for leak in leaks(client, r, world.a, world.b)]

    class Everything(tenancy.Reach):
        def scope(self, queryset, person, action):
            return queryset

    monkeypatch.setitem(tenancy.REACH, "subscriptions.Order", Everything())
    for route in order_routes:
        found = leaks(client, route, world.a, world.b)
        assert any(world.b.order.web_order_id in leak for leak in found), route
        assert any(str(DISTINCT_IDS["order"]) in leak for leak in found), route


MIXED = [r for r in SCOPED if len(r.parameters) > 1]


def mixed_paths(route: Route, own: Tenant, other: Tenant) -> list[str]:
    """`route` filled with the viewer's objects for some parameters and the other
    tenant's for the rest (at least one of each)."""
    paths = []
    for owners in itertools.product((own, other), repeat=len(route.parameters)):
        if len(set(map(id, owners))) < 2:
            continue
        chosen = iter(owners)

        def fill(match: re.Match, chosen=chosen) -> str:
            return str(PARAMETERS[match.group("name")](next(chosen)))

        path = "/" + re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, route.route)
        # Parameters that name no object (a date, a usage type) are alike for both.
        if path not in (route.path(own), route.path(other)):
            paths.append(path)
    return paths


def test_there_are_mixed_parent_urls():
    assert any(r.route.startswith("api/v1/customers/") for r in MIXED)


@pytest.mark.parametrize("route", MIXED, ids=str)
def test_mixed_parents_get_404(client, world, route):
    """Tenant A's customer with tenant B's trial (and every other mix): 404, nothing
    changes."""
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    paths = mixed_paths(route, world.a, world.b)  # filling some parameters makes rows
    before = database_snapshot()
    for path in paths:
        for method in ALL_METHODS:
            response = getattr(client, method)(path, content_type="application/json", data={})
            assert response.status_code in NOT_YOURS, (method, path, response.status_code)
    assert database_snapshot() == before


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
