"""`manage.py compute_usage`: the same rows as the nightly task, for any range."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from tests.usage.helpers import NAMED_FROM_JAN_15, make_customer, store, stored_rows
from usage import rules, tasks
from usage.models import DailyUsage

pytestmark = pytest.mark.django_db

NAMED = NAMED_FROM_JAN_15


def sessions():
    start = datetime(2024, 2, 1, 8, tzinfo=UTC)
    return [
        rules.AgentSession(
            f"agent-{i % 5}",
            i % 7 == 0,
            start + timedelta(hours=7 * i),
            start + timedelta(hours=7 * i + 2),
        )
        for i in range(40)
    ]


def test_compute_usage_twice_gives_the_same_rows():
    customer, _terms = make_customer([NAMED])
    other, _ = make_customer([{**NAMED, "agent_model": "concurrent"}])
    store(
        customer,
        sessions(),
        [
            rules.IvrSession(
                datetime(2024, 2, 3, 9, tzinfo=UTC), datetime(2024, 2, 3, 9, 5, tzinfo=UTC)
            )
        ],
    )
    out = io.StringIO()
    call_command(
        "compute_usage", "--from", "2024-02-01", "--to", "2024-02-10", "--no-progress", stdout=out
    )
    assert "Computed 10 day(s) for 2 customer(s): 60 rows." in out.getvalue()
    first = stored_rows(customer)
    assert len(first) == 30
    call_command(
        "compute_usage",
        "--from",
        "2024-02-01",
        "--to",
        "2024-02-10",
        "--customer",
        str(customer.pk),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert stored_rows(customer) == first
    assert DailyUsage.objects.unscoped().filter(customer=other).count() == 30


def test_command_and_nightly_task_write_the_same_rows():
    customer, _terms = make_customer([NAMED])
    store(customer, sessions(), [])
    for day in range(1, 6):
        tasks.compute_yesterday(date(2024, 2, day).isoformat())
    nightly = stored_rows(customer)
    DailyUsage.objects.unscoped().all().delete()
    call_command(
        "compute_usage",
        "--from",
        "2024-02-01",
        "--to",
        "2024-02-05",
        "--no-progress",
        stdout=io.StringIO(),
    )
    assert stored_rows(customer) == nightly


def test_command_arguments_are_checked():
    with pytest.raises(CommandError, match="not a date"):
        call_command("compute_usage", "--from", "2024-02-31", "--to", "2024-03-01")
    with pytest.raises(CommandError, match="before"):
        call_command("compute_usage", "--from", "2024-03-02", "--to", "2024-03-01")
    with pytest.raises(CommandError, match="No billable subscription"):
        call_command(
            "compute_usage", "--from", "2024-03-01", "--to", "2024-03-01", "--customer", "999999"
        )
