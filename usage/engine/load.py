"""Reading what a day's computation needs: which customers are active and on what
terms (`_plan`), and their sessions, straight into numpy arrays."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.db import connection

from usage import engine_core, rules
from usage.engine_core import epoch_midnight
from usage.models import (
    AgentSession,
    IvrSession,
)
from usage.rules import MAX_SESSION
from usage.selectors import terms_by_customer

DAY = timedelta(days=1)
LOOKBACK = timedelta(seconds=engine_core.LOOKBACK * engine_core.PERIOD_SECONDS)


@dataclass(frozen=True)
class _CustomerDay:
    """What the rules need about one customer on one day."""

    primary: int
    agent_model: str
    cycle: tuple[date, date]
    commitments: rules.Commitments


# --- planning -------------------------------------------------------------------------


def _plan(customer_ids: list[int], day: date) -> dict[int, _CustomerDay]:
    """Primary, agent model, cycle and commitments of every customer active on `day`."""
    terms = terms_by_customer(customer_ids)
    plan: dict[int, _CustomerDay] = {}
    for customer_id, subs in terms.items():
        primary = rules.primary_subscription(subs, day)
        if primary is None:
            continue
        plan[customer_id] = _CustomerDay(
            primary=primary.id,
            agent_model=primary.agent_model,
            cycle=rules.customer_billing_cycle(subs, day),
            commitments=rules.commitments_on(subs, day),
        )
    return plan


# --- loading sessions -----------------------------------------------------------------


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})::bigint"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def _moment(day: date) -> datetime:
    return rules.day_start(day)


def _sessions(
    model,
    columns: str,
    start_column: str,
    end_column: str,
    customer_ids,
    since,
    until,
    outer: tuple[str, list] | None = None,
) -> list[tuple]:
    """Rows of sessions overlapping [since, until) of the given customers.

    A session overlapping it started at most a day before `since` unless it is flagged
    multi-day; only those few are looked for further back (up to the longest accepted).
    """
    if not customer_ids:
        return []
    table = model._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor == "postgresql":
        customers, params = "customer_id = ANY(%s)", [list(customer_ids)]
    else:
        customers = f"customer_id IN ({', '.join(['%s'] * len(customer_ids))})"
        params = list(customer_ids)
    overlap = f"{start_column} >= %s AND {start_column} < %s AND {end_column} > %s"
    sql = (
        f"SELECT {columns} FROM {table} WHERE {customers} AND {overlap} "  # noqa: S608
        f"UNION ALL SELECT {columns} FROM {table} WHERE {customers} AND multi_day AND {overlap}"
    )
    outer_params: list = []
    if outer is not None:
        sql = outer[0].format(sessions=sql)
        outer_params = outer[1]
    day_back = since - timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *outer_params,
                *params,
                adapt(day_back),
                adapt(until),
                adapt(since),
                *params,
                adapt(since - MAX_SESSION),
                adapt(min(day_back, until)),
                adapt(since),
            ],
        )
        return cursor.fetchall()


def _index_of(customer_ids: list[int]) -> Callable[[np.ndarray], np.ndarray]:
    sorted_ids = np.asarray(customer_ids, dtype=np.int64)
    return lambda values: np.searchsorted(sorted_ids, np.asarray(values, dtype=np.int64))


def _ivr_used(ids: list[int], day: date) -> np.ndarray:
    rows = _sessions(
        IvrSession,
        f"customer_id, {_epoch('started_at')}, {_epoch('ended_at')}",
        "started_at",
        "ended_at",
        ids,
        _moment(day),
        _moment(day + DAY),
    )
    data = np.array(rows, dtype=np.int64).reshape(-1, 3)
    used = engine_core.ivr_ports_by_day(
        _index_of(ids)(data[:, 0]),
        data[:, 1],
        data[:, 2],
        day0_epoch=epoch_midnight(day),
        n_days=1,
        n_customers=len(ids),
    )
    return used[:, 0]


def _agent_arrays(rows: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(customer ids, agent ids as strings, premium, login, logout) columns."""
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0, dtype=object), np.zeros(0, dtype=bool), empty, empty
    table = np.array(rows, dtype=object)
    return (
        table[:, 0].astype(np.int64),
        table[:, 1],
        table[:, 2].astype(bool),
        table[:, 3].astype(np.int64),
        table[:, 4].astype(np.int64),
    )


def _agent_indexes(agents: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Agent ids as small integers (and the ids in index order)."""
    index: dict[str, int] = {}
    codes = np.fromiter(
        (index.setdefault(agent, len(index)) for agent in agents), dtype=np.int64, count=len(agents)
    )
    return list(index), codes


AGENT_COLUMNS = "customer_id, agent_id, premium, {login}, {logout}"


def _agent_sessions(ids: list[int], since: datetime, until: datetime):
    columns = AGENT_COLUMNS.format(login=_epoch("login_at"), logout=_epoch("logout_at"))
    return _agent_arrays(
        _sessions(AgentSession, columns, "login_at", "logout_at", ids, since, until)
    )


def _concurrent_used(ids: list[int], day: date) -> tuple[np.ndarray, np.ndarray]:
    customers, agents, premium, login, logout = _agent_sessions(
        ids, _moment(day) - LOOKBACK, _moment(day + DAY)
    )
    _names, agent_idx = _agent_indexes(agents)
    standard, premium_used = engine_core.concurrent_agents_by_day(
        _index_of(ids)(customers),
        agent_idx,
        premium,
        login,
        logout,
        day0_epoch=epoch_midnight(day),
        n_days=1,
        n_customers=len(ids),
    )
    return standard[:, 0], premium_used[:, 0]


def _bulk_insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert plain tuples: COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                # JSON columns (a summary's days) go as JSON text.
                copy.write_row([json.dumps(v) if isinstance(v, list | dict) else v for v in row])
        return
    objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
    model.objects.unscoped().bulk_create(objects, batch_size=500)
