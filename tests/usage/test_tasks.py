"""The nightly fan-out and the dirty-day sweep (run eagerly here; through a real worker
in test_worker.py)."""

from __future__ import annotations

from datetime import date
from itertools import chain
from unittest import mock

import pytest
from django.conf import settings

from tests.usage.helpers import NAMED_FROM_JAN_15, make_customer
from usage import tasks
from usage.models import DailyUsage, DirtyDay

pytestmark = pytest.mark.django_db

NAMED = NAMED_FROM_JAN_15


def test_one_beat_entry_computes_yesterday_shortly_after_midnight():
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "usage.tasks.compute_yesterday"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert schedule.hour == {0} and schedule.minute == {10}
    assert entries[0]["options"]["expires"] < 24 * 3600
    assert any(
        e["task"] == "usage.tasks.recompute_dirty_days"
        for e in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_yesterday_is_fanned_out_per_chunk_of_customers(settings):
    settings.USAGE_CHUNK_SIZE = 2
    customers = [make_customer([NAMED])[0] for _ in range(5)]
    ended, _ = make_customer([{**NAMED, "end_date": date(2024, 1, 31)}])
    with mock.patch.object(
        tasks.compute_usage_chunk, "delay", wraps=tasks.compute_usage_chunk.delay
    ) as delay:
        assert tasks.compute_yesterday("2024-02-10") == 3
    sent = [call.kwargs["customer_ids"] for call in delay.call_args_list]
    assert sorted(chain.from_iterable(sent)) == sorted(c.pk for c in customers)
    assert all(len(ids) <= 2 for ids in sent)
    assert DailyUsage.objects.unscoped().filter(usage_date="2024-02-10").count() == 15
    assert not DailyUsage.objects.unscoped().filter(customer=ended).exists()


def test_dirty_days_are_recomputed_and_cleared():
    customer, _ = make_customer([NAMED])
    DirtyDay.objects.unscoped().create(
        customer=customer, usage_date=date(2024, 2, 3), marked_at="2024-02-04T00:00:00Z"
    )
    assert tasks.recompute_dirty_days() == 1
    assert DailyUsage.objects.unscoped().filter(customer=customer).count() == 3
    assert not DirtyDay.objects.unscoped().exists()


def test_the_nightly_run_raises_overage_alerts_once(mailoutbox, django_capture_on_commit_callbacks):
    from orgs.roles import Role
    from tests.factories import PersonFactory
    from usage.alerts.models import OverageAlert
    from usage.models import AgentSession

    customer, _ = make_customer([NAMED])
    PersonFactory(organization=customer, role=Role.CUSTOMER_FULL_ADMIN, email="boss@c.test")
    for n in range(4):  # 4 standard agents against 2 standard + 1 premium committed
        AgentSession.objects.unscoped().create(
            customer=customer,
            session_id=f"s{n}",
            agent_id=f"agent-{n}",
            premium=False,
            login_at="2024-02-10T09:00:00Z",
            logout_at="2024-02-10T17:00:00Z",
        )
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.compute_yesterday("2024-02-10")
    alerts = OverageAlert.objects.unscoped().filter(customer=customer)
    assert {(a.usage_type, a.threshold) for a in alerts} >= {("Standard Named Agent", "overage")}
    assert alerts.count() == len({(a.usage_type, a.threshold) for a in alerts})
    assert len([m for m in mailoutbox if m.to == ["boss@c.test"]]) == 1
