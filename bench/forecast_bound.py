"""How good can a day-7 forecast be on the backtest's customers? An oracle bound.

    python bench/forecast_bound.py [--customers 200] [--draws 40] [--day 7] [--seed 7]

The same customers as ``bench/forecast_backtest.py`` (same seed, same simulator). On day
`--day` of every cycle after the first, the simulator's whole hidden state is copied (the
roster, each agent's presence and leave, the overlap, IVR callers per agent, burst
chance, the month's team schedule) and the rest of the cycle is simulated again `--draws`
times with fresh randomness (whether a team still arrives is drawn again: nobody can
know it). The median of those draws' billed overage is the best forecast any method
could make knowing everything but the future's luck; its mean absolute error against
the cycle's real billed overage, beside "billed so far", bounds what a forecast reading
only the daily rows can reach. Prints one Markdown table.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forecast_backtest import (
    FIRST_DAY,
    Customer,
    commitments,
    daily_rows,
    set_up,
    simulate_day,
)

from usage import rules


def billed(customer, usage, start, end, commit) -> dict[str, int]:
    rows = daily_rows(customer, usage, [(start, end)], commit)
    return {usage_type: max(r.overage for r in rows) for usage_type, rows in rows.items()}


def run(n_customers: int, n_cycles: int, seed: int, draws: int, k: int):
    master = random.Random(seed)
    errors: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for key in range(n_customers):
        customer = Customer(
            key=key,
            model="named" if key % 2 == 0 else "concurrent",
            billing_day=master.randint(1, 28),
            flat=key % 50 == 0,
            rng=random.Random(master.getrandbits(64)),
        )
        if customer.flat:
            continue
        first = rules.billing_cycle(customer.billing_day, FIRST_DAY)
        cycles = [first]
        for _ in range(n_cycles - 1):
            cycles.append(rules.billing_cycle(customer.billing_day, cycles[-1][1] + timedelta(1)))
        premium_share = set_up(customer)
        state: dict = {"team_day": None}
        usage: dict = {}
        # The whole simulation first, as the backtest runs it (the commitments draw from
        # the customer's generator after the last day), keeping each cycle's state on day k.
        snapshots = {}
        day = first[0]
        while day <= cycles[-1][1]:
            for index, (start, _end) in enumerate(cycles):
                if index and day == start + timedelta(days=k):
                    snapshots[index] = (copy.deepcopy(customer), dict(state))
            usage[day] = simulate_day(customer, day, premium_share, state, first[0])
            day += timedelta(days=1)
        commit = commitments(customer, usage, first)
        for index, (start, end) in enumerate(cycles):
            if index == 0:
                continue
            snapshot = snapshots[index]
            truth = billed(customer, usage, start, end, commit)
            known = {d: u for d, u in usage.items() if start <= d < start + timedelta(days=k)}
            so_far = billed(customer, known, start, start + timedelta(days=k - 1), commit)
            outcomes = defaultdict(list)
            days_left = (end - start).days + 1 - k
            for draw in range(draws):
                again = copy.deepcopy(snapshot[0])
                again.rng = random.Random(f"{seed}-{key}-{index}-{draw}")
                # The month's team: drawn again for the days left (15 % of months).
                team_day = None
                if again.rng.random() < 0.15 * days_left / 30:
                    team_day = start + timedelta(days=k + again.rng.randrange(days_left))
                again_state = {"team_day": team_day}
                future = dict(known)
                on = start + timedelta(days=k)
                while on <= end:
                    future[on] = simulate_day(again, on, premium_share, again_state, None)
                    on += timedelta(days=1)
                for usage_type, value in billed(again, future, start, end, commit).items():
                    outcomes[usage_type].append(value)
            for usage_type, values in outcomes.items():
                values.sort()
                oracle = values[len(values) // 2]
                tally = errors[usage_type]
                tally[0] += 1
                tally[1] += abs(oracle - truth[usage_type])
                tally[2] += abs(so_far[usage_type] - truth[usage_type])
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--draws", type=int, default=40)
    parser.add_argument("--day", type=int, default=7)
    args = parser.parse_args()
    began = time.perf_counter()
    errors = run(args.customers, args.cycles, args.seed, args.draws, args.day)
    print(
        f"# Oracle bound, day {args.day}: {args.customers} customers × {args.cycles} cycles, "
        f"seed {args.seed}, {args.draws} draws ({time.perf_counter() - began:.0f} s)\n"
    )
    print("| usage type | cycles | MAE oracle | MAE billed so far | oracle vs billed so far |")
    print("|---|---:|---:|---:|---:|")
    for usage_type in rules.USAGE_TYPES:
        if usage_type not in errors:
            continue
        n, oracle, so_far = errors[usage_type]
        print(
            f"| {usage_type} | {n} | {oracle / n:.2f} | {so_far / n:.2f} "
            f"| {1 - oracle / so_far:.0%} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
