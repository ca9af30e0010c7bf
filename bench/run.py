"""Run the usage benchmarks on the bench database (load it first with bench/generate.py).

    python bench/run.py ingest    # HTTP API under gunicorn, two client processes
    python bench/run.py backfill  # compute_usage over 30 days (the oldest 30 loaded)
    python bench/run.py nightly   # the nightly task for the last loaded day
    python bench/run.py all       # the three, each in a process of its own

Each computation runs in a fresh process and reports its peak resident memory
(resource.getrusage). Loops are bounded in count and in time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from common import ROOT, bench_env, setup_django

PORT = 8765


def peak_mib(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def data_days():
    from django.db import connection

    with connection.cursor() as cursor:
        # The generated days (the ingest phase's events are removed when it ends).
        cursor.execute(
            "SELECT min(login_at)::date, max(login_at)::date FROM usage_agentsession "
            "WHERE session_id ~ '^[0-9]'"
        )
        return cursor.fetchone()


def reset_computed() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "usage_dailyusage",
            "usage_namedagentfirstday",
            "usage_namedcyclestate",
            "usage_dirtyday",
        ):
            cursor.execute(f"TRUNCATE {table}")


def backfill(days: int) -> None:
    setup_django()
    from django.core.management import call_command

    first, last = data_days()
    last = min(last, first + timedelta(days=days - 1))
    reset_computed()
    started = time.monotonic()
    call_command(
        "compute_usage", "--from", first.isoformat(), "--to", last.isoformat(), "--no-progress"
    )
    elapsed = time.monotonic() - started
    n = (last - first).days + 1
    print(
        json.dumps(
            {
                "phase": "backfill",
                "from": str(first),
                "to": str(last),
                "days": n,
                "seconds": round(elapsed, 2),
                "seconds_per_day": round(elapsed / n, 2),
                "peak_mib": round(peak_mib()),
            }
        )
    )


def nightly() -> None:
    setup_django()
    from django.db import connection

    from usage import tasks

    _first, last = data_days()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM usage_dailyusage WHERE usage_date >= %s", [last])
        # Undo a previous run of this night, so the run below is a real night's work.
        cursor.execute("DELETE FROM usage_namedagentfirstday WHERE first_seen >= %s", [last])
        cursor.execute(
            "UPDATE usage_namedagentfirstday SET first_premium = NULL WHERE first_premium >= %s",
            [last],
        )
        cursor.execute(
            "UPDATE usage_namedcyclestate SET through = %s WHERE through >= %s",
            [last - timedelta(days=1), last],
        )
        cursor.execute(
            "SELECT (SELECT count(*) FROM usage_agentsession WHERE login_at::date = %s), "
            "(SELECT count(*) FROM usage_ivrsession WHERE started_at::date = %s)",
            [last, last],
        )
        agents, ivrs = cursor.fetchone()
    started = time.monotonic()
    chunks = tasks.compute_yesterday(last.isoformat())  # eager: the chunks run in-process
    elapsed = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT customer_id) FROM usage_dailyusage "
            "WHERE usage_date = %s",
            [last],
        )
        rows, customers = cursor.fetchone()
    print(
        json.dumps(
            {
                "phase": "nightly",
                "day": str(last),
                "customers": customers,
                "chunks": chunks,
                "rows": rows,
                "agent_sessions_that_day": agents,
                "ivr_sessions_that_day": ivrs,
                "seconds": round(elapsed, 2),
                "peak_mib": round(peak_mib()),
            }
        )
    )


# --- ingestion over HTTP ----------------------------------------------------------------


def _batches(client: int, n_batches: int, customers: list[int], run: str) -> list[tuple]:
    now = datetime.now(UTC).replace(microsecond=0)
    batches = []
    for b in range(n_batches):
        customer = customers[(client * 7919 + b * 31) % len(customers)]
        base = now - timedelta(hours=3)
        if b % 2 == 0:
            kind = "ivr-sessions"
            records = [
                {
                    "id": f"{run}-{client}-{b}-{i}",
                    "started_at": (base + timedelta(seconds=i * 7)).isoformat(),
                    "ended_at": (base + timedelta(seconds=i * 7 + 95)).isoformat(),
                }
                for i in range(1000)
            ]
        else:
            kind = "agent-sessions"
            records = [
                {
                    "id": f"{run}-{client}-{b}-{i}",
                    "agent_id": f"agent-{i % 60}",
                    "license": "premium" if i % 10 < 3 else "standard",
                    "login_at": (base + timedelta(seconds=i * 5)).isoformat(),
                    "logout_at": (base + timedelta(seconds=i * 5 + 3600)).isoformat(),
                }
                for i in range(1000)
            ]
        body = json.dumps({"sessions": records}).encode()
        batches.append((f"/api/v1/customers/{customer}/{kind}/", body))
    return batches


def _client(client, token, batches, start_at, deadline, results, connections) -> None:
    """One client process: `connections` keep-alive connections posting in parallel."""
    import threading

    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    totals = []

    def post(share) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        accepted = posted = 0
        for path, body in share:
            if time.time() > deadline:
                break
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            payload = json.loads(response.read())
            if response.status not in (200, 201):
                raise SystemExit(f"{response.status}: {payload}")
            accepted += payload["accepted"]
            posted += 1
        totals.append((accepted, posted))

    threads = [
        threading.Thread(target=post, args=(batches[k::connections],)) for k in range(connections)
    ]
    while time.time() < start_at:
        time.sleep(0.001)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((client, sum(t[0] for t in totals), sum(t[1] for t in totals), time.time()))


def ingest(batches_per_client: int, workers: int, seconds: int, connections: int) -> None:
    setup_django()
    from django.db import connection

    from orgs.apikeys import person_token_create
    from orgs.models import Organization, Person

    _row, token = person_token_create(person=Person.objects.get(email="bench@partner.test"))
    customers = list(Organization.objects.customers().order_by("pk").values_list("pk", flat=True))
    run = f"r{int(time.time())}"
    env = {**bench_env(), "DEBUG": "False"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        prepared = [_batches(c, batches_per_client, customers, run) for c in range(2)]
        results: multiprocessing.Queue = multiprocessing.Queue()
        start_at = time.time() + 1.0
        clients = [
            multiprocessing.Process(
                target=_client,
                args=(c, token, prepared[c], start_at, start_at + seconds, results, connections),
            )
            for c in range(2)
        ]
        for process in clients:
            process.start()
        finished = [results.get(timeout=seconds + 120) for _ in clients]
        for process in clients:
            process.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    with connection.cursor() as cursor:  # leave the loaded days as generated
        for table in ("usage_agentsession", "usage_ivrsession"):
            cursor.execute(f"DELETE FROM {table} WHERE session_id LIKE %s", [f"{run}-%"])
    accepted = sum(r[1] for r in finished)
    batches = sum(r[2] for r in finished)
    elapsed = max(r[3] for r in finished) - start_at
    print(
        json.dumps(
            {
                "phase": "ingest",
                "gunicorn_workers": workers,
                "clients": 2,
                "connections_per_client": connections,
                "batches": batches,
                "events": accepted,
                "seconds": round(elapsed, 2),
                "events_per_second": round(accepted / elapsed),
                "server_peak_mib": round(peak_mib(resource.RUSAGE_CHILDREN)),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("phase", choices=["ingest", "backfill", "nightly", "all"])
    parser.add_argument("--batches", type=int, default=100, help="per client (ingest)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (ingest)")
    parser.add_argument("--seconds", type=int, default=120, help="time bound (ingest)")
    parser.add_argument("--connections", type=int, default=4, help="per client (ingest)")
    parser.add_argument("--days", type=int, default=30, help="backfill length")
    args = parser.parse_args()
    if args.phase == "all":
        for phase in ("backfill", "nightly", "ingest"):
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    phase,
                    "--days",
                    str(args.days),
                    "--batches",
                    str(args.batches),
                    "--workers",
                    str(args.workers),
                    "--seconds",
                    str(args.seconds),
                ],
                check=True,
                cwd=os.path.dirname(__file__),
            )
    elif args.phase == "ingest":
        ingest(args.batches, args.workers, args.seconds, args.connections)
    elif args.phase == "backfill":
        backfill(args.days)
    else:
        nightly()


if __name__ == "__main__":
    main()
