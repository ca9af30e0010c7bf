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

Sessions come in as ``NamedTuple`` records with whole seconds since the Unix epoch (UTC),
as ``usage.engine_core`` counts them, rather than the validating datetime dataclasses of
``usage.rules``: a day of a large customer has tens of thousands of sessions, and parsing
that many timestamps would cost more than the whole answer. Witnesses carry datetimes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

import numpy as np

from usage.rules import COUNTING_PERIODS, DAY, day_start

PERIOD = 15 * 60  # seconds in a sampling period (a UTC quarter-hour)
PRESENT = 60  # seconds logged in that make an agent present in a period
MINUTE = 60
SECONDS_PER_DAY = 86_400


def epoch(day: date) -> int:
    """Seconds since the epoch at 00:00 UTC of ``day``."""
    return int(day_start(day).timestamp())


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def moment(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


class AgentSessionRecord(NamedTuple):
    session_id: str
    agent_id: str
    premium: bool
    login: int  # seconds since the epoch, UTC
    logout: int

    @property
    def license(self) -> str:
        return "premium" if self.premium else "standard"

    @property
    def login_at(self) -> datetime:
        return moment(self.login)

    @property
    def logout_at(self) -> datetime:
        return moment(self.logout)


class IvrSessionRecord(NamedTuple):
    session_id: str
    started: int  # seconds since the epoch, UTC
    ended: int

    @property
    def started_at(self) -> datetime:
        return moment(self.started)

    @property
    def ended_at(self) -> datetime:
        return moment(self.ended)


def _overlap(start: int, end: int, window_start: int, window_end: int) -> int:
    return max(0, min(end, window_end) - max(start, window_start))


def _first_session(sessions: Iterable[AgentSessionRecord]) -> AgentSessionRecord:
    """The earliest login; on a tie the lowest session id, so the answer is stable."""
    return min(sessions, key=lambda s: (s.login, s.session_id))


# --- Named agents ---------------------------------------------------------------------


@dataclass(frozen=True)
class NamedAgentWitness:
    """An agent counted on a day of the cycle: why it is counted, and why premium."""

    agent_id: str
    first_seen: date  # first day of the cycle one of its sessions overlaps
    premium: bool
    premium_session: AgentSessionRecord | None  # the first premium session in the cycle
    premium_since: date | None  # the first day of the cycle it counted as premium


def named_agent_witnesses(
    sessions: Iterable[AgentSessionRecord], cycle_start: date, day: date, *, premium: bool
) -> list[NamedAgentWitness]:
    """Agents counted on ``day`` of the cycle starting ``cycle_start`` as premium (or as
    standard), by agent id: every agent with a session overlapping the cycle's first day
    through ``day``; premium when any of those sessions was premium.

    Only each agent's first session and first premium session decide its witness, so a
    caller may pass just those (``usage.selectors`` does, to read 2 sessions per agent
    rather than a month of them).
    """
    if day < cycle_start:
        raise ValueError("day lies before the cycle start")
    window_start, window_end = epoch(cycle_start), epoch(day + DAY)
    first: dict[str, AgentSessionRecord] = {}
    first_premium: dict[str, AgentSessionRecord] = {}
    for session in sessions:
        if not _overlap(session.login, session.logout, window_start, window_end):
            continue
        key = (session.login, session.session_id)
        agent = session.agent_id
        if agent not in first or key < (first[agent].login, first[agent].session_id):
            first[agent] = session
        if session.premium:
            known = first_premium.get(agent)
            if known is None or key < (known.login, known.session_id):
                first_premium[agent] = session

    def first_day(session: AgentSessionRecord) -> date:
        return max(cycle_start, moment(session.login).date())

    witnesses = []
    for agent_id in sorted(first):
        made_premium = first_premium.get(agent_id)
        if (made_premium is not None) != premium:
            continue
        witnesses.append(
            NamedAgentWitness(
                agent_id=agent_id,
                first_seen=first_day(first[agent_id]),
                premium=premium,
                premium_session=made_premium,
                premium_since=first_day(made_premium) if made_premium else None,
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
        return self.period_start + timedelta(seconds=PERIOD)

    @property
    def present(self) -> bool:
        return self.logged_in >= timedelta(seconds=PRESENT)


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
        lookback = timedelta(seconds=(COUNTING_PERIODS - 1) * PERIOD)
        return self.peak_period - lookback, self.peak_period + timedelta(seconds=PERIOD)


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _period_overlaps(starts: np.ndarray, ends: np.ndarray, first: int, n: int) -> np.ndarray:
    """Seconds each [start, end) overlaps each of the ``n`` periods from ``first``:
    one row per span, one column per period."""
    period_starts = first + PERIOD * np.arange(n, dtype=np.int64)
    low = np.maximum(starts[:, None], period_starts[None, :])
    high = np.minimum(ends[:, None], period_starts[None, :] + PERIOD)
    return np.maximum(high - low, 0)


def concurrent_agent_evidence(
    sessions: Iterable[AgentSessionRecord], day: date, *, premium: bool
) -> ConcurrentEvidence:
    """The day's peak of premium (or standard) concurrent agents, and its witnesses.

    Same rules as ``usage.rules.concurrent_agents_by_period``: presence uses the union of
    an agent's sessions; an agent is counted at p when present in p-3..p, premium when a
    premium session overlaps those four periods. The peak is the first quarter-hour
    starting in ``day`` with the highest count of the type. Periods are counted for all
    agents at once (an agent by period matrix): a large customer has a thousand agents.
    """
    lookback = COUNTING_PERIODS - 1
    n_periods = lookback + SECONDS_PER_DAY // PERIOD
    first = epoch(day) - lookback * PERIOD
    window_end = first + n_periods * PERIOD

    by_agent: dict[str, list[AgentSessionRecord]] = defaultdict(list)
    for session in sessions:
        if _overlap(session.login, session.logout, first, window_end):
            by_agent[session.agent_id].append(session)
    if not by_agent:
        return ConcurrentEvidence(peak_period=None, witnesses=())
    agents = sorted(by_agent)

    # Logged-in seconds per agent and period, from the union of each agent's sessions.
    span_agent, span_start, span_end = [], [], []
    premium_agent, premium_start, premium_end = [], [], []
    for index, agent_id in enumerate(agents):
        agent_sessions = by_agent[agent_id]
        for start, end in _union([(s.login, s.logout) for s in agent_sessions]):
            span_agent.append(index)
            span_start.append(start)
            span_end.append(end)
        for s in agent_sessions:
            if s.premium:
                premium_agent.append(index)
                premium_start.append(s.login)
                premium_end.append(s.logout)
    shape = (len(agents), n_periods)
    logged_in = np.zeros(shape, dtype=np.int64)
    overlaps = _period_overlaps(
        np.asarray(span_start, np.int64), np.asarray(span_end, np.int64), first, n_periods
    )
    np.add.at(logged_in, np.asarray(span_agent, np.int64), overlaps)
    premium_in = np.zeros(shape, dtype=bool)
    if premium_agent:
        touched = _period_overlaps(
            np.asarray(premium_start, np.int64), np.asarray(premium_end, np.int64), first, n_periods
        )
        np.logical_or.at(premium_in, np.asarray(premium_agent, np.int64), touched > 0)

    # Counted at p (columns lookback..n-1): present in p-3..p; premium if any of them is.
    present = logged_in >= PRESENT
    counted = np.ones((len(agents), n_periods - lookback), dtype=bool)
    premium_window = np.zeros_like(counted)
    for k in range(COUNTING_PERIODS):
        counted &= present[:, k : n_periods - lookback + k]
        premium_window |= premium_in[:, k : n_periods - lookback + k]
    counted &= premium_window == premium
    counts = counted.sum(axis=0)
    if counts.max() == 0:
        return ConcurrentEvidence(peak_period=None, witnesses=())
    peak = int(np.argmax(counts))  # the first period with the highest count
    p = peak + lookback
    window_start, window_stop = first + peak * PERIOD, first + (p + 1) * PERIOD
    witnesses = []
    for index in np.flatnonzero(counted[:, peak]):
        agent_id = agents[index]
        presence = tuple(
            PeriodPresence(moment(first + i * PERIOD), timedelta(seconds=int(logged_in[index, i])))
            for i in range(peak, p + 1)
        )
        in_window = tuple(
            sorted(
                (
                    s
                    for s in by_agent[agent_id]
                    if _overlap(s.login, s.logout, window_start, window_stop)
                ),
                key=lambda s: (s.login, s.session_id),
            )
        )
        witnesses.append(ConcurrentAgentWitness(agent_id, premium, presence, in_window))
    return ConcurrentEvidence(peak_period=moment(first + p * PERIOD), witnesses=tuple(witnesses))


# --- IVR ports ------------------------------------------------------------------------


@dataclass(frozen=True)
class IvrEvidence:
    """The minute that set the day's peak of IVR ports (None when no session touched the
    day), and the sessions overlapping it: one port each."""

    peak_minute: datetime | None
    witnesses: tuple[IvrSessionRecord, ...]


def ivr_peak_minute(
    starts: Sequence[int] | np.ndarray, ends: Sequence[int] | np.ndarray, day: date
) -> tuple[int, int] | None:
    """(start of the minute, ports) of the first UTC minute of ``day`` with the most IVR
    sessions overlapping it with positive length, as ``usage.rules.ivr_ports_by_minute``
    counts; None when no session touched the day. Sessions as their start and end
    seconds, in two columns: a large customer has 50,000 a day."""
    start_of_day = epoch(day)
    minutes = SECONDS_PER_DAY // MINUTE
    start = np.maximum(np.asarray(starts, dtype=np.int64), start_of_day) - start_of_day
    end = np.minimum(np.asarray(ends, dtype=np.int64), start_of_day + SECONDS_PER_DAY)
    end = end - start_of_day
    occupying = end > start
    # A difference array over the day's minutes: +1 in the minute a session starts
    # occupying a port, -1 after its last minute (a ceiling division).
    first_minute = start[occupying] // MINUTE
    after_last = -((-end[occupying]) // MINUTE)
    change = np.bincount(first_minute, minlength=minutes + 1)[: minutes + 1]
    change = change - np.bincount(after_last, minlength=minutes + 1)[: minutes + 1]
    ports = np.cumsum(change[:minutes])
    if ports.size == 0 or ports.max() <= 0:
        return None
    minute = int(np.argmax(ports))
    return start_of_day + minute * MINUTE, int(ports[minute])


def ivr_port_evidence(sessions: Iterable[IvrSessionRecord], day: date) -> IvrEvidence:
    """The day's peak minute of IVR ports and the sessions overlapping it."""
    sessions = list(sessions)
    peak = ivr_peak_minute([s.started for s in sessions], [s.ended for s in sessions], day)
    if peak is None:
        return IvrEvidence(peak_minute=None, witnesses=())
    minute = peak[0]
    return IvrEvidence(peak_minute=moment(minute), witnesses=ivr_minute_witnesses(sessions, minute))


def ivr_minute_witnesses(
    sessions: Iterable[IvrSessionRecord], minute: int
) -> tuple[IvrSessionRecord, ...]:
    """The sessions overlapping the minute starting at ``minute`` (seconds): a port each."""
    return tuple(
        sorted(
            (s for s in sessions if _overlap(s.started, s.ended, minute, minute + MINUTE)),
            key=lambda s: (s.started, s.session_id),
        )
    )
