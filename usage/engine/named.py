"""Named-agent counts: cumulative over the billing cycle, kept night by night through
the first day each agent was seen in a cycle (`NamedAgentFirstDay`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import numpy as np
from django.db import connection

from usage import engine_core
from usage.engine.load import (
    AGENT_COLUMNS,
    DAY,
    _agent_indexes,
    _agent_sessions,
    _bulk_insert,
    _CustomerDay,
    _epoch,
    _index_of,
    _moment,
    _sessions,
)
from usage.engine_core import epoch_midnight
from usage.models import (
    AgentSession,
    NamedAgentFirstDay,
    NamedCycleState,
)

# --- named agents ---------------------------------------------------------------------


def _epoch_days(days: Iterable[date | None]) -> np.ndarray:
    return np.asarray(
        [engine_core.NEVER if d is None else epoch_midnight(d) for d in days], dtype=np.int64
    )


def _named_used(ids: list[int], day: date, plan: dict[int, _CustomerDay]):
    """Named agents used on `day`, growing each cycle's stored first days by one day.

    A cycle whose state is missing (new cycle, or a late session deleted it) is rebuilt
    from its first day; otherwise only the sessions after `through` are read.
    """
    cycles = {c: plan[c].cycle[0] for c in ids}
    states = {
        (c, s): t
        for c, s, t in NamedCycleState.objects.unscoped()
        .filter(customer_id__in=ids, cycle_start__in=set(cycles.values()))
        .values_list("customer_id", "cycle_start", "through")
    }
    since_by_customer: dict[int, date] = {}
    incremental: list[int] = []
    for c in ids:
        through = states.get((c, cycles[c]))
        if through is None:
            since_by_customer[c] = cycles[c]
        else:
            incremental.append(c)
            if through < day:
                since_by_customer[c] = through + DAY
    through_by_customer = {c: max(day, states.get((c, cycles[c]), day)) for c in ids}

    # Stored first days of the incremental cycles.
    stored = list(
        NamedAgentFirstDay.objects.unscoped()
        .filter(customer_id__in=incremental, cycle_start__in={cycles[c] for c in incremental})
        .values_list("customer_id", "cycle_start", "agent_id", "first_seen", "first_premium")
    )
    stored = [row for row in stored if cycles[row[0]] == row[1]]

    # First days from the sessions since each cycle's `through`, one query per distinct
    # starting day. Clamping a first day to `since` rather than to the cycle start is
    # the same after merging: a session begun before `since` is already stored.
    by_since: dict[date, list[int]] = defaultdict(list)
    for c, since in since_by_customer.items():
        by_since[since].append(c)
    parts = [_new_first_days(sorted(group), since, day) for since, group in by_since.items()]
    customers = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    agents = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, object)
    first_seen = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.int64)
    first_premium = np.concatenate([p[3] for p in parts]) if parts else np.zeros(0, np.int64)

    stored_agents = np.asarray([row[2] for row in stored], dtype=object)
    names, agent_idx = _agent_indexes(np.concatenate([agents, stored_agents]))
    session_agents, stored_agent_idx = agent_idx[: len(agents)], agent_idx[len(agents) :]
    index = _index_of(ids)
    n = len(ids)
    new_days = engine_core.NamedAgentFirstDays(
        customer=index(customers),
        agent=np.asarray(session_agents, dtype=np.int64),
        first_seen=first_seen,
        first_premium=first_premium,
    )
    old_days = engine_core.NamedAgentFirstDays(
        customer=index([row[0] for row in stored]),
        agent=np.asarray(stored_agent_idx, dtype=np.int64),
        first_seen=_epoch_days(row[3] for row in stored),
        first_premium=_epoch_days(row[4] for row in stored),
    )
    merged = engine_core.merge_named_first_days(old_days, new_days)
    standard, premium_used = engine_core.named_counts_from_first_days(
        merged, day0_epoch=epoch_midnight(day), n_days=1, n_customers=n
    )
    _store_first_days(ids, cycles, names, old_days, merged, set(incremental))
    NamedCycleState.objects.unscoped().bulk_create(
        [
            NamedCycleState(customer_id=c, cycle_start=cycles[c], through=through_by_customer[c])
            for c in ids
        ],
        update_conflicts=True,
        unique_fields=["customer", "cycle_start"],
        update_fields=["through"],
    )
    return standard[:, 0], premium_used[:, 0]


def _new_first_days(ids: list[int], since: date, day: date):
    """(customer ids, agent ids, first seen, first premium) of the agents with a session
    overlapping since..day, first days clamped to `since` (epoch midnights; NEVER for
    never premium). PostgreSQL groups them, so one row per agent crosses the wire."""
    if connection.vendor == "postgresql":
        first_day = f"GREATEST(login - mod(login, {engine_core.SECONDS_PER_DAY}), %s)"
        outer = (
            f"SELECT customer_id, agent_id, MIN({first_day}), "  # noqa: S608
            f"MIN(CASE WHEN premium THEN {first_day} END) "
            "FROM ({sessions}) AS s(customer_id, agent_id, premium, login, logout) "
            "WHERE logout > login GROUP BY customer_id, agent_id"
        )
        since_epoch = epoch_midnight(since)
        columns = AGENT_COLUMNS.format(login=_epoch("login_at"), logout=_epoch("logout_at"))
        rows = _sessions(
            AgentSession,
            columns,
            "login_at",
            "logout_at",
            ids,
            _moment(since),
            _moment(day + DAY),
            outer=(outer, [since_epoch, since_epoch]),
        )
        if not rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, np.zeros(0, dtype=object), empty, empty
        table = np.array(rows, dtype=object)
        premium = table[:, 3]
        return (
            table[:, 0].astype(np.int64),
            table[:, 1],
            table[:, 2].astype(np.int64),
            np.where(premium == None, engine_core.NEVER, premium).astype(np.int64),  # noqa: E711
        )
    customers, agents, premium, login, logout = _agent_sessions(
        ids, _moment(since), _moment(day + DAY)
    )
    names, agent_idx = _agent_indexes(agents)
    index = _index_of(ids)
    first = engine_core.named_agent_first_days(
        index(customers),
        agent_idx,
        premium,
        login,
        logout,
        cycle_start=np.full(len(ids), epoch_midnight(since), dtype=np.int64),
        until=np.full(len(ids), epoch_midnight(day), dtype=np.int64),
    )
    return (
        np.asarray(ids, dtype=np.int64)[first.customer],
        np.asarray(names, dtype=object)[first.agent] if len(names) else np.zeros(0, object),
        first.first_seen,
        first.first_premium,
    )


def _store_first_days(ids, cycles, names, old, merged, incremental: set[int]) -> None:
    """Insert first days not stored yet and update those that moved earlier."""
    rebuilt = [c for c in ids if c not in incremental]
    if rebuilt:
        NamedAgentFirstDay.objects.unscoped().filter(
            customer_id__in=rebuilt, cycle_start__in={cycles[c] for c in rebuilt}
        ).delete()
    span = len(names) + 1
    old_key = old.customer * span + old.agent
    merged_key = merged.customer * span + merged.agent
    order = np.argsort(old_key, kind="stable")
    old_key_sorted = old_key[order]
    position = np.searchsorted(old_key_sorted, merged_key)
    found = position < len(old_key_sorted)
    found[found] = old_key_sorted[position[found]] == merged_key[found]
    changed = np.zeros(len(merged_key), dtype=bool)
    if found.any():
        matched = order[position[found]]
        changed[found] = (old.first_seen[matched] != merged.first_seen[found]) | (
            old.first_premium[matched] != merged.first_premium[found]
        )

    def row(i: int) -> tuple:
        customer = ids[int(merged.customer[i])]
        premium = int(merged.first_premium[i])
        return (
            customer,
            cycles[customer],
            str(names[int(merged.agent[i])]),
            engine_core.day_of(int(merged.first_seen[i])),
            None if premium == engine_core.NEVER else engine_core.day_of(premium),
        )

    columns = ["customer_id", "cycle_start", "agent_id", "first_seen", "first_premium"]
    _bulk_insert(NamedAgentFirstDay, columns, [row(i) for i in np.flatnonzero(~found)])
    updates = [row(i) for i in np.flatnonzero(changed)]
    if updates:
        NamedAgentFirstDay.objects.unscoped().bulk_create(
            [NamedAgentFirstDay(**dict(zip(columns, values, strict=True))) for values in updates],
            update_conflicts=True,
            unique_fields=["customer", "cycle_start", "agent_id"],
            update_fields=["first_seen", "first_premium"],
        )
