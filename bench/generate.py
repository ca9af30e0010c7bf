"""Load realistic usage data into the bench database (never the test suite's).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:55433/bench_engine \
        python bench/generate.py --customers 2000 --days 31

2,000 customers (half named, half concurrent; sizes skewed: a few large contact centers,
many small ones), one partner managing them all with an API token, and per day 200,000
agent sessions (agents log in several times a day, premium agents stay premium) and
1,000,000 IVR sessions (a minute or a few in menus), busiest around midday UTC. The rows
are generated inside PostgreSQL (INSERT ... SELECT over generate_series), a day at a time.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import time
from datetime import date, timedelta
from urllib.parse import urlparse

from common import database_url, manage, setup_django


def create_database() -> None:
    url = urlparse(database_url())
    name = url.path.lstrip("/")
    exists = subprocess.run(
        [
            "psql",
            "-h",
            url.hostname,
            "-p",
            str(url.port),
            "-U",
            url.username,
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
            "postgres",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists:
        subprocess.run(
            [
                "dropdb",
                "--force",
                "-h",
                url.hostname,
                "-p",
                str(url.port),
                "-U",
                url.username,
                name,
            ],
            check=True,
        )
    subprocess.run(
        ["createdb", "-h", url.hostname, "-p", str(url.port), "-U", url.username, name], check=True
    )


def create_customers(n: int, first_day: date, seed: int) -> tuple[list[int], str]:
    from orgs.apikeys import person_token_create
    from orgs.models import Organization, PartnerRelationship, Person
    from orgs.roles import Role
    from subscriptions.models import Subscription

    rng = random.Random(seed)
    partner = Organization.objects.create(
        name="Bench partner", kind="partner", tier=1, country="NL"
    )
    admin = Person.objects.create_user(
        email="bench@partner.test",
        password="bench-password",
        organization=partner,
        role=Role.PARTNER_FULL_ADMIN,
    )
    _row, token = person_token_create(person=admin)
    customers = Organization.objects.bulk_create(
        Organization(
            name=f"Bench customer {i:04d}",
            kind="customer",
            country="NL",
            industry="finance",
            surge_percent=rng.choice([0, 0, 10, 30]),
        )
        for i in range(n)
    )
    PartnerRelationship.objects.bulk_create(
        PartnerRelationship(partner=partner, customer=c, is_managing=True, access="full")
        for c in customers
    )
    subscriptions = []
    for i, customer in enumerate(customers):
        agents = _pool(i, n)
        start = first_day - timedelta(days=rng.randint(1, 200))
        subscriptions.append(
            Subscription(
                customer=customer,
                status="active",
                start_date=start,
                agent_model="named" if i % 2 == 0 else "concurrent",
                standard_agents=max(1, int(agents * 0.55)),
                premium_agents=max(1, int(agents * 0.2)),
                addon_ivr_ports=rng.choice([0, 2, 5]),
            )
        )
        if i % 10 == 0:  # a second, younger subscription: commitments add up
            subscriptions.append(
                Subscription(
                    customer=customer,
                    status="active",
                    start_date=start + timedelta(days=40),
                    agent_model=subscriptions[-1].agent_model,
                    standard_agents=3,
                    premium_agents=1,
                    addon_ivr_ports=0,
                )
            )
    Subscription.objects.bulk_create(subscriptions)
    return [c.pk for c in customers], token


def _pool(index: int, n: int) -> int:
    """Agents of the customer at `index`: the customer a session lands on is drawn as
    floor(n * u^2), so customer i gets a share of about 1/(2 sqrt(n i)) of the sessions."""
    share = 1 / (2 * ((index + 0.5) * n) ** 0.5)
    return max(3, round(200_000 * share / 3))  # about three sessions per agent a day


def generate_day(cursor, day: date, agent_sessions: int, ivr_sessions: int, n: int) -> None:
    tag = day.strftime("%Y%m%d")
    cursor.execute(
        """
        INSERT INTO usage_agentsession
            (customer_id, session_id, agent_id, premium, login_at, logout_at, received_at)
        SELECT c.customer_id, %(tag)s || '-' || g, 'agent-' || a.agent, a.agent %% 10 < 3,
               t.login, t.login + make_interval(secs => 900 + floor(random() * 12600 + g * 0)),
               now()
        FROM generate_series(1, %(count)s) AS g
        CROSS JOIN LATERAL (SELECT floor(%(n)s * power(random(), 2))::int + g * 0 AS idx) r
        JOIN bench_customers c ON c.idx = r.idx
        CROSS JOIN LATERAL (SELECT floor(random() * c.pool)::int + g * 0 AS agent) a
        CROSS JOIN LATERAL (
            SELECT %(day)s::timestamptz
                   + make_interval(secs => 43200 * (random() + random()) + g * 0) AS login
        ) t
        """,
        {"tag": tag, "count": agent_sessions, "n": n, "day": day.isoformat()},
    )
    cursor.execute(
        """
        INSERT INTO usage_ivrsession (customer_id, session_id, started_at, ended_at, received_at)
        SELECT c.customer_id, %(tag)s || '-' || g, t.started,
               t.started + make_interval(secs => 20 + floor(random() * 400 + g * 0)), now()
        FROM generate_series(1, %(count)s) AS g
        CROSS JOIN LATERAL (SELECT floor(%(n)s * power(random(), 2))::int + g * 0 AS idx) r
        JOIN bench_customers c ON c.idx = r.idx
        CROSS JOIN LATERAL (
            SELECT %(day)s::timestamptz
                   + make_interval(secs => 43200 * (random() + random()) + g * 0) AS started
        ) t
        """,
        {"tag": tag, "count": ivr_sessions, "n": n, "day": day.isoformat()},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--agent-sessions", type=int, default=200_000, help="per day")
    parser.add_argument("--ivr-sessions", type=int, default=1_000_000, help="per day")
    parser.add_argument(
        "--last-day", type=date.fromisoformat, default=date.today() - timedelta(days=1)
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    create_database()
    manage("migrate", "--verbosity", "0")
    setup_django()
    from django.db import connection, transaction

    first_day = args.last_day - timedelta(days=args.days - 1)
    ids, _token = create_customers(args.customers, first_day, args.seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [args.seed / 1000])
        cursor.execute(
            "CREATE TABLE bench_customers (idx int PRIMARY KEY, customer_id bigint, pool int)"
        )
        with cursor.copy("COPY bench_customers (idx, customer_id, pool) FROM STDIN") as copy:
            for i, pk in enumerate(ids):
                copy.write_row((i, pk, _pool(i, len(ids))))
    for k in range(args.days):
        day = first_day + timedelta(days=k)
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            generate_day(cursor, day, args.agent_sessions, args.ivr_sessions, len(ids))
        print(f"{day}: generated in {time.monotonic() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"{len(ids)} customers, {args.days} days from {first_day} to {args.last_day}.")


if __name__ == "__main__":
    main()
