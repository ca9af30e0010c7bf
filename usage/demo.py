"""Demo usage: two months of plausible agent, IVR and digital events for the demo
customers, computed by the engine in bulk, with some overage and substitution to see.

Each customer has a story: initech grows past its named licences mid-cycle; umbrella's
concurrent peaks touch its commitment and burst past it on campaign days; hooli's two
subscriptions add up; stark covers standard excess with unused premium licences; wayne
runs IVR-heavy and buys digital voice minutes.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from orgs import clock
from orgs.demo import DemoWorld
from usage import engine
from usage.alerts.services import alerts_evaluate
from usage.models import AgentSession, DigitalUsage, IvrSession

DAYS = 60
# key: (standard agents, premium agents, extra agents joining over the period,
#       IVR sessions a day, IVR burst size on campaign days, digital SKU, units a day)
PROFILES = {
    "initech": (19, 4, 9, 120, 60, "A-CHAN-U-SMS-INTL", 40),
    "umbrella": (30, 9, 6, 200, 95, "", 0),
    "hooli": (24, 4, 5, 100, 30, "A-WXCN-PRM-AUTOINT", 250),
    "stark": (14, 1, 2, 60, 20, "A-CHAN-U-SMS-SC-UK", 90),
    "wayne": (8, 2, 3, 260, 30, "A-VOICE-U-INTL", 25),
}


def _at(day: date, hour: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)


def _agents(rng, key, customer, profile, days):
    standard, premium, extra, *_rest = profile
    sessions = []
    for d, day in enumerate(days):
        if day.weekday() >= 5 and rng.random() < 0.7:
            continue  # a quiet weekend
        joined = extra * d // len(days)  # new agents join as the period goes on
        pool = [(f"{key}-s{i}", False) for i in range(standard + joined)]
        pool += [(f"{key}-p{i}", True) for i in range(premium)]
        for agent_id, is_premium in pool:
            if rng.random() < 0.12:
                continue  # off today
            login = _at(day, rng.uniform(6.5, 9.5))
            for _shift in range(rng.choice([1, 2])):
                logout = login + timedelta(hours=rng.uniform(2.5, 4.5))
                sessions.append((agent_id, is_premium, login, logout))
                login = logout + timedelta(minutes=rng.uniform(20, 60))
    return [
        AgentSession(
            customer=customer,
            session_id=f"demo-a{n}",
            agent_id=agent_id,
            premium=is_premium,
            login_at=login.replace(microsecond=0),
            logout_at=logout.replace(microsecond=0),
        )
        for n, (agent_id, is_premium, login, logout) in enumerate(sessions)
    ]


def _ivr(rng, customer, profile, days):
    per_day, burst = profile[3], profile[4]
    rows = []
    for day in days:
        starts = [_at(day, rng.triangular(6, 20, 12)) for _ in range(per_day)]
        if rng.random() < 0.15:  # a campaign: many callers in the menus at once
            peak = _at(day, rng.uniform(9, 16))
            starts += [peak + timedelta(seconds=rng.uniform(0, 50)) for _ in range(burst)]
        for start in starts:
            rows.append((start, start + timedelta(seconds=rng.uniform(30, 240))))
    return [
        IvrSession(
            customer=customer,
            session_id=f"demo-i{n}",
            started_at=start.replace(microsecond=0),
            ended_at=end.replace(microsecond=0),
        )
        for n, (start, end) in enumerate(rows)
    ]


def _digital(rng, customer, profile, days):
    sku, units = profile[5], profile[6]
    if not sku:
        return []
    return [
        DigitalUsage(
            customer=customer,
            record_id=f"demo-d{n}",
            sku=sku,
            units=max(1, int(rng.gauss(units, units / 4))),
            occurred_at=_at(day, rng.uniform(8, 18)).replace(microsecond=0),
        )
        for n, day in enumerate(days)
    ]


def seed(world: DemoWorld) -> None:
    rng = random.Random(2024)
    yesterday = clock.today() - timedelta(days=1)
    days = [yesterday - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    customers = []
    for key, profile in PROFILES.items():
        customer = world.customers[key]
        customers.append(customer.pk)
        AgentSession.objects.unscoped().bulk_create(
            _agents(rng, key, customer, profile, days), batch_size=2000
        )
        IvrSession.objects.unscoped().bulk_create(
            _ivr(rng, customer, profile, days), batch_size=2000
        )
        DigitalUsage.objects.unscoped().bulk_create(
            _digital(rng, customer, profile, days), batch_size=2000
        )
    engine.compute_days(customers, days[0], days[-1])
    # As the nightly run would have, day by day: the alerts (and their emails) it raised.
    for day in days:
        for customer_id in customers:
            alerts_evaluate(customer_id=customer_id, day=day)
