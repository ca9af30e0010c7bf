"""The nightly computation through real Celery workers on PostgreSQL and Redis: a worker
killed half-way and run again leaves the same rows as a clean run, and two runs at once
never write the same customer's day together. Skipped locally without those services."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction

from tests.usage.helpers import NAMED_FROM_JAN_15, make_customer, store, stored_rows
from usage import engine, locks, rules, tasks
from usage.models import DailyUsage, DirtyDay, NamedAgentFirstDay, NamedCycleState

pytestmark = pytest.mark.worker

FIRST, LAST = date(2024, 2, 1), date(2024, 2, 3)
NAMED = {**NAMED_FROM_JAN_15, "addon_ivr_ports": 1}


def seed_customers(n: int = 3):
    customers = []
    for k in range(n):
        model = "named" if k % 2 == 0 else "concurrent"
        customer, _ = make_customer([{**NAMED, "agent_model": model}])
        start = datetime(2024, 1, 31, 20, tzinfo=UTC)
        agents = [
            rules.AgentSession(
                f"agent-{(i * 7 + k) % 6}",
                i % 5 == 0,
                start + timedelta(hours=3 * i),
                start + timedelta(hours=3 * i + 2),
            )
            for i in range(30)
        ]
        ivrs = [
            rules.IvrSession(
                start + timedelta(minutes=37 * i), start + timedelta(minutes=37 * i + 45)
            )
            for i in range(80)
        ]
        store(customer, agents, ivrs)
        customers.append(customer)
    return customers


def snapshot(customers):
    return [stored_rows(c) for c in customers]


def clean_run(customers):
    for model in (DailyUsage, NamedAgentFirstDay, NamedCycleState, DirtyDay):
        model.objects.unscoped().all().delete()
    engine.compute_days([c.pk for c in customers], FIRST, LAST)
    return snapshot(customers)


def wait_for(predicate, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.2)


@pytest.fixture
def pausing_worker_env(monkeypatch):
    """The worker the next fixture starts sleeps 30 s after committing each day."""
    monkeypatch.setenv("TEST_CELERY_APP", "tests.usage.pausing_worker")


def start_worker(env: dict) -> subprocess.Popen:
    from portal.celery import app

    env = {k: v for k, v in env.items() if k not in ("TEST_CELERY_APP", "WORKER_PID")}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"second-{os.getpid()}@%h",
            "-l",
            "warning",
        ],
        env=env,
    )
    deadline = time.monotonic() + 30
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail("the second Celery worker did not start")
    return worker


def test_a_worker_killed_half_way_and_run_again_leaves_the_rows_of_a_clean_run(
    pausing_worker_env, celery_worker_process
):
    customers = seed_customers()
    ids = [c.pk for c in customers]
    tasks.compute_usage_chunk.delay(
        customer_ids=ids, first=FIRST.isoformat(), last=LAST.isoformat()
    )
    day_done = DailyUsage.objects.unscoped().filter(usage_date=FIRST)
    wait_for(lambda: day_done.exists())
    os.kill(int(celery_worker_process["WORKER_PID"]), signal.SIGKILL)
    time.sleep(1)
    # Half-way: the first day is stored, the later ones are not.
    assert day_done.count() == 3 * len(ids)
    assert not DailyUsage.objects.unscoped().filter(usage_date__gt=FIRST).exists()

    worker = start_worker(celery_worker_process)
    try:
        result = tasks.compute_usage_chunk.delay(
            customer_ids=ids, first=FIRST.isoformat(), last=LAST.isoformat()
        )
        assert result.get(timeout=60)["skipped"] == []
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    after_rerun = snapshot(customers)
    assert all(len(rows) == 9 for rows in after_rerun)
    assert after_rerun == clean_run(customers)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_never_write_the_same_customer_day():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction; advisory locks need PostgreSQL")
    customers = seed_customers(2)
    ids = [c.pk for c in customers]
    held, release = threading.Event(), threading.Event()

    def first_run_holding_the_locks():
        try:
            with transaction.atomic():
                assert locks.try_customers(ids) == set(ids)
                held.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=first_run_holding_the_locks)
    holder.start()
    held.wait(10)
    second = engine.compute_day(ids, FIRST)
    assert second.skipped == set(ids) and second.rows == 0
    assert not DailyUsage.objects.unscoped().exists()
    # The skipped days wait as dirty marks for the next sweep.
    assert set(DirtyDay.objects.unscoped().values_list("customer_id", flat=True)) == set(ids)
    release.set()
    holder.join()
    DirtyDay.objects.unscoped().update(marked_at=datetime(2024, 1, 1, tzinfo=UTC))
    tasks.recompute_dirty_days()
    assert DailyUsage.objects.unscoped().count() == 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_a_range_end_with_the_rows_of_a_clean_run():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for truly concurrent transactions")
    customers = seed_customers(4)
    ids = [c.pk for c in customers]
    results, errors = [], []

    def run():
        try:
            results.append(engine.compute_days(ids, FIRST, LAST))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # Whatever one run skipped is dirty; the sweep completes it.
    DirtyDay.objects.unscoped().update(marked_at=datetime(2024, 1, 1, tzinfo=UTC))
    tasks.recompute_dirty_days()
    concurrent = snapshot(customers)
    assert concurrent == clean_run(customers)
