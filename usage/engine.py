"""The database side of the usage computation: events in, daily usage rows out.

`compute_days(customer_ids, first, last)` computes the daily-detail rows of those
customers for those days, one day per transaction. Sessions are read with a few
set-based queries straight into numpy arrays (no ORM object per event), counted by
`usage.engine_core` for all customers at once, turned into rows by `usage.rules` and
written idempotently (delete then insert per (customer, day)), and the summaries of the
cycles those days belong to (`CycleUsage`) are rebuilt from them in the same transaction
(`cycle_usage_refresh`). Named-agent counts are
cumulative over the cycle, so the first day each agent was seen in a cycle is kept
(`NamedAgentFirstDay`): a night reads one day of sessions, not the whole cycle's.

A computation takes each customer's advisory lock (usage.locks); a customer another
run is computing is skipped and its days marked dirty, so they are computed again later
rather than written twice at once.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, ExpressionWrapper, F, Func, IntegerField, Max, Sum
from django.utils import timezone

from subscriptions.models import Subscription
from usage import cycle_forecast, engine_core, locks, rules
from usage.engine_core import epoch_midnight
from usage.models import (
    AgentSession,
    CycleUsage,
    DailyUsage,
    DirtyDay,
    IvrSession,
    NamedAgentFirstDay,
    NamedCycleState,
)
from usage.services import MAX_SESSION

DAY = timedelta(days=1)
LOOKBACK = timedelta(seconds=engine_core.LOOKBACK * engine_core.PERIOD_SECONDS)
# Dirty marks younger than this at the start of a run survive it: the event that made
# them may not have been committed when the run read the sessions.
DIRTY_MARGIN = timedelta(minutes=1)
DAILY_COLUMNS = [
    "customer_id",
    "subscription_id",
    "usage_date",
    "cycle_start",
    "usage_type",
    "units_used",
    "units_commitment",
    "units_substituted",
    "units_overage",
    "usage_unit",
    "comment",
    "computed_at",
]


@dataclass
class ComputeResult:
    days: int = 0
    rows: int = 0
    skipped: set[int] = field(default_factory=set)  # customers another run was computing

    def add(self, other: ComputeResult) -> None:
        self.days += other.days
        self.rows += other.rows
        self.skipped |= other.skipped


@dataclass(frozen=True)
class _CustomerDay:
    """What the rules need about one customer on one day."""

    primary: int
    agent_model: str
    cycle: tuple[date, date]
    commitments: rules.Commitments


# --- public entry points --------------------------------------------------------------


def customers_billable_between(first: date, last: date) -> list[int]:
    """Ids of customers with a billable subscription active on some day first..last."""
    return sorted(
        set(
            Subscription.objects.unscoped()
            .exclude(status=Subscription.Status.PENDING_SETUP)
            .filter(start_date__lte=last)
            .exclude(end_date__lt=first)
            .values_list("customer_id", flat=True)
        )
    )


def compute_days(
    customer_ids: Iterable[int],
    first: date,
    last: date,
    *,
    after_day: Callable[[date], None] | None = None,
) -> ComputeResult:
    """Compute and store the rows of `customer_ids` for first..last, a day at a time.

    Days go in ascending order so that named-agent first days grow night by night.
    `after_day(day)` runs after each day is committed (progress bars, tests).
    """
    ids = sorted(set(customer_ids))
    result = ComputeResult()
    day = first
    while day <= last:
        result.add(compute_day(ids, day))
        if after_day is not None:
            after_day(day)
        pause = getattr(settings, "USAGE_TEST_PAUSE_AFTER_DAY", 0)
        if pause:
            time.sleep(pause)  # lets a test kill the worker between two committed days
        day += DAY
    return result


def compute_day(customer_ids: Sequence[int], day: date) -> ComputeResult:
    """Compute and store one day's rows for `customer_ids`, in one transaction."""
    started = timezone.now()
    with transaction.atomic():
        taken = locks.try_customers(list(customer_ids))
        skipped = set(customer_ids) - taken
        ids = sorted(taken)
        plan = _plan(ids, day)
        rows = _rows(plan, day) if plan else []
        rows = _mark_peaks(ids, day, plan, rows)
        _write(ids, day, plan, rows, started)
        DirtyDay.objects.unscoped().filter(
            customer_id__in=ids, usage_date=day, marked_at__lte=started - DIRTY_MARGIN
        ).delete()
    if skipped:
        # After our commit, holding no lock: the run that holds these cannot wait on us.
        DirtyDay.objects.unscoped().bulk_create(
            [DirtyDay(customer_id=c, usage_date=day, marked_at=started) for c in skipped],
            update_conflicts=True,
            unique_fields=["customer", "usage_date"],
            update_fields=["marked_at"],
        )
    written = sum(1 for _c, _row, pk in rows if pk is None)
    return ComputeResult(days=1, rows=written, skipped=skipped)


def dirty_work(limit: int = 5000) -> dict[date, list[int]]:
    """Dirty days to recompute, as customers by day (oldest days first)."""
    by_day: dict[date, list[int]] = defaultdict(list)
    marks = DirtyDay.objects.unscoped().order_by("usage_date", "customer_id")
    for customer_id, day in marks.values_list("customer_id", "usage_date")[:limit]:
        by_day[day].append(customer_id)
    return dict(by_day)


# --- planning -------------------------------------------------------------------------


def _plan(customer_ids: list[int], day: date) -> dict[int, _CustomerDay]:
    """Primary, agent model, cycle and commitments of every customer active on `day`."""
    subscriptions = (
        Subscription.objects.unscoped()
        .filter(customer_id__in=customer_ids)
        .exclude(status=Subscription.Status.PENDING_SETUP)
        .values_list(
            "customer_id",
            "pk",
            "start_date",
            "end_date",
            "agent_model",
            "standard_agents",
            "premium_agents",
            "addon_ivr_ports",
        )
    )
    terms: dict[int, list[rules.SubscriptionTerms]] = defaultdict(list)
    for customer_id, pk, start, end, model, standard, premium, ports in subscriptions:
        terms[customer_id].append(
            rules.SubscriptionTerms(pk, start, end, start.day, model, standard, premium, ports)
        )
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


# --- rows, peaks, writing -------------------------------------------------------------


def _rows(plan: dict[int, _CustomerDay], day: date) -> list[tuple[int, rules.DailyDetailRow]]:
    ids = sorted(plan)
    ivr = dict(zip(ids, _ivr_used(ids, day).tolist(), strict=True))
    used: dict[int, tuple[int, int]] = {}
    for model, counter in ((rules.CONCURRENT, _concurrent_used), (rules.NAMED, _named_used)):
        group = [c for c in ids if plan[c].agent_model == model]
        if not group:
            continue
        args = (group, day, plan) if model == rules.NAMED else (group, day)
        standard, premium = counter(*args)
        used.update(zip(group, zip(standard.tolist(), premium.tolist(), strict=True), strict=True))
    rows = []
    for c in ids:
        standard, premium = used[c]
        for row in rules.daily_detail_rows(
            day, plan[c].agent_model, plan[c].commitments, standard, premium, ivr[c]
        ):
            rows.append((c, row))
    return rows


def _mark_peaks(
    ids: list[int],
    day: date,
    plan: dict[int, _CustomerDay],
    rows: list[tuple[int, rules.DailyDetailRow]],
) -> list[tuple[int, rules.DailyDetailRow, int | None]]:
    """Comments of the day's rows and of stored rows of the same cycles whose peak moved.

    Only stored rows with overage or a comment can be or stop being a peak, so only those
    are read. Returns (customer, row, stored id or None for the new rows).
    """
    stored = DailyUsage.objects.unscoped().filter(customer_id__in=ids).exclude(usage_date=day)
    cycle_starts = {p.cycle[0] for p in plan.values()}
    candidates = (
        stored.filter(cycle_start__in=cycle_starts)
        .exclude(units_overage=0, comment="")
        .values_list(
            "pk",
            "customer_id",
            "usage_date",
            "cycle_start",
            "usage_type",
            "units_overage",
            "comment",
        )
    )
    # Customers with no rows today may still carry a stale peak on this day: deleting
    # the day's rows removes it, and the cycle's other rows keep their comments.
    by_customer: dict[int, list[tuple[rules.DailyDetailRow, int | None]]] = defaultdict(list)
    for c, row in rows:
        by_customer[c].append((row, None))
    for pk, c, usage_date, cycle_start, usage_type, overage, comment in candidates:
        if c in plan and cycle_start == plan[c].cycle[0]:
            by_customer[c].append(
                (
                    rules.DailyDetailRow(usage_date, usage_type, 0, 0, 0, overage, "", comment),
                    pk,
                )
            )
    result: list[tuple[int, rules.DailyDetailRow, int | None]] = []
    for c, entries in by_customer.items():
        marked = rules.mark_overage_peaks([row for row, _pk in entries], lambda _d: 0)
        for (row, pk), new in zip(entries, marked, strict=True):
            if pk is None:
                result.append((c, new, None))
            elif new.comment != row.comment:
                result.append((c, new, pk))
    return result


def _write(
    ids: list[int],
    day: date,
    plan: dict[int, _CustomerDay],
    rows: list[tuple[int, rules.DailyDetailRow, int | None]],
    computed_at: datetime,
) -> None:
    old = DailyUsage.objects.unscoped().filter(customer_id__in=ids, usage_date=day)
    # The cycles whose figures change: those of the rows replaced or deleted (a customer
    # with no subscription that day any more) and those of the new rows.
    cycle_starts = set(old.order_by().values_list("cycle_start", flat=True).distinct())
    cycle_starts |= {p.cycle[0] for p in plan.values()}
    old.delete()
    new = [(c, row) for c, row, pk in rows if pk is None]
    plan_rows = []
    for c, row in new:
        plan_rows.append(
            (
                c,
                plan[c].primary,
                row.usage_date,
                plan[c].cycle[0],
                row.usage_type,
                row.units_used,
                row.units_commitment,
                row.units_substituted,
                row.units_overage,
                row.usage_unit,
                row.comment,
                computed_at,
            )
        )
    _bulk_insert(DailyUsage, DAILY_COLUMNS, plan_rows)
    peaks = [pk for _c, row, pk in rows if pk is not None and row.comment == rules.OVERAGE_PEAK]
    cleared = [pk for _c, row, pk in rows if pk is not None and row.comment != rules.OVERAGE_PEAK]
    if peaks:
        DailyUsage.objects.unscoped().filter(pk__in=peaks).update(comment=rules.OVERAGE_PEAK)
    if cleared:
        DailyUsage.objects.unscoped().filter(pk__in=cleared).update(comment="")
    cycle_usage_refresh(
        ids, cycle_starts, cycle_ends={(c, p.cycle[0]): p.cycle[1] for c, p in plan.items()}
    )


# --- cycle summaries ------------------------------------------------------------------


class DaysSince(Func):
    """Whole days from the second date to the first."""

    output_field = IntegerField()
    arity = 2

    def _operands(self, compiler):
        later, earlier = (compiler.compile(e) for e in self.get_source_expressions())
        return later[0], earlier[0], (*later[1], *earlier[1])

    def as_sql(self, compiler, connection, **extra_context):
        later, earlier, params = self._operands(compiler)
        return f"CAST(ROUND(julianday({later}) - julianday({earlier})) AS INTEGER)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        later, earlier, params = self._operands(compiler)
        return f"({later} - {earlier})", params


CYCLE_USAGE_COLUMNS = [
    "customer_id",
    "cycle_start",
    "usage_type",
    "n",
    "sum_x",
    "sum_y",
    "sum_xy",
    "sum_xx",
    "last_x",
    "used",
    "commitment",
    "overage",
    "last_usage_date",
]


def cycle_usage_figures(daily_rows):
    """The `CycleUsage` columns (all but cycle_end) of `daily_rows` grouped by customer,
    cycle and usage type: the trend sums of usage/forecast.py and the cycle's highs."""
    x = DaysSince(F("usage_date"), F("cycle_start"))
    excess = ExpressionWrapper(
        F("units_used") - F("units_commitment") - F("units_substituted"),
        output_field=IntegerField(),
    )
    return (
        daily_rows.values("customer_id", "cycle_start", "usage_type")
        .annotate(
            n=Count("id"),
            sum_x=Sum(x),
            sum_y=Sum(excess),
            sum_xy=Sum(ExpressionWrapper(x * excess, output_field=IntegerField())),
            sum_xx=Sum(ExpressionWrapper(x * x, output_field=IntegerField())),
            last_x=Max(x),
            used=Max("units_used"),
            commitment=Max("units_commitment"),
            overage=Max("units_overage"),
            last_usage_date=Max("usage_date"),
        )
        .order_by()
        .values_list(*CYCLE_USAGE_COLUMNS)
    )


def cycle_usage_refresh(
    customer_ids: Iterable[int],
    cycle_starts: Iterable[date],
    *,
    cycle_ends: dict[tuple[int, date], date] | None = None,
) -> None:
    """Rebuild the `CycleUsage` rows of every cycle of `customer_ids` starting on one of
    `cycle_starts` from their daily rows: delete them, then insert one aggregate of the
    daily rows (so a cycle whose days are all gone loses its summary). Idempotent.

    The engine calls it for the days it writes; code that writes `DailyUsage` rows any
    other way (tests with `DailyUsageFactory`, data loads) must call it afterwards, or the
    partner usage view will not see those rows. `cycle_ends` maps (customer, cycle
    start) to the cycle's last day where known; the others are worked out from the
    customer's subscriptions.
    """
    ids, starts = sorted(set(customer_ids)), sorted(set(cycle_starts))
    if not ids or not starts:
        return
    with transaction.atomic():
        CycleUsage.objects.unscoped().filter(customer_id__in=ids, cycle_start__in=starts).delete()
        figures = list(
            cycle_usage_figures(
                DailyUsage.objects.unscoped().filter(customer_id__in=ids, cycle_start__in=starts)
            )
        )
        ends = dict(cycle_ends or {})
        missing = {(row[0], row[1]) for row in figures} - set(ends)
        if missing:
            ends.update(_cycle_ends(missing))
        forecasts = cycle_forecast.forecast_columns(ids, starts, ends)
        rows = [(*row, ends[(row[0], row[1])], *forecasts[row[:3]]) for row in figures]
        _bulk_insert(
            CycleUsage,
            [*CYCLE_USAGE_COLUMNS, "cycle_end", *cycle_forecast.FORECAST_COLUMNS],
            rows,
        )


def _cycle_ends(cycles: set[tuple[int, date]]) -> dict[tuple[int, date], date]:
    """Last day of each (customer, cycle start), from the customer's subscriptions; a
    cycle they no longer explain ends on the last day of the month after its start."""
    terms: dict[int, list[rules.SubscriptionTerms]] = defaultdict(list)
    subscriptions = (
        Subscription.objects.unscoped()
        .filter(customer_id__in={c for c, _s in cycles})
        .exclude(status=Subscription.Status.PENDING_SETUP)
        .values_list(
            "customer_id",
            "pk",
            "start_date",
            "end_date",
            "agent_model",
            "standard_agents",
            "premium_agents",
            "addon_ivr_ports",
        )
    )
    for customer_id, pk, start, end, model, standard, premium, ports in subscriptions:
        terms[customer_id].append(
            rules.SubscriptionTerms(pk, start, end, start.day, model, standard, premium, ports)
        )
    ends = {}
    for customer_id, start in cycles:
        cycle = rules.customer_billing_cycle(terms[customer_id], start)
        if cycle is None or cycle[0] != start:
            cycle = rules.billing_cycle(start.day, start)
        ends[(customer_id, start)] = cycle[1]
    return ends


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
