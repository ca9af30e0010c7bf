"""The evidence of a daily usage row (SPEC §5, §6 "Disputes"): the witnesses of its count.

Pure rules next to ``usage.rules``: plain values in, plain values out. Each function
answers "why this number" for one row type, and the number of witnesses it returns is the
row's Units Used (``tests/usage/test_evidence.py`` holds them equal to the reference
counters of ``usage.rules`` and to the engine's stored rows):

- named agents: every agent counted on that day of the cycle, with the first day it was
  seen in the cycle and, for a premium agent, the session that made it premium;
- concurrent agents: the quarter-hour that set the day's peak of that type, and for each
  agent counted there its sessions in the four periods and its presence in each;
- IVR ports: the minute that set the day's peak and the sessions overlapping it.

Timestamps are timezone-aware and in UTC (as the database returns them). Sessions are
``NamedTuple`` records rather than the validating dataclasses of ``usage.rules``: a day
of a large customer has tens of thousands of them, read straight from the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from usage.rules import (
    COUNTING_PERIODS,
    DAY,
    MINUTE,
    PRESENCE_THRESHOLD,
    SAMPLING_PERIOD,
    day_start,
)

ZERO = timedelta(0)


class AgentSessionRecord(NamedTuple):
    session_id: str
    agent_id: str
    premium: bool
    login_at: datetime
    logout_at: datetime

    @property
    def license(self) -> str:
        return "premium" if self.premium else "standard"


class IvrSessionRecord(NamedTuple):
    session_id: str
    started_at: datetime
    ended_at: datetime


def _overlap(start: datetime, end: datetime, window_start: datetime, window_end: datetime):
    return max(ZERO, min(end, window_end) - max(start, window_start))


def _first_session(sessions: Iterable[AgentSessionRecord]) -> AgentSessionRecord:
    """The earliest login; on a tie the lowest session id, so the answer is stable."""
    return min(sessions, key=lambda s: (s.login_at, s.session_id))


# --- Named agents ---------------------------------------------------------------------


@dataclass(frozen=True)
class NamedAgentWitness:
    """An agent counted on a day of the cycle: why it is counted, and why premium."""

    agent_id: str
    first_seen: date  # first day of the cycle one of its sessions overlaps
    premium: bool
    premium_session: AgentSessionRecord | None  # the first premium session in the cycle
    premium_since: date | None  # the first day of the cycle it counted as premium
    sessions: int  # its sessions overlapping the cycle's first day .. the day


def named_agent_witnesses(
    sessions: Iterable[AgentSessionRecord], cycle_start: date, day: date, *, premium: bool
) -> list[NamedAgentWitness]:
    """Agents counted on ``day`` of the cycle starting ``cycle_start`` as premium (or as
    standard), by agent id: every agent with a session overlapping the cycle's first day
    through ``day``; premium when any of those sessions was premium."""
    if day < cycle_start:
        raise ValueError("day lies before the cycle start")
    window_start, window_end = day_start(cycle_start), day_start(day + DAY)
    by_agent: dict[str, list[AgentSessionRecord]] = defaultdict(list)
    for session in sessions:
        if _overlap(session.login_at, session.logout_at, window_start, window_end):
            by_agent[session.agent_id].append(session)

    def first_day(session: AgentSessionRecord) -> date:
        return max(cycle_start, session.login_at.date())

    witnesses = []
    for agent_id in sorted(by_agent):
        agent_sessions = by_agent[agent_id]
        premium_sessions = [s for s in agent_sessions if s.premium]
        if bool(premium_sessions) != premium:
            continue
        made_premium = _first_session(premium_sessions) if premium_sessions else None
        witnesses.append(
            NamedAgentWitness(
                agent_id=agent_id,
                first_seen=first_day(_first_session(agent_sessions)),
                premium=premium,
                premium_session=made_premium,
                premium_since=first_day(made_premium) if made_premium else None,
                sessions=len(agent_sessions),
            )
        )
    return witnesses


# --- Concurrent agents ----------------------------------------------------------------


@dataclass(frozen=True)
class PeriodPresence:
    """An agent in one quarter-hour: logged in for how long, and present (>= 60 s)."""

    period_start: datetime
    logged_in: timedelta

    @property
    def period_end(self) -> datetime:
        return self.period_start + SAMPLING_PERIOD

    @property
    def present(self) -> bool:
        return self.logged_in >= PRESENCE_THRESHOLD


@dataclass(frozen=True)
class ConcurrentAgentWitness:
    agent_id: str
    premium: bool
    presence: tuple[PeriodPresence, ...]  # periods p-3, p-2, p-1 and p
    sessions: tuple[AgentSessionRecord, ...]  # its sessions overlapping those periods


@dataclass(frozen=True)
class ConcurrentEvidence:
    """The quarter-hour p that set the day's peak of one type (None when nobody was
    counted all day), and the agents of that type counted at p."""

    peak_period: datetime | None
    witnesses: tuple[ConcurrentAgentWitness, ...]

    @property
    def window(self) -> tuple[datetime, datetime] | None:
        """Start of period p-3 and end of period p: the four periods counted."""
        if self.peak_period is None:
            return None
        lookback = (COUNTING_PERIODS - 1) * SAMPLING_PERIOD
        return self.peak_period - lookback, self.peak_period + SAMPLING_PERIOD


def _union(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _touched_periods(start: datetime, end: datetime, first: datetime, count: int) -> range:
    """Indexes of the periods (``count`` of them from ``first``) that [start, end) overlaps."""
    if end <= start:
        return range(0)
    low = max(0, (start - first) // SAMPLING_PERIOD)
    high = min(count, -((first - end) // SAMPLING_PERIOD))  # ceiling division
    return range(low, high)


def concurrent_agent_evidence(
    sessions: Iterable[AgentSessionRecord], day: date, *, premium: bool
) -> ConcurrentEvidence:
    """The day's peak of premium (or standard) concurrent agents, and its witnesses.

    Same rules as ``usage.rules.concurrent_agents_by_period``: presence uses the union of
    an agent's sessions; an agent is counted at p when present in p-3..p, premium when a
    premium session overlaps those four periods. The peak is the first quarter-hour
    starting in ``day`` with the highest count of the type.
    """
    lookback = COUNTING_PERIODS - 1
    n_periods = lookback + DAY // SAMPLING_PERIOD
    first = day_start(day) - lookback * SAMPLING_PERIOD
    window_end = first + n_periods * SAMPLING_PERIOD

    by_agent: dict[str, list[AgentSessionRecord]] = defaultdict(list)
    for session in sessions:
        if _overlap(session.login_at, session.logout_at, first, window_end):
            by_agent[session.agent_id].append(session)

    logged_in: dict[str, list[timedelta]] = {}
    premium_in: dict[str, list[bool]] = {}
    for agent_id, agent_sessions in by_agent.items():
        seconds = [ZERO] * n_periods
        for start, end in _union([(s.login_at, s.logout_at) for s in agent_sessions]):
            for i in _touched_periods(start, end, first, n_periods):
                period_start = first + i * SAMPLING_PERIOD
                seconds[i] += _overlap(start, end, period_start, period_start + SAMPLING_PERIOD)
        flags = [False] * n_periods
        for s in agent_sessions:
            if s.premium:
                for i in _touched_periods(s.login_at, s.logout_at, first, n_periods):
                    flags[i] = True
        logged_in[agent_id] = seconds
        premium_in[agent_id] = flags

    def counted_at(agent_id: str, p: int) -> bool:
        """Counted at period index p, as the type asked for."""
        seconds = logged_in[agent_id]
        if not all(seconds[i] >= PRESENCE_THRESHOLD for i in range(p - lookback, p + 1)):
            return False
        return any(premium_in[agent_id][p - lookback : p + 1]) == premium

    # Agents present in p-3..p as runs of present periods: only those are checked.
    present_runs: dict[str, list[bool]] = {
        agent: [s >= PRESENCE_THRESHOLD for s in seconds] for agent, seconds in logged_in.items()
    }
    best_count, best_period = 0, None
    for p in range(lookback, n_periods):
        count = 0
        for agent_id, present in present_runs.items():
            if present[p] and counted_at(agent_id, p):
                count += 1
        if count > best_count:
            best_count, best_period = count, p
    if best_period is None:
        return ConcurrentEvidence(peak_period=None, witnesses=())

    p = best_period
    window_start = first + (p - lookback) * SAMPLING_PERIOD
    window_stop = first + (p + 1) * SAMPLING_PERIOD
    witnesses = []
    for agent_id in sorted(by_agent):
        if not counted_at(agent_id, p):
            continue
        presence = tuple(
            PeriodPresence(first + i * SAMPLING_PERIOD, logged_in[agent_id][i])
            for i in range(p - lookback, p + 1)
        )
        in_window = tuple(
            sorted(
                (
                    s
                    for s in by_agent[agent_id]
                    if _overlap(s.login_at, s.logout_at, window_start, window_stop)
                ),
                key=lambda s: (s.login_at, s.session_id),
            )
        )
        witnesses.append(ConcurrentAgentWitness(agent_id, premium, presence, in_window))
    return ConcurrentEvidence(peak_period=first + p * SAMPLING_PERIOD, witnesses=tuple(witnesses))


# --- IVR ports ------------------------------------------------------------------------


@dataclass(frozen=True)
class IvrEvidence:
    """The minute that set the day's peak of IVR ports (None when no session touched the
    day), and the sessions overlapping it: one port each."""

    peak_minute: datetime | None
    witnesses: tuple[IvrSessionRecord, ...]


def ivr_port_evidence(sessions: Iterable[IvrSessionRecord], day: date) -> IvrEvidence:
    """The first UTC minute of ``day`` with the most IVR sessions overlapping it (with
    positive length), and those sessions, as ``usage.rules.ivr_ports_by_minute`` counts."""
    sessions = list(sessions)
    start_of_day = day_start(day)
    end_of_day = start_of_day + DAY
    minutes = DAY // MINUTE
    # A difference array over the day's minutes: +1 where a session starts occupying
    # ports, -1 after its last minute. Linear in the sessions, whatever their length.
    change = [0] * (minutes + 1)
    for session in sessions:
        start = max(session.started_at, start_of_day)
        end = min(session.ended_at, end_of_day)
        if end <= start:
            continue
        change[(start - start_of_day) // MINUTE] += 1
        change[-((start_of_day - end) // MINUTE)] -= 1
    best_count, best_minute, running = 0, None, 0
    for minute in range(minutes):
        running += change[minute]
        if running > best_count:
            best_count, best_minute = running, minute
    if best_minute is None:
        return IvrEvidence(peak_minute=None, witnesses=())
    peak = start_of_day + best_minute * MINUTE
    witnesses = tuple(
        sorted(
            (s for s in sessions if _overlap(s.started_at, s.ended_at, peak, peak + MINUTE)),
            key=lambda s: (s.started_at, s.session_id),
        )
    )
    return IvrEvidence(peak_minute=peak, witnesses=witnesses)
