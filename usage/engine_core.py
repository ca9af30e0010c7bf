"""Vectorised usage counters: the rules of ``usage.rules`` over many customers at once.

One nightly run covers thousands of customers and millions of sessions, so nothing here
loops per session or per customer: sessions are flat numpy arrays and customers are
integer indexes ``0..n_customers-1`` chosen by the caller. Every time is int64 UTC epoch
seconds and a day is named by its midnight (a multiple of 86 400). Daily results are
``(n_customers, n_days)`` int64 arrays whose column ``d`` is the day starting at
``day0_epoch + d * 86_400``; per-minute and per-period results have 1440 or 96 columns
per day in the same order.

Interval arithmetic keeps the cost proportional to the number of sessions rather than to
the time they cover: intervals of different (customer, agent) groups are laid out in one
global key space, ``group * stride + offset``, with a gap between groups so that sorting,
merging and intersecting them in one pass never mixes two agents.

Sessions are taken as given: dropping re-posted duplicates (same session id) is the job
of ingestion. Duplicate agent sessions are harmless; a duplicated IVR session counts twice,
exactly as in ``usage.rules.ivr_ports_used``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import ArrayLike, NDArray

IntArray = NDArray[np.int64]

SECONDS_PER_DAY = 86_400
SECONDS_PER_MINUTE = 60
MINUTES_PER_DAY = 1_440
PERIOD_SECONDS = 900  # UTC quarter-hours are the concurrent-agent sampling periods
PERIODS_PER_DAY = 96
PRESENCE_SECONDS = 60
COUNTING_PERIODS = 4  # counted at p when present in p-3, p-2, p-1 and p
LOOKBACK = COUNTING_PERIODS - 1
NEVER = np.iinfo(np.int64).max  # "no such day" in first-day arrays
# Bound on the cells of one (customers, minutes) difference array, so that a month of
# IVR sessions for thousands of customers is counted a few days at a time.
_MAX_MINUTE_CELLS = 1 << 24
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def epoch_midnight(day: date) -> int:
    """Epoch seconds of 00:00 UTC on ``day`` (how days are passed to this module)."""
    return (day.toordinal() - _EPOCH_ORDINAL) * SECONDS_PER_DAY


def day_of(epoch_midnight_seconds: int) -> date:
    """Inverse of :func:`epoch_midnight`."""
    return date.fromordinal(_EPOCH_ORDINAL + epoch_midnight_seconds // SECONDS_PER_DAY)


# --- input checks ---------------------------------------------------------------------


def _ints(values: ArrayLike) -> IntArray:
    return np.asarray(values, dtype=np.int64).ravel()


def _check_window(day0_epoch: int, n_days: int, n_customers: int) -> None:
    if day0_epoch % SECONDS_PER_DAY:
        raise ValueError("day0_epoch must be a UTC midnight")
    if n_days < 1 or n_customers < 0:
        raise ValueError("need n_days >= 1 and n_customers >= 0")


def _check_sessions(customer: IntArray, n_customers: int, *columns: NDArray) -> None:
    if any(len(column) != len(customer) for column in columns):
        raise ValueError("session arrays differ in length")
    if len(customer) and (customer.min() < 0 or customer.max() >= n_customers):
        raise ValueError("customer index out of range")


def _check_intervals(start: IntArray, end: IntArray) -> None:
    if np.any(end < start):
        raise ValueError("a session ends before it starts")


# --- interval helpers -----------------------------------------------------------------


def _union(starts: IntArray, ends: IntArray) -> tuple[IntArray, IntArray]:
    """Union of half-open intervals: sorted, disjoint, non-touching ``[start, end)``.

    Touching intervals merge, which is harmless for lengths and lets the same helper turn
    adjacent integer ranges into runs.
    """
    if len(starts) == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    opens = np.ones(len(starts), dtype=bool)
    opens[1:] = starts[1:] > reach[:-1]
    first = np.flatnonzero(opens)
    last = np.append(first[1:] - 1, len(starts) - 1)
    return starts[first], reach[last]


def _intersection(
    a_starts: IntArray, a_ends: IntArray, b_starts: IntArray, b_ends: IntArray
) -> tuple[IntArray, IntArray]:
    """Intersection of two unions of disjoint half-open intervals, by a depth sweep."""
    positions = np.concatenate([a_starts, b_starts, a_ends, b_ends])
    if len(positions) == 0:
        return positions, positions
    opening = len(a_starts) + len(b_starts)
    steps = np.where(np.arange(len(positions)) < opening, 1, -1)
    order = np.argsort(positions, kind="stable")
    positions, depth = positions[order], np.cumsum(steps[order])
    # Depth after every event at one position is what holds until the next position.
    settled = np.append(positions[1:] != positions[:-1], True)
    positions, depth = positions[settled], depth[settled]
    inside_both = depth[:-1] == 2
    return positions[:-1][inside_both], positions[1:][inside_both]


def _pack(customer: IntArray, agent: IntArray) -> tuple[IntArray, int]:
    """One int64 key per (customer, agent) pair, and the agent span used to build it."""
    if len(agent) and agent.min() < 0:
        raise ValueError("agent indexes must not be negative")
    span = int(agent.max()) + 1 if len(agent) else 1
    if len(customer) and int(customer.max()) >= NEVER // span:
        raise ValueError("too many (customer, agent) pairs to pack into int64")
    return customer * span + agent, span


def _count_ranges(
    rows: IntArray, starts: IntArray, ends: IntArray, n_rows: int, n_columns: int
) -> IntArray:
    """How many ``[start, end)`` column ranges cover each cell of an (n_rows, n_columns) grid.

    Difference array: +1 where a range opens, -1 where it closes, cumulative sum along rows.
    """
    width = n_columns + 1
    size = n_rows * width
    delta = np.bincount(rows * width + starts, minlength=size) - np.bincount(
        rows * width + ends, minlength=size
    )
    return np.cumsum(delta.reshape(n_rows, width)[:, :n_columns], axis=1)


def _daily_max(per_slot: IntArray, n_customers: int, n_days: int) -> IntArray:
    slots_per_day = per_slot.shape[1] // n_days
    return per_slot.reshape(n_customers, n_days, slots_per_day).max(axis=2, initial=0)


# --- IVR ports ------------------------------------------------------------------------


@dataclass(frozen=True)
class _MinuteRanges:
    """IVR sessions as the minutes they occupy, ``[first, after_last)`` in epoch minutes.

    A session occupies a port in every UTC minute it overlaps with positive length:
    minutes ``floor(start / 60) .. ceil(end / 60) - 1``; a zero-length session none.
    """

    customer: IntArray
    first: IntArray
    after_last: IntArray

    @classmethod
    def of(
        cls, customer_idx: ArrayLike, started_at: ArrayLike, ended_at: ArrayLike, n_customers: int
    ) -> _MinuteRanges:
        customer, start, end = _ints(customer_idx), _ints(started_at), _ints(ended_at)
        _check_sessions(customer, n_customers, start, end)
        _check_intervals(start, end)
        occupied = end > start
        return cls(
            customer=customer[occupied],
            first=np.floor_divide(start[occupied], SECONDS_PER_MINUTE),
            after_last=-np.floor_divide(-end[occupied], SECONDS_PER_MINUTE),
        )

    def ports_per_minute(self, origin_epoch: int, n_minutes: int, n_customers: int) -> IntArray:
        """Ports in use per customer in each of ``n_minutes`` minutes from ``origin_epoch``."""
        origin = origin_epoch // SECONDS_PER_MINUTE
        lo = np.clip(self.first - origin, 0, n_minutes)
        hi = np.clip(self.after_last - origin, 0, n_minutes)
        inside = hi > lo
        return _count_ranges(self.customer[inside], lo[inside], hi[inside], n_customers, n_minutes)


def ivr_ports_by_minute(
    customer_idx: ArrayLike,
    started_at: ArrayLike,
    ended_at: ArrayLike,
    *,
    day0_epoch: int,
    n_days: int,
    n_customers: int,
) -> IntArray:
    """IVR ports in use per customer and minute: an (n_customers, n_days * 1440) array."""
    _check_window(day0_epoch, n_days, n_customers)
    sessions = _MinuteRanges.of(customer_idx, started_at, ended_at, n_customers)
    return sessions.ports_per_minute(day0_epoch, n_days * MINUTES_PER_DAY, n_customers)


def _day_chunks(n_days: int, n_customers: int) -> Iterator[tuple[int, int]]:
    per_chunk = max(1, _MAX_MINUTE_CELLS // max(1, n_customers * MINUTES_PER_DAY))
    for first in range(0, n_days, per_chunk):
        yield first, min(n_days, first + per_chunk)


def ivr_ports_by_day(
    customer_idx: ArrayLike,
    started_at: ArrayLike,
    ended_at: ArrayLike,
    *,
    day0_epoch: int,
    n_days: int,
    n_customers: int,
) -> IntArray:
    """IVR ports used per customer and day: the highest count over the day's minutes.

    Per-minute counts come from a difference array (+1 where a session's minutes begin,
    -1 after they end, cumulative sum), built a few days at a time so that a month-long
    backfill for thousands of customers stays within a bounded amount of memory.
    """
    _check_window(day0_epoch, n_days, n_customers)
    sessions = _MinuteRanges.of(customer_idx, started_at, ended_at, n_customers)
    ports = np.zeros((n_customers, n_days), dtype=np.int64)
    for first_day, end_day in _day_chunks(n_days, n_customers):
        per_minute = sessions.ports_per_minute(
            day0_epoch + first_day * SECONDS_PER_DAY,
            (end_day - first_day) * MINUTES_PER_DAY,
            n_customers,
        )
        ports[:, first_day:end_day] = _daily_max(per_minute, n_customers, end_day - first_day)
    return ports


# --- concurrent agents ----------------------------------------------------------------


def _presence_runs(
    group: IntArray, start: IntArray, end: IntArray, n_periods: int
) -> tuple[IntArray, IntArray]:
    """Runs of consecutive periods in which each group is present, as period-key ranges.

    ``start``/``end`` are seconds from the first period, clipped to the window, with
    ``end > start``. Keys are ``group * (n_periods + 1) + period``. An agent is present
    when logged in >= 60 s of the period; only the first and last period of each merged
    login can be partial, so only those need their seconds summed.
    """
    time_stride = n_periods * PERIOD_SECONDS + 1
    key_starts, key_ends = _union(group * time_stride + start, group * time_stride + end)
    group = key_starts // time_stride
    start, end = key_starts - group * time_stride, key_ends - group * time_stride

    period_stride = n_periods + 1
    first = start // PERIOD_SECONDS
    last = (end - 1) // PERIOD_SECONDS
    first_seconds = np.minimum(end, (first + 1) * PERIOD_SECONDS) - start
    last_seconds = np.where(last > first, end - last * PERIOD_SECONDS, 0)
    # Interleaved (first, last) per login is already sorted by key: logins are disjoint.
    edge_keys = np.stack([first, last], axis=1).ravel() + np.repeat(group * period_stride, 2)
    edge_seconds = np.stack([first_seconds, last_seconds], axis=1).ravel()
    if len(edge_keys):
        run_starts = np.flatnonzero(np.append(True, edge_keys[1:] != edge_keys[:-1]))
        edge_keys = edge_keys[run_starts]
        edge_seconds = np.add.reduceat(edge_seconds, run_starts)
    present_edges = edge_keys[edge_seconds >= PRESENCE_SECONDS]

    has_middle = last > first + 1
    middle_base = group[has_middle] * period_stride
    return _union(
        np.concatenate([middle_base + first[has_middle] + 1, present_edges]),
        np.concatenate([middle_base + last[has_middle], present_edges + 1]),
    )


def _premium_windows(
    group: IntArray, start: IntArray, end: IntArray, n_periods: int
) -> tuple[IntArray, IntArray]:
    """Period keys p at which a premium session touches the window p-3..p.

    A session touching periods a..b overlaps the four periods ending at p iff
    a <= p <= b + 3, clipped so the range stays inside its group's key band.
    """
    period_stride = n_periods + 1
    base = group * period_stride
    first = start // PERIOD_SECONDS
    after_last = np.minimum((end - 1) // PERIOD_SECONDS + 1 + LOOKBACK, n_periods)
    return _union(base + first, base + after_last)


def concurrent_agents_by_period(
    customer_idx: ArrayLike,
    agent_idx: ArrayLike,
    premium: ArrayLike,
    login_at: ArrayLike,
    logout_at: ArrayLike,
    *,
    day0_epoch: int,
    n_days: int,
    n_customers: int,
) -> tuple[IntArray, IntArray]:
    """Concurrent agents counted (standard, premium) per customer and quarter-hour.

    Two (n_customers, n_days * 96) arrays; column ``i`` is the period starting at
    ``day0_epoch + i * 900``.

    Per (customer, agent): union of its sessions (overlapping sessions are one login),
    runs of present quarter-hours, counted at p when p is at least three periods into a
    run; premium at p when a premium session touches p-3..p. Counts per (customer,
    period) come from a difference array over the counted ranges, so the work is
    proportional to the sessions, not to the hours they cover. Sessions should include
    those of the 45 minutes before ``day0_epoch`` (they decide the first periods).
    """
    customer, agent = _ints(customer_idx), _ints(agent_idx)
    is_premium = np.asarray(premium, dtype=bool).ravel()
    login, logout = _ints(login_at), _ints(logout_at)
    _check_window(day0_epoch, n_days, n_customers)
    _check_sessions(customer, n_customers, agent, is_premium, login, logout)
    _check_intervals(login, logout)

    n_reported = n_days * PERIODS_PER_DAY
    n_periods = n_reported + LOOKBACK
    window_start = day0_epoch - LOOKBACK * PERIOD_SECONDS
    window_length = n_periods * PERIOD_SECONDS
    start = np.clip(login - window_start, 0, window_length)
    end = np.clip(logout - window_start, 0, window_length)
    inside = end > start
    pair, span = _pack(customer[inside], agent[inside])
    pairs, group = np.unique(pair, return_inverse=True)
    group_customer = pairs // span
    start, end, is_premium = start[inside], end[inside], is_premium[inside]

    counted_starts, counted_ends = _presence_runs(group, start, end, n_periods)
    long_enough = counted_ends - counted_starts >= COUNTING_PERIODS
    counted_starts = counted_starts[long_enough] + LOOKBACK
    counted_ends = counted_ends[long_enough]
    premium_starts, premium_ends = _intersection(
        counted_starts,
        counted_ends,
        *_premium_windows(group[is_premium], start[is_premium], end[is_premium], n_periods),
    )

    period_stride = n_periods + 1

    def per_period(key_starts: IntArray, key_ends: IntArray) -> IntArray:
        owner = key_starts // period_stride
        offset = owner * period_stride + LOOKBACK  # reported period 0 is window period 3
        return _count_ranges(
            group_customer[owner], key_starts - offset, key_ends - offset, n_customers, n_reported
        )

    counted = per_period(counted_starts, counted_ends)
    premium_counted = per_period(premium_starts, premium_ends)
    return counted - premium_counted, premium_counted


def concurrent_agents_by_day(
    customer_idx: ArrayLike,
    agent_idx: ArrayLike,
    premium: ArrayLike,
    login_at: ArrayLike,
    logout_at: ArrayLike,
    *,
    day0_epoch: int,
    n_days: int,
    n_customers: int,
) -> tuple[IntArray, IntArray]:
    """Concurrent agents used (standard, premium) per customer and day.

    The day's usage of each type is its highest count over the periods starting that day,
    standard and premium maxima taken separately.
    """
    standard, premium_counted = concurrent_agents_by_period(
        customer_idx,
        agent_idx,
        premium,
        login_at,
        logout_at,
        day0_epoch=day0_epoch,
        n_days=n_days,
        n_customers=n_customers,
    )
    return (
        _daily_max(standard, n_customers, n_days),
        _daily_max(premium_counted, n_customers, n_days),
    )


# --- named agents ---------------------------------------------------------------------


@dataclass(frozen=True)
class NamedAgentFirstDays:
    """Per (customer, agent) seen in a cycle: the first day it was seen, and as premium.

    Days are epoch midnights; ``first_premium`` is ``NEVER`` for agents never premium in
    the cycle. This is all a cycle's named counts depend on, so it can be stored and
    grown night by night with :func:`merge_named_first_days` instead of re-reading the
    whole cycle's sessions.
    """

    customer: IntArray
    agent: IntArray
    first_seen: IntArray
    first_premium: IntArray

    def __len__(self) -> int:
        return len(self.customer)


def _first_days_by_pair(
    customer: IntArray, agent: IntArray, first_seen: IntArray, first_premium: IntArray
) -> NamedAgentFirstDays:
    pair, span = _pack(customer, agent)
    if len(pair) == 0:
        return NamedAgentFirstDays(pair, pair, pair, pair)
    order = np.argsort(pair, kind="stable")
    pair = pair[order]
    heads = np.flatnonzero(np.append(True, pair[1:] != pair[:-1]))
    return NamedAgentFirstDays(
        customer=pair[heads] // span,
        agent=pair[heads] % span,
        first_seen=np.minimum.reduceat(first_seen[order], heads),
        first_premium=np.minimum.reduceat(first_premium[order], heads),
    )


def named_agent_first_days(
    customer_idx: ArrayLike,
    agent_idx: ArrayLike,
    premium: ArrayLike,
    login_at: ArrayLike,
    logout_at: ArrayLike,
    *,
    cycle_start: ArrayLike,
    until: ArrayLike,
) -> NamedAgentFirstDays:
    """First day each agent was seen in its customer's cycle, up to day ``until``.

    ``cycle_start`` and ``until`` are per-customer epoch midnights (arrays of length
    n_customers); the days ``cycle_start``..``until`` are inclusive. A session counts on
    every day it overlaps with positive length, so its first day in the cycle is
    ``max(its first day, cycle_start)``.
    """
    customer, agent = _ints(customer_idx), _ints(agent_idx)
    is_premium = np.asarray(premium, dtype=bool).ravel()
    login, logout = _ints(login_at), _ints(logout_at)
    cycle_starts, untils = _ints(cycle_start), _ints(until)
    if len(cycle_starts) != len(untils):
        raise ValueError("cycle_start and until differ in length")
    _check_sessions(customer, len(cycle_starts), agent, is_premium, login, logout)
    _check_intervals(login, logout)

    first_day = np.floor_divide(login, SECONDS_PER_DAY) * SECONDS_PER_DAY
    last_day = np.floor_divide(logout - 1, SECONDS_PER_DAY) * SECONDS_PER_DAY
    session_cycle_start, session_until = cycle_starts[customer], untils[customer]
    seen = (logout > login) & (first_day <= session_until) & (last_day >= session_cycle_start)
    first_seen = np.maximum(first_day, session_cycle_start)[seen]
    first_premium = np.where(is_premium[seen], first_seen, NEVER)
    return _first_days_by_pair(customer[seen], agent[seen], first_seen, first_premium)


def merge_named_first_days(*parts: NamedAgentFirstDays) -> NamedAgentFirstDays:
    """Combine first days of the same cycles computed from different batches of sessions."""
    if not parts:
        raise ValueError("nothing to merge")
    return _first_days_by_pair(
        np.concatenate([part.customer for part in parts]),
        np.concatenate([part.agent for part in parts]),
        np.concatenate([part.first_seen for part in parts]),
        np.concatenate([part.first_premium for part in parts]),
    )


def named_counts_from_first_days(
    first_days: NamedAgentFirstDays, *, day0_epoch: int, n_days: int, n_customers: int
) -> tuple[IntArray, IntArray]:
    """Named agents used (standard, premium) on each day, from one cycle's first days.

    On day d an agent counts once seen (first_seen <= d) and counts as premium from its
    first premium day on. Valid for days inside the cycle the first days belong to.
    """
    _check_window(day0_epoch, n_days, n_customers)
    rows = first_days.customer
    _check_sessions(rows, n_customers)

    def cumulative(first: IntArray) -> IntArray:
        # Seen before the window: counts from column 0; after it (or NEVER): not at all.
        window_end = day0_epoch + n_days * SECONDS_PER_DAY
        column = (np.clip(first, day0_epoch, window_end) - day0_epoch) // SECONDS_PER_DAY
        return _count_ranges(rows, column, np.full_like(column, n_days), n_customers, n_days)

    seen, premium = cumulative(first_days.first_seen), cumulative(first_days.first_premium)
    return seen - premium, premium


def named_agents_by_day(
    customer_idx: ArrayLike,
    agent_idx: ArrayLike,
    premium: ArrayLike,
    login_at: ArrayLike,
    logout_at: ArrayLike,
    *,
    cycle_start: ArrayLike,
    day0_epoch: int,
    n_days: int,
    n_customers: int,
) -> tuple[IntArray, IntArray]:
    """Named agents used (standard, premium) per customer and day, from scratch.

    ``cycle_start`` is an (n_customers, n_days) array of epoch midnights: the start of the
    cycle each reported day belongs to (usually constant along a row; it changes where a
    new cycle begins inside the window); an (n_customers,) array when one cycle per
    customer covers the window. Sessions must cover every cycle from its start.
    Loops once per cycle change inside the window (at most a handful), never per customer.

    For nightly work it is cheaper to keep :class:`NamedAgentFirstDays` per cycle, merge
    in the new day's sessions and call :func:`named_counts_from_first_days`.
    """
    _check_window(day0_epoch, n_days, n_customers)
    cycle_starts = np.asarray(cycle_start, dtype=np.int64)
    if cycle_starts.ndim == 1:
        cycle_starts = cycle_starts[:, np.newaxis]
    cycle_starts = np.broadcast_to(cycle_starts, (n_customers, n_days))
    days = day0_epoch + SECONDS_PER_DAY * np.arange(n_days, dtype=np.int64)
    if np.any(cycle_starts > days) or np.any(cycle_starts % SECONDS_PER_DAY):
        raise ValueError("cycle starts must be midnights no later than their days")

    changes = np.zeros((n_customers, n_days), dtype=np.int64)
    changes[:, 1:] = cycle_starts[:, 1:] != cycle_starts[:, :-1]
    segment = np.cumsum(changes, axis=1)
    standard = np.zeros((n_customers, n_days), dtype=np.int64)
    premium_used = np.zeros((n_customers, n_days), dtype=np.int64)
    for k in range(int(segment.max(initial=0)) + 1):
        in_segment = segment == k
        has_segment = in_segment.any(axis=1)
        first_column = in_segment.argmax(axis=1)
        last_column = n_days - 1 - in_segment[:, ::-1].argmax(axis=1)
        rows = np.arange(n_customers)
        # Customers without a k-th cycle get an empty span: no session can match it.
        segment_start = np.where(has_segment, cycle_starts[rows, first_column], NEVER)
        segment_until = np.where(has_segment, days[last_column], -NEVER)
        first_days = named_agent_first_days(
            customer_idx,
            agent_idx,
            premium,
            login_at,
            logout_at,
            cycle_start=segment_start,
            until=segment_until,
        )
        k_standard, k_premium = named_counts_from_first_days(
            first_days, day0_epoch=day0_epoch, n_days=n_days, n_customers=n_customers
        )
        standard = np.where(in_segment, k_standard, standard)
        premium_used = np.where(in_segment, k_premium, premium_used)
    return standard, premium_used
