"""A Redis outage through a real worker with beat: requests made while the broker is
down answer at once, their emails wait in the outbox, and once Redis is back every one
of them is delivered exactly once.

The test runs its own redis-server on a free loopback port, so stopping it touches no
one else's broker. Needs PostgreSQL (the worker must see the test database).
"""

from __future__ import annotations

import email
import os
import shutil
import socket
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from kombu import pools

from orgs.models import QueuedEmail
from orgs.roles import Role
from tests.conftest import make_tenant, skip_or_fail

pytestmark = pytest.mark.worker

REQUESTS_WHILE_DOWN = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def point_app_at(app, url: str) -> None:
    """This process (the web side) publishes to `url` from now on."""
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps one pool per broker URL process-wide: closing only the app's pool would
    # leave a closed pool there for the next test that publishes to the same URL.
    pools.reset()


def delivered(outbox: Path) -> list[str]:
    return [
        str(email.message_from_bytes(path.read_bytes(), policy=policy.default)["To"])
        for path in outbox.glob("*.eml")
    ]


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
    return True


@pytest.fixture
def outage_rig(transactional_db, tmp_path, settings):
    if shutil.which("redis-server") is None or connection.vendor != "postgresql":
        skip_or_fail("services", "needs redis-server and PostgreSQL for a real worker")
    from portal.celery import app

    settings.PASSWORD_RESET_LIMIT_PER_HOUR = 100  # many resets from one test address
    redis = OwnRedis(tmp_path)
    redis.start()
    db = connection.settings_dict
    outbox = tmp_path / "outbox"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "REDIS_URL": redis.url,
        "EMAIL_BACKEND": "orgs.mail.OutboxBackend",
        "OUTBOX_DIR": str(outbox),
        "OUTBOX_SWEEP_SECONDS": "2",
    }
    old_broker = app.conf.broker_url
    point_app_at(app, redis.url)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-B", "--pool=solo",
         "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-s", str(tmp_path / "beat-schedule"), "-n", f"outage-{os.getpid()}@%h",
         "-l", "warning"],
        env=env,
    )
    try:
        if not wait_for(lambda: bool(app.control.ping(timeout=0.5)), 30):
            pytest.fail("the Celery worker did not start")
        yield redis, worker, outbox
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        redis.stop()
        point_app_at(app, old_broker)


def test_emails_queued_while_redis_is_down_are_all_delivered_once_it_is_back(
    outage_rig, client, capsys
):
    redis, worker, outbox = outage_rig
    tenant = make_tenant("o")
    person = tenant[Role.CUSTOMER_FULL_ADMIN]

    # Broker up: the commit wakes the worker and the email goes out at once.
    assert client.post(reverse("password_reset"), {"email": person.email}).status_code == 302
    assert wait_for(lambda: len(delivered(outbox)) == 1, 20), "not delivered with Redis up"

    redis.stop()
    people = [tenant[role] for role in (Role.PARTNER_FULL_ADMIN, Role.PARTNER_ADMIN,
                                        Role.SALES_FULL_ADMIN, Role.SALES_ADMIN,
                                        Role.PARTNER_READ_ONLY, Role.CUSTOMER_READ_ONLY)]
    slowest = 0.0
    for k in range(REQUESTS_WHILE_DOWN):
        started = time.monotonic()
        response = client.post(reverse("password_reset"), {"email": people[k % 6].email})
        slowest = max(slowest, time.monotonic() - started)
        assert response.status_code == 302
    assert slowest < 5, f"a request waited {slowest:.1f} s for the broker"
    queued = QueuedEmail.objects.filter(status=QueuedEmail.Status.QUEUED).count()
    assert queued == REQUESTS_WHILE_DOWN
    time.sleep(2)
    assert len(delivered(outbox)) == 1  # nothing can go out meanwhile
    assert worker.poll() is None

    redis.start()
    total = 1 + REQUESTS_WHILE_DOWN
    assert wait_for(lambda: len(delivered(outbox)) >= total, 90), (
        f"{len(delivered(outbox))} of {total} delivered after Redis came back"
    )
    time.sleep(3)  # a few more sweeps: nothing is sent twice
    sent_to = delivered(outbox)
    assert len(sent_to) == total
    assert sorted(sent_to) == sorted(
        [person.email] + [people[k % 6].email for k in range(REQUESTS_WHILE_DOWN)]
    )
    assert QueuedEmail.objects.filter(status=QueuedEmail.Status.SENT).count() == total
    with capsys.disabled():
        print(f"\noutbox outage: {total} queued, {len(sent_to)} delivered, "
              f"slowest request while Redis was down {slowest:.2f} s")
