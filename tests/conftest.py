"""Fixtures shared by the whole suite.

`world` is two tenants side by side (Zulip's realms): partner A with customer A and
partner B with customer B, a person in every role of each, so every test can ask "and
the other tenant cannot?".
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from orgs.models import Organization, Person
from orgs.roles import Role
from subscriptions.models import Order
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    PartnerFactory,
    PersonFactory,
    SubscriptionFactory,
    TrialFactory,
    issued_invoice,
)
from trials.models import ConversionRequest, Trial

# Playwright's sync API runs an event loop in this thread; Django must still let the
# test body use the database.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def compile_catalogues() -> None:
    """Build each locale/*/django.mo that is missing or older than its .po (README,
    Languages: the .mo files are built, not committed), so plain `pytest` sees the
    current translations."""
    if shutil.which("msgfmt") is None:
        return
    for po in Path(__file__).resolve().parent.parent.glob("locale/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)


def pytest_configure(config) -> None:
    from django.conf import settings

    compile_catalogues()

    # Hashing every factory password with PBKDF2 would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Tenant:
    partner: Organization
    customer: Organization
    people: dict[str, Person]
    order: Order | None = None
    trial: Trial | None = None
    api_key: object = None
    _invoice: object | None = None
    _dispute: object | None = None

    def __getitem__(self, role: str) -> Person:
        return self.people[role]

    @property
    def invoice(self):
        """An issued invoice of the customer, made on first use (issued invoices protect
        their subscription, which some tests delete)."""
        if self._invoice is None:
            self._invoice = issued_invoice(self.customer.subscriptions.order_by("pk").first())
        return self._invoice

    @property
    def dispute(self):
        """An open dispute on the first line of `invoice`, made on first use."""
        if self._dispute is None:
            from billing.models import Dispute

            line = self.invoice.lines.order_by("position").first()
            self._dispute = Dispute.objects.create(
                line=line,
                invoice=self.invoice,
                customer=self.customer,
                opened_by=self.people[Role.CUSTOMER_FULL_ADMIN],
                reason="Those agents were in training.",
            )
        return self._dispute


@dataclass
class World:
    a: Tenant
    b: Tenant


def ensure_catalogue() -> None:
    """The data migration's catalogue, again after a transactional test flushed it."""
    from subscriptions.catalogue import seed_catalogue
    from subscriptions.models import Offer, Sku

    if not Sku.objects.exists():
        seed_catalogue(Offer, Sku)


def make_tenant(label: str, ids: dict[str, int] | None = None) -> Tenant:
    """A partner with a customer, a person in every role, a subscription, a trial with a
    processed conversion request and an order. `ids` gives the partner, customer, trial
    and order primary keys of their own (numbers no page shows by chance)."""
    ensure_catalogue()
    ids = ids or {}
    pks = {
        kind: {"pk": ids[kind]} if kind in ids else {}
        for kind in ("partner", "customer", "trial", "order")
    }
    partner = PartnerFactory(name=f"Partner {label}-7f3a", **pks["partner"])
    customer = CustomerFactory(name=f"Customer {label}-7f3a", partner=partner, **pks["customer"])
    people: dict[str, Person] = {}
    for role in (
        Role.PARTNER_FULL_ADMIN,
        Role.PARTNER_ADMIN,
        Role.SALES_FULL_ADMIN,
        Role.SALES_ADMIN,
        Role.PARTNER_READ_ONLY,
    ):
        people[role] = PersonFactory(
            email=f"{role}@partner-{label}.test".replace("_", "-"),
            organization=partner,
            role=role,
        )
    for role in (Role.CUSTOMER_FULL_ADMIN, Role.CUSTOMER_READ_ONLY):
        people[role] = PersonFactory(
            email=f"{role}@customer-{label}.test".replace("_", "-"),
            organization=customer,
            role=role,
        )
    customer.created_by = people[Role.PARTNER_ADMIN]
    customer.save(update_fields=["created_by"])
    SubscriptionFactory(customer=customer)
    trial = TrialFactory(customer=customer, partner=partner, services=["meetings"], **pks["trial"])
    # A processed request, so the conversion URLs have an object per tenant.
    ConversionRequest.objects.create(
        trial=trial, distributor=partner, offer_code="A-WX", status="processed"
    )
    order = OrderFactory(partner=partner, web_order_id=f"WO-{label}-7f3a", **pks["order"])
    from orgs.apikeys import partner_key_create

    api_key, _secret = partner_key_create(
        actor=people[Role.PARTNER_FULL_ADMIN], name=f"Sync {label}", scopes=["read"]
    )
    return Tenant(
        partner=partner,
        customer=customer,
        people=people,
        order=order,
        trial=trial,
        api_key=api_key,
    )


@pytest.fixture
def world(db) -> World:
    return World(a=make_tenant("a"), b=make_tenant("b"))


# Tenant B's keys in `distinct_world`: found in a page, an export or a JSON answer, they
# can only be a leak of B's rows.
DISTINCT_IDS = {"partner": 9_104_001, "customer": 9_104_002, "trial": 9_104_003, "order": 9_104_004}


@pytest.fixture
def distinct_world(db) -> World:
    """`world` with tenant B's partner, customer, trial and order under DISTINCT_IDS."""
    return World(a=make_tenant("a"), b=make_tenant("b", ids=DISTINCT_IDS))


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A request leaves its language active in the thread (as in a server, where the next
    request activates its own); code a test calls outside a request starts in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """Tasks run in-process unless a test asks for the real worker."""
    from portal.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle and rate-limit counts start at zero in every test."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def api(client):
    """A DRF client."""
    from rest_framework.test import APIClient

    return APIClient()


def required(name: str) -> bool:
    """CI sets REQUIRE_<NAME>=1 so a missing service fails instead of skipping."""
    return os.environ.get(f"REQUIRE_{name.upper()}") == "1"


def skip_or_fail(name: str, reason: str) -> None:
    if required(name):
        pytest.fail(f"{reason} (REQUIRE_{name.upper()}=1)")
    pytest.skip(reason)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real Celery worker process on Redis, sharing the test database.

    Needs REDIS_URL and a server database (the worker cannot see SQLite's in-memory
    test database). Yields the worker's environment; tasks sent meanwhile run there.
    """
    import subprocess
    import sys
    import time

    from django.conf import settings
    from django.db import connection

    from portal.celery import app

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        skip_or_fail("services", "needs REDIS_URL and PostgreSQL for a real worker")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "EMAIL_BACKEND": "orgs.mail.OutboxBackend",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    app.conf.task_always_eager = False
    hostname = f"test-{os.getpid()}@%h"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", os.environ.get("TEST_CELERY_APP", "portal"),
         "worker", "--pool=solo",
         "--concurrency=1", "--without-gossip", "--without-mingle", "-n", hostname,
         "-l", "warning"],
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while not app.control.ping(timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Celery worker did not start")
        env["WORKER_PID"] = str(worker.pid)
        yield env
    finally:
        worker.terminate()
        worker.wait(timeout=20)
