"""Schemathesis against the API's own OpenAPI schema (issue 13.5): requests generated from
`/api/v1/schema/` go to the app in-process (WSGI), as a partner's full admin and as a
customer's full admin, each with a personal token; every answer must be no server error,
a status code the schema documents, the content type it documents, and a body that
matches its schema. Bounded and derandomised so CI is repeatable and quick; raise
`SCHEMA_FUZZ_EXAMPLES` to look harder locally.

Path ids are the caller's own objects half of the time (so the real answers are checked,
not only 404s) and whatever was generated otherwise.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from orgs.apikeys import person_token_create
from orgs.roles import Role
from portal.wsgi import application

EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# The examples and fuzzing phases; the coverage phase's hundreds of boundary cases per
# operation would take minutes (tests/test_bad_input.py keeps the known edge cases).
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}}
)
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, config=CONFIG)

# Requests made, by caller and status: printed at the end of the module (-s or -rA).
REQUESTS: Counter = Counter()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection around each request, as in
    production; inside a test that would close the test's transaction. Django's own test
    client unhooks the same signal."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=["partner", "customer"])
def caller(request, world):
    """(token, the ids this caller owns) for a partner's or a customer's full admin."""
    tenant = world.a
    role = Role.PARTNER_FULL_ADMIN if request.param == "partner" else Role.CUSTOMER_FULL_ADMIN
    _row, secret = person_token_create(person=tenant[role])
    own = {
        "customer_id": tenant.customer.pk,
        "trial_id": tenant.trial.pk,
        "order_id": tenant.order.pk,
        "invoice_id": tenant.invoice.pk,
    }
    return request.param, secret, own


def _own_ids(case, own: dict) -> None:
    for name, value in (case.path_parameters or {}).items():
        if name in own and not (isinstance(value, int) and value % 2):
            case.path_parameters[name] = own[name]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_its_schema_says(case, caller):
    who, secret, own = caller
    _own_ids(case, own)
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS
    )
    REQUESTS[(who, response.status_code)] += 1


def test_report_requests_made():
    """Runs after the fuzzing above (pytest keeps file order): the figures for the log."""
    total = sum(REQUESTS.values())
    by_status = Counter()
    for (_who, status), n in REQUESTS.items():
        by_status[status] += n
    print(f"\nschemathesis: {total} requests, by status {dict(sorted(by_status.items()))}")
    assert all(status < 500 for status in by_status)
