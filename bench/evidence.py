"""Evidence benchmark: one `GET /api/v1/customers/{id}/usage/evidence/` request for a
customer with 1,000 agents and 50,000 IVR sessions that day must answer in <= 300 ms.

Two customers (a named-agent one and a concurrent-agent one, since a customer has one
agent model), each with 1,000 agents logging in every day of the cycle so far and 50,000
IVR sessions on the measured day; the engine computes their rows, then every usage type's
evidence is requested through the whole Django stack (test client: middleware, auth,
tenancy, serialisation), first once to warm up, then `--repeat` times.

    .venv/bin/python bench/evidence.py --generate      # ~1 min: fills the database
    .venv/bin/python bench/evidence.py                 # measures
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import os

from bench import common

DEFAULT_URL = "postgres://postgres@127.0.0.1:55433/sb_evidence"
CYCLE_START = date(2026, 11, 1)
DAY = date(2026, 11, 15)  # the 15th day of the cycle: named evidence reads 15 days
AGENTS = 1_000
IVR_SESSIONS = 50_000
TARGET_MS = 300


def generate() -> None:
    from django.db import connection

    from orgs.models import Organization, PartnerRelationship, Person
    from orgs.roles import Role
    from subscriptions.models import Subscription
    from usage import engine
    from usage.models import AgentSession, IvrSession

    rng = random.Random(11)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE usage_agentsession, usage_ivrsession, usage_dailyusage, "
            "usage_cycleusage, usage_namedagentfirstday, usage_namedcyclestate, "
            "usage_dirtyday"
        )
    partner, _ = Organization.objects.unscoped().get_or_create(
        name="Evidence Bench Partner", defaults={"kind": Organization.Kind.PARTNER, "tier": 1}
    )
    Person.objects.unscoped().get_or_create(
        email="bench-evidence@partner.test",
        defaults={"organization": partner, "role": Role.PARTNER_FULL_ADMIN},
    )
    ids = {}
    for model in ("named", "concurrent"):
        customer, _ = Organization.objects.unscoped().get_or_create(
            name=f"Evidence Bench {model}",
            defaults={"kind": Organization.Kind.CUSTOMER, "country": "NL"},
        )
        PartnerRelationship.objects.unscoped().get_or_create(
            partner=partner, customer=customer, defaults={"is_managing": True}
        )
        Subscription.objects.unscoped().filter(customer=customer).delete()
        Subscription.objects.unscoped().create(
            customer=customer,
            start_date=CYCLE_START,
            agent_model=model,
            standard_agents=600,
            premium_agents=300,
            addon_ivr_ports=0,
            status=Subscription.Status.ACTIVE,
        )
        ids[model] = customer.pk
        agents = []
        day = CYCLE_START
        while day <= DAY:
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
            for agent in range(AGENTS):
                # Two shifts a day, one in ten agents on a premium licence some days.
                start = midnight + timedelta(hours=7, minutes=rng.randrange(0, 180))
                for shift in range(2):
                    login = start + timedelta(hours=4.5 * shift)
                    logout = login + timedelta(hours=4, seconds=rng.randrange(0, 900))
                    agents.append(
                        AgentSession(
                            customer=customer,
                            session_id=f"a-{day}-{agent}-{shift}",
                            agent_id=f"agent-{agent:04d}",
                            premium=agent % 10 == 0 and rng.random() < 0.3,
                            login_at=login,
                            logout_at=logout,
                        )
                    )
            day += timedelta(days=1)
        AgentSession.objects.bulk_create(agents, batch_size=5_000)
        midnight = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
        ivrs = []
        for i in range(IVR_SESSIONS):
            started = midnight + timedelta(seconds=rng.randrange(6 * 3600, 22 * 3600))
            ivrs.append(
                IvrSession(
                    customer=customer,
                    session_id=f"i-{i}",
                    started_at=started,
                    ended_at=started + timedelta(seconds=rng.randrange(20, 600)),
                )
            )
        IvrSession.objects.bulk_create(ivrs, batch_size=5_000)
    engine.compute_days(ids.values(), CYCLE_START, DAY)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(json.dumps({"customers": ids}))


def measure(repeat: int) -> None:
    from django.test import Client

    from orgs.models import Organization, Person
    from usage import rules

    client = Client()
    client.force_login(Person.objects.unscoped().get(email="bench-evidence@partner.test"))
    results = {}
    for model, types in (
        ("named", (rules.STANDARD_NAMED_AGENT, rules.PREMIUM_NAMED_AGENT, rules.IVR_PORT)),
        ("concurrent", (rules.STANDARD_CONCURRENT_AGENT, rules.PREMIUM_CONCURRENT_AGENT)),
    ):
        customer = Organization.objects.unscoped().get(name=f"Evidence Bench {model}")
        url = f"/api/v1/customers/{customer.pk}/usage/evidence/"
        for usage_type in types:
            params = {"date": DAY.isoformat(), "usage_type": usage_type}
            first = client.get(url, params)
            assert first.status_code == 200, first.content[:300]
            body = first.json()
            timings = []
            for _ in range(repeat):
                began = time.perf_counter()
                response = client.get(url, params)
                timings.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200
            results[usage_type] = {
                "units_used": body["units_used"],
                "witnesses": body["witnesses"],
                "median_ms": round(statistics.median(timings), 1),
                "max_ms": round(max(timings), 1),
                "target_ms": TARGET_MS,
            }
            print(json.dumps({usage_type: results[usage_type]}), flush=True)
    worst = max(r["max_ms"] for r in results.values())
    print(json.dumps({"worst_ms": worst, "met": worst <= TARGET_MS}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    os.environ["BENCH_DATABASE_URL"] = args.database_url
    if args.generate:
        common.manage("migrate", "--no-input", "-v", "0")
    common.setup_django()
    if args.generate:
        generate()
    measure(args.repeat)


if __name__ == "__main__":
    main()
