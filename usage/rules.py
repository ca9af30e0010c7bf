"""Pure business rules of usage billing (SPEC §3 and §5): cycles, entitlements, counting.

Plain values in, plain values out: no Django, no database, no clock. The usage counters
at the bottom are the slow, obviously-correct reference that ``usage.engine_core`` is held
equal to by property tests; the nightly job uses the engine, never these loops.
"""

from __future__ import annotations

import calendar
import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal, NamedTuple

# The longest session the platform accepts (SPEC §4): what a day's reads look back for.
MAX_SESSION = timedelta(days=7)

AgentModel = Literal["named", "concurrent"]
NAMED: AgentModel = "named"
CONCURRENT: AgentModel = "concurrent"

PREMIUM_NAMED_AGENT = "Premium Named Agent"
STANDARD_NAMED_AGENT = "Standard Named Agent"
PREMIUM_CONCURRENT_AGENT = "Premium Concurrent Agent"
STANDARD_CONCURRENT_AGENT = "Standard Concurrent Agent"
IVR_PORT = "IVR Port"
USAGE_TYPES = (
    PREMIUM_NAMED_AGENT,
    STANDARD_NAMED_AGENT,
    PREMIUM_CONCURRENT_AGENT,
    STANDARD_CONCURRENT_AGENT,
    IVR_PORT,
)
# (premium type, standard type) of each agent model.
AGENT_USAGE_TYPES: dict[AgentModel, tuple[str, str]] = {
    NAMED: (PREMIUM_NAMED_AGENT, STANDARD_NAMED_AGENT),
    CONCURRENT: (PREMIUM_CONCURRENT_AGENT, STANDARD_CONCURRENT_AGENT),
}
LICENSES = "Licenses"
PORTS = "Ports"
OVERAGE_PEAK = "Overage peak"

IVR_PORTS_PER_AGENT_LICENCE = 2
VOICE_CONTACTS_PER_AGENT = 3
SAMPLING_PERIOD = timedelta(minutes=15)
PRESENCE_THRESHOLD = timedelta(seconds=60)
COUNTING_PERIODS = 4  # present in p-3, p-2, p-1 and p
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


# --- Billing cycles -------------------------------------------------------------------


def _check_billing_day(billing_day: int) -> None:
    if not 1 <= billing_day <= 31:
        raise ValueError(f"billing day must be 1..31, got {billing_day}")


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    year_delta, month_index = divmod(month - 1 + months, 12)
    return year + year_delta, month_index + 1


def _cycle_start_in_month(billing_day: int, year: int, month: int) -> date:
    """Day B of the month, or the month's last day when the month is shorter than B."""
    return date(year, month, min(billing_day, calendar.monthrange(year, month)[1]))


def billing_cycle(billing_day: int, on: date) -> tuple[date, date]:
    """The billing cycle (first day, last day; both inclusive) that contains ``on``.

    A cycle runs from billing day B of one month to the day before B of the next; in a
    month shorter than B it starts on that month's last day (B = 31: Jan 31 – Feb 27,
    Feb 28 – Mar 30, Mar 31 – Apr 29 in a non-leap year).
    """
    _check_billing_day(billing_day)
    start = _cycle_start_in_month(billing_day, on.year, on.month)
    if on < start:
        start = _cycle_start_in_month(billing_day, *_add_months(on.year, on.month, -1))
    next_start = _cycle_start_in_month(billing_day, *_add_months(start.year, start.month, 1))
    return start, next_start - DAY


# --- Entitlements ---------------------------------------------------------------------


def voice_entitlement(
    standard_commit: int,
    premium_commit: int,
    addon_ivr_ports: int,
    surge_percent: int | Decimal = 0,
) -> int:
    """Maximum concurrent voice contacts: floor((3 × agents + add-on ports) × (1 + surge%)).

    Computed with exact fractions because a float gets floors wrong: 100 × 1.15 is
    114.999… in binary floating point, which would floor to 114 instead of 115.
    """
    if isinstance(surge_percent, float):
        raise TypeError("surge_percent must be an int or a Decimal; a float is not exact")
    if min(standard_commit, premium_commit, addon_ivr_ports) < 0 or surge_percent < 0:
        raise ValueError("commitments and surge must not be negative")
    base = VOICE_CONTACTS_PER_AGENT * (standard_commit + premium_commit) + addon_ivr_ports
    return math.floor(base * (1 + Fraction(surge_percent) / 100))


# --- Subscriptions --------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionTerms:
    """What the usage rules need to know about one subscription."""

    id: int
    start: date
    end: date | None  # last active day (inclusive); None while open-ended
    billing_day: int
    agent_model: AgentModel
    standard_commit: int
    premium_commit: int
    addon_ivr_ports: int

    def __post_init__(self) -> None:
        _check_billing_day(self.billing_day)
        if self.end is not None and self.end < self.start:
            raise ValueError(f"subscription {self.id} ends before it starts")
        if self.agent_model not in AGENT_USAGE_TYPES:
            raise ValueError(f"unknown agent model {self.agent_model!r}")

    def is_active(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    @property
    def seniority(self) -> tuple[date, int]:
        """Sort key of the primary rule: earliest start, then lowest id."""
        return self.start, self.id


@dataclass(frozen=True)
class Commitments:
    """Commitments summed over every subscription active on one day."""

    standard: int = 0
    premium: int = 0
    addon_ivr_ports: int = 0


def active_subscriptions(subs: Iterable[SubscriptionTerms], day: date) -> list[SubscriptionTerms]:
    """Subscriptions active on ``day`` (start and end dates inclusive), oldest first."""
    return sorted((sub for sub in subs if sub.is_active(day)), key=lambda sub: sub.seniority)


def primary_subscription(subs: Iterable[SubscriptionTerms], day: date) -> SubscriptionTerms | None:
    """The subscription overage is billed to on ``day``: the oldest active one."""
    active = active_subscriptions(subs, day)
    return active[0] if active else None


def _primary_since(subs: Sequence[SubscriptionTerms], primary: SubscriptionTerms) -> date:
    """First day of ``primary``'s current stretch as primary.

    Every older subscription started no later than ``primary``, so ``primary`` takes over
    the day after the last of them ends, and nothing younger can take it back.
    """
    older = [sub for sub in subs if sub.seniority < primary.seniority]
    takeovers = [sub.end + DAY for sub in older if sub.end is not None]
    return max([primary.start, *takeovers])


def customer_billing_cycle(
    subs: Iterable[SubscriptionTerms], day: date
) -> tuple[date, date] | None:
    """The customer's billing cycle containing ``day``; None when nothing is active.

    The cycle follows the billing day of the primary subscription on ``day``. When the
    primary changes the cycles must not overlap (a day is billed once), so the outgoing
    primary's last cycle ends on its end date and the incoming primary's first cycle
    starts on the day it became primary; later cycles follow its billing day in full.
    """
    subs = list(subs)
    primary = primary_subscription(subs, day)
    if primary is None:
        return None
    start, end = billing_cycle(primary.billing_day, day)
    start = max(start, _primary_since(subs, primary))
    if primary.end is not None:
        end = min(end, primary.end)
    return start, end


def commitments_on(subs: Iterable[SubscriptionTerms], day: date) -> Commitments:
    """Entitlements summed over every subscription active on ``day``."""
    active = active_subscriptions(subs, day)
    return Commitments(
        standard=sum(sub.standard_commit for sub in active),
        premium=sum(sub.premium_commit for sub in active),
        addon_ivr_ports=sum(sub.addon_ivr_ports for sub in active),
    )


# --- Substitution and overage ---------------------------------------------------------


@dataclass(frozen=True)
class Substitution:
    """One day's premium-for-standard substitution and the resulting agent overage."""

    unused_premium: int
    standard_excess: int
    substituted: int  # shown on the Standard row
    standard_overage: int
    premium_overage: int


def substitution(
    standard_commit: int, premium_commit: int, standard_used: int, premium_used: int
) -> Substitution:
    """Unused premium licences cover standard excess; standard never covers premium."""
    unused_premium = max(0, premium_commit - premium_used)
    standard_excess = max(0, standard_used - standard_commit)
    substituted = min(unused_premium, standard_excess)
    return Substitution(
        unused_premium=unused_premium,
        standard_excess=standard_excess,
        substituted=substituted,
        standard_overage=standard_excess - substituted,
        premium_overage=max(0, premium_used - premium_commit),
    )


def ivr_commitment(
    standard_commit: int,
    premium_commit: int,
    standard_overage: int,
    premium_overage: int,
    addon_ivr_ports: int,
) -> int:
    """Ports included on a day: every agent licence, committed or overage, brings two."""
    licences = standard_commit + premium_commit + standard_overage + premium_overage
    return IVR_PORTS_PER_AGENT_LICENCE * licences + addon_ivr_ports


def ivr_overage(used: int, commitment: int) -> int:
    return max(0, used - commitment)


# --- Reference usage counters ---------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    # Normalising matters: arithmetic between datetimes sharing one zoneinfo tzinfo
    # ignores DST offsets, so all comparisons and differences are done in UTC.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC)


def day_start(day: date) -> datetime:
    """00:00 UTC of ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _overlap(
    start: datetime, end: datetime, window_start: datetime, window_end: datetime
) -> timedelta:
    return max(timedelta(0), min(end, window_end) - max(start, window_start))


@dataclass(frozen=True)
class AgentSession:
    agent_id: str
    premium: bool
    login_at: datetime
    logout_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "login_at", _utc(self.login_at))
        object.__setattr__(self, "logout_at", _utc(self.logout_at))
        if self.logout_at < self.login_at:
            raise ValueError("logout before login")


@dataclass(frozen=True)
class IvrSession:
    started_at: datetime
    ended_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "started_at", _utc(self.started_at))
        object.__setattr__(self, "ended_at", _utc(self.ended_at))
        if self.ended_at < self.started_at:
            raise ValueError("IVR session ends before it starts")


class AgentsUsed(NamedTuple):
    standard: int
    premium: int


def named_agents_used(sessions: Iterable[AgentSession], cycle_start: date, day: date) -> AgentsUsed:
    """Distinct agents with a session overlapping days ``cycle_start``..``day``.

    An agent with any premium session in that span is counted once, as premium.
    """
    if day < cycle_start:
        raise ValueError("day lies before the cycle start")
    window_start, window_end = day_start(cycle_start), day_start(day + DAY)
    premium_by_agent: dict[str, bool] = {}
    for session in sessions:
        if _overlap(session.login_at, session.logout_at, window_start, window_end):
            seen_premium = premium_by_agent.get(session.agent_id, False)
            premium_by_agent[session.agent_id] = seen_premium or session.premium
    premium = sum(premium_by_agent.values())
    return AgentsUsed(standard=len(premium_by_agent) - premium, premium=premium)


def _union(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _is_present(logged_in: list[tuple[datetime, datetime]], period_start: datetime) -> bool:
    period_end = period_start + SAMPLING_PERIOD
    seconds = sum((_overlap(*span, period_start, period_end) for span in logged_in), timedelta())
    return seconds >= PRESENCE_THRESHOLD


def concurrent_agents_by_period(sessions: Iterable[AgentSession], day: date) -> list[AgentsUsed]:
    """Concurrent agents counted at each of the 96 quarter-hours that start in ``day``.

    Presence uses the union of an agent's sessions, so two overlapping sessions of one
    agent are one login. Periods p-3..p-1 of the day's first periods lie in the day before.
    """
    sessions_by_agent: dict[str, list[AgentSession]] = {}
    for session in sessions:
        sessions_by_agent.setdefault(session.agent_id, []).append(session)

    lookback = COUNTING_PERIODS - 1
    periods_per_day = DAY // SAMPLING_PERIOD
    periods = [day_start(day) + i * SAMPLING_PERIOD for i in range(-lookback, periods_per_day)]
    presence = {
        agent: [
            _is_present(_union((s.login_at, s.logout_at) for s in agent_sessions), period)
            for period in periods
        ]
        for agent, agent_sessions in sessions_by_agent.items()
    }

    counts = []
    for i in range(lookback, len(periods)):
        window_start, window_end = periods[i - lookback], periods[i] + SAMPLING_PERIOD
        standard = premium = 0
        for agent, agent_sessions in sessions_by_agent.items():
            if not all(presence[agent][i - lookback : i + 1]):
                continue
            if any(
                s.premium and _overlap(s.login_at, s.logout_at, window_start, window_end)
                for s in agent_sessions
            ):
                premium += 1
            else:
                standard += 1
        counts.append(AgentsUsed(standard=standard, premium=premium))
    return counts


def concurrent_agents_used(sessions: Iterable[AgentSession], day: date) -> AgentsUsed:
    """The day's usage: highest standard and highest premium count, taken separately."""
    counts = concurrent_agents_by_period(sessions, day)
    return AgentsUsed(
        standard=max(count.standard for count in counts),
        premium=max(count.premium for count in counts),
    )


def _minutes_touched(start: datetime, end: datetime) -> Iterator[datetime]:
    """Starts of the minutes that [start, end) overlaps with positive length."""
    if end <= start:
        return
    minute = start.replace(second=0, microsecond=0)
    while minute < end:
        yield minute
        minute += MINUTE


def ivr_ports_by_minute(sessions: Iterable[IvrSession], day: date) -> list[int]:
    """IVR sessions overlapping each of the 1440 UTC minutes of ``day``."""
    window_start, window_end = day_start(day), day_start(day + DAY)
    ports_by_minute: Counter[datetime] = Counter()
    for session in sessions:
        start = max(session.started_at, window_start)
        end = min(session.ended_at, window_end)
        ports_by_minute.update(_minutes_touched(start, end))
    return [ports_by_minute[window_start + i * MINUTE] for i in range(DAY // MINUTE)]


def ivr_ports_used(sessions: Iterable[IvrSession], day: date) -> int:
    """The day's usage: the highest per-minute count of IVR ports."""
    return max(ivr_ports_by_minute(sessions, day))


# --- Daily detail ---------------------------------------------------------------------


@dataclass(frozen=True)
class DailyDetailRow:
    """One row of the reconciliation table (one day, one usage type)."""

    usage_date: date
    usage_type: str
    units_used: int
    units_commitment: int
    units_substituted: int
    units_overage: int
    usage_unit: str
    comment: str = ""


def daily_detail_rows(
    day: date,
    agent_model: AgentModel,
    commitments: Commitments,
    standard_used: int,
    premium_used: int,
    ivr_used: int,
) -> tuple[DailyDetailRow, DailyDetailRow, DailyDetailRow]:
    """The premium agent, standard agent and IVR port rows of one day (no comments yet)."""
    premium_type, standard_type = AGENT_USAGE_TYPES[agent_model]
    agents = substitution(commitments.standard, commitments.premium, standard_used, premium_used)
    ports_included = ivr_commitment(
        commitments.standard,
        commitments.premium,
        agents.standard_overage,
        agents.premium_overage,
        commitments.addon_ivr_ports,
    )
    return (
        DailyDetailRow(
            usage_date=day,
            usage_type=premium_type,
            units_used=premium_used,
            units_commitment=commitments.premium,
            units_substituted=0,
            units_overage=agents.premium_overage,
            usage_unit=LICENSES,
        ),
        DailyDetailRow(
            usage_date=day,
            usage_type=standard_type,
            units_used=standard_used,
            units_commitment=commitments.standard,
            units_substituted=agents.substituted,
            units_overage=agents.standard_overage,
            usage_unit=LICENSES,
        ),
        DailyDetailRow(
            usage_date=day,
            usage_type=IVR_PORT,
            units_used=ivr_used,
            units_commitment=ports_included,
            units_substituted=0,
            units_overage=ivr_overage(ivr_used, ports_included),
            usage_unit=PORTS,
        ),
    )


def mark_overage_peaks(
    rows: Iterable[DailyDetailRow], cycle_of: Callable[[date], Hashable]
) -> list[DailyDetailRow]:
    """Rows in the same order, the peak of each (cycle, usage type) commented ``Overage peak``.

    The peak is the first day that reached the cycle's highest daily overage of that type,
    marked only when that overage is above zero. ``cycle_of`` maps a usage date to its
    cycle (for example its cycle start). A stale ``Overage peak`` comment is cleared, so
    recomputing after late events moves the mark instead of duplicating it.
    """
    rows = list(rows)
    seen: set[tuple[date, str]] = set()
    peak_index: dict[tuple[Hashable, str], int] = {}
    for index, row in enumerate(rows):
        if (row.usage_date, row.usage_type) in seen:
            raise ValueError(f"two {row.usage_type} rows on {row.usage_date}")
        seen.add((row.usage_date, row.usage_type))
        key = (cycle_of(row.usage_date), row.usage_type)
        best = peak_index.get(key)
        if best is None or _beats(row, rows[best]):
            peak_index[key] = index
    peaks = {index for index in peak_index.values() if rows[index].units_overage > 0}
    return [
        replace(row, comment=_peak_comment(row.comment, index in peaks))
        for index, row in enumerate(rows)
    ]


def _beats(row: DailyDetailRow, best: DailyDetailRow) -> bool:
    """Higher overage wins; on a tie the earlier day keeps the peak."""
    return (row.units_overage, best.usage_date) > (best.units_overage, row.usage_date)


def _peak_comment(comment: str, is_peak: bool) -> str:
    if is_peak:
        return OVERAGE_PEAK
    return "" if comment == OVERAGE_PEAK else comment


def billed_overage(rows: Iterable[DailyDetailRow]) -> dict[str, int]:
    """Billed overage per usage type of one cycle's rows: the highest daily overage."""
    billed: dict[str, int] = {}
    for row in rows:
        billed[row.usage_type] = max(billed.get(row.usage_type, 0), row.units_overage)
    return billed
