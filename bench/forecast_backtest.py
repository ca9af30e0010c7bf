"""Backtest of the billed-overage forecast (usage/forecast.py) on simulated customers.

    python bench/forecast_backtest.py [--customers 800] [--cycles 6] [--seed 7]

Simulates each customer's daily usage over `--cycles` billing cycles (no database):
agents who work weekdays and some weekends, go on leave, churn and are replaced, teams
that grow or shrink over months, a new team arriving mid-cycle now and then, holiday
dips, IVR peaks with bursts on campaign days, and commitments around the usage (so many
customers cross them). The daily rows follow SPEC §5 (named counts cumulative in the
cycle, premium-for-standard substitution, IVR ports included per agent licence, the
billed overage the cycle's highest daily overage).

Half the customers are on the named model, half on the concurrent one. On days 3, 7, 14
and 21 of every cycle after the first, the forecast is made from the days known by then
and the customer's previous cycles only, and compared with the cycle's billed overage;
two baselines run on the same cycles: "billed so far" and today's straight line. First
cycles (no history) are reported apart. Prints Markdown tables: MAE, bias (forecast −
truth, mean) and coverage (truth inside the low-high range) per usage type and day.
A few flat customers (the same agents every day) check that a flat series forecasts
exactly what is billed so far.
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from usage import rules
from usage.forecast import (
    DayFigures,
    PastCycle,
    forecast_billed_overage,
    forecast_overage,
)

FORECAST_DAYS = (3, 7, 14, 21)
RELATED_TYPE = {
    rules.PREMIUM_NAMED_AGENT: rules.STANDARD_NAMED_AGENT,
    rules.STANDARD_NAMED_AGENT: rules.PREMIUM_NAMED_AGENT,
}
FIRST_DAY = date(2025, 1, 1)
HOLIDAYS = {
    date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 1),
    date(2025, 5, 29), date(2025, 6, 9), date(2025, 8, 15), date(2025, 11, 1),
    date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1),
}  # fmt: skip


@dataclass
class Agent:
    agent_id: int
    premium: bool
    presence: float  # chance of working on a weekday
    on_leave_until: date = date.min


@dataclass
class Customer:
    key: int
    model: str  # named | concurrent
    billing_day: int
    flat: bool
    rng: random.Random
    agents: list[Agent] = field(default_factory=list)
    next_id: int = 0
    growth_per_day: float = 0.0
    weekend: float = 0.2
    churn_per_day: float = 0.002
    overlap: float = 0.8
    ivr_per_agent: float = 2.0
    burst_chance: float = 0.1
    target: float = 0.0

    def hire(self, premium_share: float) -> None:
        self.agents.append(
            Agent(
                self.next_id,
                self.rng.random() < premium_share,
                self.rng.uniform(0.7, 0.95),
            )
        )
        self.next_id += 1


def simulate(customer: Customer, days: list[date]) -> dict[date, dict[str, int]]:
    """Daily used units per usage type (before commitments): named counts are the
    distinct agents of the day; the cycle's cumulative count is made later."""
    premium_share = set_up(customer)
    state: dict[str, date | None] = {"team_day": None}
    return {day: simulate_day(customer, day, premium_share, state, days[0]) for day in days}


def set_up(customer: Customer) -> float:
    """Draw the customer's size and habits and hire its agents; the premium share."""
    rng = customer.rng
    premium_share = rng.uniform(0.05, 0.3)
    size = math.exp(rng.uniform(math.log(6), math.log(150)))
    for _ in range(round(size)):
        customer.hire(premium_share)
    customer.target = size
    customer.growth_per_day = rng.gauss(0, 0.05) / 30  # ±5 % a month, typically
    customer.weekend = rng.choice([0.0, 0.1, 0.3, 0.6])
    customer.churn_per_day = rng.uniform(0.01, 0.06) / 7
    customer.overlap = rng.uniform(0.65, 0.9)
    customer.ivr_per_agent = rng.uniform(0.8, 3.0)
    customer.burst_chance = rng.uniform(0.0, 0.15)
    return premium_share


def simulate_day(
    customer: Customer, day: date, premium_share: float, state: dict, first_day: date | None
) -> dict[str, int]:
    """One day of `simulate`; `state` holds the day a new team arrives (if any)."""
    rng = customer.rng
    if customer.flat:
        names = {(a.agent_id, a.premium) for a in customer.agents}
        return _usage_of(customer, names, day, flat=True)
    if day.day == 1 or day == first_day:
        # Now and then (15 % of months) a new team arrives on a day of the coming
        # month: drawn once a month, not again on every day without one.
        state["team_day"] = day + timedelta(days=rng.randrange(30)) if rng.random() < 0.15 else None
    if day == state["team_day"]:
        customer.target *= rng.uniform(1.1, 1.3)
    customer.target *= 1 + customer.growth_per_day
    # Churn: leavers are replaced by new agents (new ids: new named licences).
    for agent in list(customer.agents):
        if rng.random() < customer.churn_per_day:
            customer.agents.remove(agent)
    while len(customer.agents) < round(customer.target):
        customer.hire(premium_share)
    while len(customer.agents) > round(customer.target) + 1:
        customer.agents.pop(rng.randrange(len(customer.agents)))
    weekend = day.weekday() >= 5
    holiday = day in HOLIDAYS
    present = set()
    for agent in customer.agents:
        if agent.on_leave_until >= day:
            continue
        if rng.random() < 0.004:  # a week or two of leave starts
            agent.on_leave_until = day + timedelta(days=rng.randrange(5, 15))
            continue
        chance = agent.presence * (customer.weekend if weekend else 1.0)
        if holiday:
            chance *= 0.2
        if rng.random() < chance:
            present.add((agent.agent_id, agent.premium))
    return _usage_of(customer, present, day, flat=False)


def _usage_of(customer: Customer, present: set, day: date, *, flat: bool) -> dict[str, int]:
    rng = customer.rng
    premium = sum(1 for _a, p in present if p)
    standard = len(present) - premium
    usage = {"present": present}
    if flat:
        usage["premium_c"], usage["standard_c"] = premium, standard
        usage["ivr"] = round(customer.ivr_per_agent * len(customer.agents))
        return usage
    # Concurrent: those present at the same time at the busiest quarter-hour.
    usage["premium_c"] = sum(1 for _ in range(premium) if rng.random() < customer.overlap)
    usage["standard_c"] = sum(1 for _ in range(standard) if rng.random() < customer.overlap)
    callers = customer.ivr_per_agent * len(present)
    ports = max(0, round(rng.gauss(callers, math.sqrt(callers + 1))))
    if rng.random() < customer.burst_chance:  # a campaign: many callers in the menus at once
        ports += round(callers * rng.uniform(0.3, 0.8))
    usage["ivr"] = ports
    return usage


def daily_rows(customer: Customer, usage, cycles, commit) -> dict[str, list[DayFigures]]:
    """The daily detail rows of every usage type over every cycle (SPEC §5)."""
    named = customer.model == "named"
    p_type = rules.PREMIUM_NAMED_AGENT if named else rules.PREMIUM_CONCURRENT_AGENT
    s_type = rules.STANDARD_NAMED_AGENT if named else rules.STANDARD_CONCURRENT_AGENT
    rows: dict[str, list[DayFigures]] = defaultdict(list)
    for start, end in cycles:
        seen_premium: set[int] = set()
        seen: set[int] = set()
        day = start
        while day <= end:
            u = usage[day]
            if named:
                for agent_id, premium in u["present"]:
                    seen.add(agent_id)
                    if premium:
                        seen_premium.add(agent_id)
                p_used, s_used = len(seen_premium), len(seen - seen_premium)
            else:
                p_used, s_used = u["premium_c"], u["standard_c"]
            sub = rules.substitution(commit["standard"], commit["premium"], s_used, p_used)
            rows[p_type].append(DayFigures(day, p_used, commit["premium"], 0, sub.premium_overage))
            rows[s_type].append(
                DayFigures(day, s_used, commit["standard"], sub.substituted, sub.standard_overage)
            )
            ivr_commit = rules.ivr_commitment(
                commit["standard"],
                commit["premium"],
                sub.standard_overage,
                sub.premium_overage,
                commit["ports"],
            )
            rows[rules.IVR_PORT].append(
                DayFigures(day, u["ivr"], ivr_commit, 0, max(0, u["ivr"] - ivr_commit))
            )
            day += timedelta(days=1)
    return rows


def commitments(customer: Customer, usage, first_cycle) -> dict[str, int]:
    """Licences bought around the first cycle's usage: some above, many a little below."""
    rng = customer.rng
    start, end = first_cycle
    span = [usage[start + timedelta(days=i)] for i in range((end - start).days + 1)]
    if customer.model == "named":
        everyone = set().union(*(u["present"] for u in span))
        premium = sum(1 for _a, p in everyone if p)
        standard = len(everyone) - premium
    else:
        premium = max(u["premium_c"] for u in span)
        standard = max(u["standard_c"] for u in span)
    factor = 1.0 if customer.flat else rng.uniform(0.7, 1.15)
    ivr = max(u["ivr"] for u in span)
    return {
        "premium": max(0, round(premium * factor)),
        "standard": max(1, round(standard * factor)),
        "ports": max(
            0, round(ivr * rng.uniform(0.6, 1.1)) - 2 * round((premium + standard) * factor)
        ),
    }


def linear(days: list[DayFigures], start: date, end: date) -> int:
    return forecast_billed_overage(days, cycle_start=start, cycle_end=end).billed_forecast


@dataclass
class Tally:
    n: int = 0
    abs_err: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    bias: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    covered: int = 0
    uncertain: int = 0

    def add(self, truth: int, method: str, value: int) -> None:
        self.abs_err[method] += abs(value - truth)
        self.bias[method] += value - truth


def run(n_customers: int, n_cycles: int, seed: int):
    master = random.Random(seed)
    tallies: dict[tuple[str, str, int], Tally] = defaultdict(Tally)
    flat_checked = flat_exact = 0
    forecasts = 0
    cycles_by_type: dict[tuple[str, str], int] = defaultdict(int)
    spent = 0.0
    for key in range(n_customers):
        flat = key % 50 == 0  # 2 %: the same agents every day
        customer = Customer(
            key=key,
            model="named" if key % 2 == 0 else "concurrent",
            billing_day=master.randint(1, 28),
            flat=flat,
            rng=random.Random(master.getrandbits(64)),
        )
        first = rules.billing_cycle(customer.billing_day, FIRST_DAY)
        cycles = [first]
        for _ in range(n_cycles - 1):
            cycles.append(rules.billing_cycle(customer.billing_day, cycles[-1][1] + timedelta(1)))
        days = [first[0] + timedelta(days=i) for i in range((cycles[-1][1] - first[0]).days + 1)]
        usage = simulate(customer, days)
        commit = commitments(customer, usage, first)
        rows = daily_rows(customer, usage, cycles, commit)
        for usage_type, type_rows in rows.items():
            for index, (start, end) in enumerate(cycles):
                cycle_rows = [r for r in type_rows if start <= r.usage_date <= end]
                truth = max(r.overage for r in cycle_rows)
                history = [
                    PastCycle(s, e, [r for r in type_rows if s <= r.usage_date <= e])
                    for s, e in cycles[max(0, index - 3) : index]
                ]
                related = [
                    PastCycle(s, e, [r for r in rows[other] if s <= r.usage_date <= e])
                    for other in [RELATED_TYPE.get(usage_type)]
                    if other
                    for s, e in cycles[max(0, index - 3) : index]
                ]
                group = "flat" if flat else ("first cycle" if index == 0 else "with history")
                cycles_by_type[(group, usage_type)] += 1
                for k in FORECAST_DAYS:
                    known = cycle_rows[:k]
                    began = time.perf_counter()
                    result = forecast_overage(
                        usage_type,
                        known,
                        cycle_start=start,
                        cycle_end=end,
                        history=history,
                        related_history=related,
                    )
                    spent += time.perf_counter() - began
                    forecasts += 1
                    if flat:
                        flat_checked += 1
                        flat_exact += result.point == result.billed_so_far == truth
                        continue
                    tally = tallies[(group, usage_type, k)]
                    tally.n += 1
                    tally.add(truth, "forecast", result.point)
                    tally.add(truth, "billed so far", result.billed_so_far)
                    tally.add(truth, "straight line", linear(known, start, end))
                    tally.covered += result.low <= truth <= result.high
                    tally.uncertain += result.uncertain
    return tallies, cycles_by_type, (flat_checked, flat_exact), forecasts, spent


def report(tallies, cycles_by_type, flat, forecasts, spent, elapsed, args) -> bool:
    met = True
    print(
        f"# Forecast backtest: {args.customers} customers × {args.cycles} cycles, seed {args.seed}"
    )
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}; {elapsed:.1f} s in all, "
        f"{forecasts} forecasts in {spent:.1f} s ({spent / forecasts * 1e6:.0f} µs each)"
    )
    for group in ("with history", "first cycle"):
        print(f"\n## {group}\n")
        print(
            "| usage type | cycles | day | MAE forecast | MAE billed so far | MAE straight line "
            "| gain vs better baseline | bias forecast | bias straight line | coverage P10–P90 "
            "| uncertain |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for usage_type in rules.USAGE_TYPES:
            for k in FORECAST_DAYS:
                tally = tallies.get((group, usage_type, k))
                if not tally or not tally.n:
                    continue
                n = tally.n
                mae = {m: e / n for m, e in tally.abs_err.items()}
                baseline = min(mae["billed so far"], mae["straight line"])
                gain = 1 - mae["forecast"] / baseline if baseline else 0.0
                coverage = tally.covered / n
                print(
                    f"| {usage_type} | {cycles_by_type[(group, usage_type)]} | {k} "
                    f"| {mae['forecast']:.2f} | {mae['billed so far']:.2f} "
                    f"| {mae['straight line']:.2f} | {gain:.0%} "
                    f"| {tally.bias['forecast'] / n:+.2f} | {tally.bias['straight line'] / n:+.2f} "
                    f"| {coverage:.0%} | {tally.uncertain / n:.0%} |"
                )
                if group == "with history" and k == 7:
                    met &= gain >= 0.40 and 0.75 <= coverage <= 0.90
    checked, exact = flat
    print(f"\nflat customers: {exact} of {checked} forecasts exactly the billed overage")
    met &= checked > 0 and exact == checked
    print(
        f"targets (day 7: MAE ≥ 40 % below the better baseline, coverage 75–90 %; flat "
        f"exact): {'met' if met else 'NOT met'}"
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=800)
    parser.add_argument("--cycles", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    began = time.perf_counter()
    results = run(args.customers, args.cycles, args.seed)
    met = report(*results, time.perf_counter() - began, args)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
