"""Time the usage pages under load: daily detail and the partner usage view.

    python bench/pages.py [--database-url postgres://postgres@127.0.0.1:55433/bench_ui]
                          [--generate] [--customers 2000] [--months 24]
                          [--clients 10] [--requests 40] [--workers 3] [--port 8765]

Against an already-loaded PostgreSQL database (the engine's bench generator, or
`--generate`, which migrates the database and writes one partner, its customers, one
subscription each and `--months` of daily usage rows with COPY), this migrates it, fills
the cycle summaries from the daily rows if they are empty (one INSERT ... SELECT), starts
gunicorn on 127.0.0.1, logs in as the partner's full admin (a session row, no password
hashing), and runs `--clients` concurrent clients, each making `--requests` requests per page:
daily detail of a random customer and cycle, and the partner usage view (first page,
sorted by forecast and filtered "over or near commitment" in turn). Prints p50/p95/p99.
Targets: daily detail p95 <= 100 ms, partner usage view p95 <= 300 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARTNER_ADMIN = "bench.full.admin@partner.bench"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def generate(customers: int, months: int) -> None:
    """One partner with `customers` customers, each one named-agent subscription started
    `months` months ago on a spread of billing days, and a day of usage for every day."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from orgs.models import Organization, PartnerRelationship, Person
    from orgs.roles import Role
    from subscriptions.models import Subscription
    from usage import rules
    from usage.models import DailyUsage

    call_command("migrate", verbosity=0)
    if Person.objects.filter(email=PARTNER_ADMIN).exists():
        print("bench data already there; not generating again")
        return
    rng = random.Random(2024)
    today = datetime.now(UTC).date()
    first_day = today - timedelta(days=round(months * 30.44))
    with transaction.atomic():
        partner = Organization.objects.create(name="Bench Partner", kind="partner", tier=1)
        Person.objects.create_user(
            PARTNER_ADMIN, "bench-pass", organization=partner, role=Role.PARTNER_FULL_ADMIN
        )
        orgs = Organization.objects.bulk_create(
            Organization(name=f"Bench Customer {n:04d}", kind="customer", country="NL")
            for n in range(customers)
        )
        PartnerRelationship.objects.bulk_create(
            PartnerRelationship(partner=partner, customer=org, is_managing=True) for org in orgs
        )
        subscriptions = Subscription.objects.bulk_create(
            Subscription(
                customer=org,
                start_date=first_day + timedelta(days=rng.randrange(28)),
                agent_model="named",
                standard_agents=rng.choice([10, 20, 50, 100]),
                premium_agents=rng.choice([0, 5, 10, 20]),
                addon_ivr_ports=rng.choice([0, 2, 10]),
            )
            for org in orgs
        )
    columns = (
        "customer_id, subscription_id, usage_date, cycle_start, usage_type, units_used, "
        "units_commitment, units_substituted, units_overage, usage_unit, comment, computed_at"
    )
    now = datetime.now(UTC)
    started = time.perf_counter()
    written = 0
    with connection.cursor() as cursor, transaction.atomic():
        raw = cursor.cursor
        with raw.copy(f"COPY {DailyUsage._meta.db_table} ({columns}) FROM STDIN") as copy:
            for sub in subscriptions:
                commitments = rules.Commitments(
                    sub.standard_agents, sub.premium_agents, sub.addon_ivr_ports
                )
                day = sub.start_date
                while day <= today - timedelta(days=1):
                    cycle = rules.billing_cycle(sub.start_date.day, day)
                    cycle_rows = []
                    growth = rng.uniform(0, 0.8)
                    standard_base = rng.randint(sub.standard_agents // 2, sub.standard_agents)
                    premium = rng.randint(0, sub.premium_agents + 2)
                    while day <= min(cycle[1], today - timedelta(days=1)):
                        i = (day - cycle[0]).days
                        cycle_rows.extend(
                            rules.daily_detail_rows(
                                day,
                                "named",
                                commitments,
                                standard_used=standard_base + int(growth * i),
                                premium_used=premium,
                                ivr_used=rng.randint(0, 3 * sub.standard_agents),
                            )
                        )
                        day += timedelta(days=1)
                    for row in rules.mark_overage_peaks(cycle_rows, lambda _d, c=cycle: c):
                        copy.write_row(
                            (
                                sub.customer_id,
                                sub.pk,
                                row.usage_date,
                                cycle[0],
                                row.usage_type,
                                row.units_used,
                                row.units_commitment,
                                row.units_substituted,
                                row.units_overage,
                                row.usage_unit,
                                row.comment,
                                now,
                            )
                        )
                        written += 1
        cursor.execute(f"ANALYZE {DailyUsage._meta.db_table}")
    print(f"generated {written:,} daily rows in {time.perf_counter() - started:.0f} s")


def summarise() -> None:
    """Migrate, and fill the cycle summaries (`CycleUsage`, which the engine keeps as it
    writes days) from the loaded daily rows with one INSERT ... SELECT ... GROUP BY, if
    they are not there yet. A cycle ends the day before the next billing day (each bench
    customer has one subscription, billed on its start date's day of the month)."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from subscriptions.models import Subscription
    from usage.models import CycleUsage, DailyUsage

    call_command("migrate", verbosity=0)
    if CycleUsage.objects.unscoped().exists():
        forecast_cycles()
        return
    started = time.perf_counter()
    next_month = "(date_trunc('month', d.cycle_start) + interval '1 month')::date"
    days_in_next = (
        "EXTRACT(DAY FROM date_trunc('month', d.cycle_start) + interval '2 month'"
        " - interval '1 day')::int"
    )
    sql = f"""
        INSERT INTO {CycleUsage._meta.db_table} (
            customer_id, cycle_start, cycle_end, usage_type, n, sum_x, sum_y, sum_xy, sum_xx,
            last_x, used, commitment, overage, last_usage_date
        )
        SELECT d.customer_id, d.cycle_start,
               {next_month} + LEAST(b.billing_day, {days_in_next}) - 2,
               d.usage_type, COUNT(*), SUM(d.x), SUM(d.y), SUM(d.x * d.y), SUM(d.x * d.x),
               MAX(d.x), MAX(d.units_used), MAX(d.units_commitment), MAX(d.units_overage),
               MAX(d.usage_date)
        FROM (
            SELECT customer_id, cycle_start, usage_type, usage_date, units_used,
                   units_commitment, units_overage, usage_date - cycle_start AS x,
                   units_used - units_commitment - units_substituted AS y
            FROM {DailyUsage._meta.db_table}
        ) AS d
        JOIN (
            SELECT customer_id, MIN(EXTRACT(DAY FROM start_date))::int AS billing_day
            FROM {Subscription._meta.db_table} GROUP BY customer_id
        ) AS b ON b.customer_id = d.customer_id
        GROUP BY d.customer_id, d.cycle_start, d.usage_type, b.billing_day
    """
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute(sql)
        written = cursor.rowcount
    print(f"summarised {written:,} cycle rows in {time.perf_counter() - started:.0f} s")
    forecast_cycles()


def forecast_cycles() -> None:
    """Store the forecast of the cycles the pages show as the engine does, once: the
    summaries of the last four months are rebuilt through `cycle_usage_refresh` (oldest
    first, so each cycle has its history), in chunks of customers."""
    from datetime import timedelta

    from django.db.models import Max

    from usage.engine import cycle_usage_refresh
    from usage.models import CycleUsage

    summaries = CycleUsage.objects.unscoped()
    if summaries.exclude(forecast_basis="").exists():
        return
    started = time.perf_counter()
    last = summaries.aggregate(last=Max("cycle_end"))["last"]
    starts = sorted(
        set(
            summaries.filter(cycle_start__gte=last - timedelta(days=130)).values_list(
                "cycle_start", flat=True
            )
        )
    )
    customers = sorted(set(summaries.values_list("customer_id", flat=True)))
    for i in range(0, len(customers), 200):
        cycle_usage_refresh(customers[i : i + 200], starts)
    elapsed = time.perf_counter() - started
    print(f"forecast of the last four months' cycles stored in {elapsed:.0f} s")


def session_cookie() -> tuple[str, list[int]]:
    """A logged-in session of the partner's full admin, and its customers' ids."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from orgs.models import Organization, Person

    person = Person.objects.get(email=PARTNER_ADMIN)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(person.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = person.get_session_auth_hash()
    store.save()
    customers = list(
        Organization.objects.visible_to(person).customers().values_list("pk", flat=True)
    )
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}", customers


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def run_clients(port: int, cookie: str, paths, clients: int, requests: int) -> list[float]:
    """`clients` threads, each with its own keep-alive connection, `requests` each."""
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(requests):
            path = paths(rng)
            started = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                errors.append(f"{response.status} {path}")
        connection.close()
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return timings


def report(name: str, timings: list[float], target_ms: float) -> None:
    ms = sorted(t * 1000 for t in timings)
    q = statistics.quantiles(ms, n=100)
    verdict = "OK" if q[94] <= target_ms else "OVER TARGET"
    print(
        f"{name:<22} n={len(ms):>4}  p50={q[49]:6.1f} ms  p95={q[94]:6.1f} ms  "
        f"p99={q[98]:6.1f} ms  max={ms[-1]:6.1f} ms  target p95<={target_ms:.0f} ms {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:55433/bench_ui")
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=40, help="per client and page")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    setup_django(args.database_url)
    if args.generate:
        generate(args.customers, args.months)
    summarise()
    cookie, customers = session_cookie()
    print(f"{len(customers):,} customers visible to {PARTNER_ADMIN}")
    today = datetime.now(UTC).date()

    def daily_path(rng: random.Random) -> str:
        months_back = rng.randrange(max(1, args.months - 1))
        day = today - timedelta(days=30 * months_back)
        return f"/customers/{rng.choice(customers)}/usage/daily/?cycle={day.isoformat()}"

    views = ["/usage/", "/usage/?sort=-forecast", "/usage/?status=attention&sort=-overage"]

    def overview_path(rng: random.Random) -> str:
        return rng.choice(views)

    # Persistent connections, as a deployment would have them: a new PostgreSQL backend
    # per request costs more than the daily-detail page itself.
    separator = "&" if "?" in args.database_url else "?"
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.database_url}{separator}conn_max_age=600",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_port(args.port)
        # Warm every worker (imports, template loading, connections).
        run_clients(args.port, cookie, daily_path, args.workers * 2, 3)
        run_clients(args.port, cookie, overview_path, args.workers * 2, 2)
        print(
            f"gunicorn {args.workers} sync workers, {args.clients} concurrent clients, "
            f"{args.requests} requests each per page"
        )
        report(
            "daily detail",
            run_clients(args.port, cookie, daily_path, args.clients, args.requests),
            100,
        )
        report(
            "partner usage view",
            run_clients(args.port, cookie, overview_path, args.clients, args.requests),
            300,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
