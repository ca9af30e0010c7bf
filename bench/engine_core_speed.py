"""Time usage.engine_core on one day of a large tenant base (random data, no database).

    python bench/engine_core_speed.py [--customers 2000] [--agent-sessions 200000]
                                      [--ivr-sessions 1000000] [--days 1] [--repeat 3]

Prints the best of ``--repeat`` runs of each counter. Target: well under 5 s in total.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from usage import engine_core

HOUR = 3_600
DAY = engine_core.SECONDS_PER_DAY


def best_of(repeat: int, run: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--agent-sessions", type=int, default=200_000)
    parser.add_argument("--ivr-sessions", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(2024)
    day0 = engine_core.epoch_midnight(date(2024, 6, 10))
    span = args.days * DAY
    n_customers, n_agents, n_ivr = args.customers, args.agent_sessions, args.ivr_sessions

    # Agent sessions: ~50 agents per customer, shifts of 15 min to 9 h, some from the
    # evening before, 30 % premium; agents log in several times and sessions overlap.
    agent_customer = rng.integers(0, n_customers, n_agents)
    agent = rng.integers(0, 50, n_agents)
    premium = rng.random(n_agents) < 0.3
    login = day0 - 4 * HOUR + rng.integers(0, span + 4 * HOUR, n_agents)
    logout = login + rng.integers(15 * 60, 9 * HOUR, n_agents)

    # IVR sessions: a contact spends about a minute in the menus.
    ivr_customer = rng.integers(0, n_customers, n_ivr)
    ivr_start = day0 + rng.integers(0, span, n_ivr)
    ivr_end = ivr_start + rng.exponential(60, n_ivr).astype(np.int64)

    window = {"day0_epoch": day0, "n_days": args.days, "n_customers": n_customers}
    cycle_start = np.full((n_customers, args.days), day0 - 5 * DAY)
    runs: dict[str, Callable[[], object]] = {
        "ivr_ports_by_day": lambda: engine_core.ivr_ports_by_day(
            ivr_customer, ivr_start, ivr_end, **window
        ),
        "concurrent_agents_by_day": lambda: engine_core.concurrent_agents_by_day(
            agent_customer, agent, premium, login, logout, **window
        ),
        "named_agents_by_day": lambda: engine_core.named_agents_by_day(
            agent_customer, agent, premium, login, logout, cycle_start=cycle_start, **window
        ),
    }

    print(
        f"{n_customers} customers, {n_agents} agent sessions, {n_ivr} IVR sessions, "
        f"{args.days} day(s); best of {args.repeat}"
    )
    total = 0.0
    for name, run in runs.items():
        seconds = best_of(args.repeat, run)
        total += seconds
        print(f"  {name:<26} {seconds:7.3f} s")
    print(f"  {'total':<26} {total:7.3f} s")


if __name__ == "__main__":
    main()
