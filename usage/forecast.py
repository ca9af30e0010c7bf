"""Forecast of a cycle's billed overage per usage type, with a range: pure, no database.

The billed overage of a usage type is its highest daily overage in the cycle, so the
forecast is the distribution of ``max(billed so far, highest overage still to come)``;
the point figure is its median (the figure with the smallest expected absolute error)
and the range its 10th-90th percentile (`LOW_QUANTILE`, `HIGH_QUANTILE`). The backtest in
``bench/forecast_backtest.py`` holds the method to its figures, and
``bench/forecast_bound.py`` says how far any method could go (BENCHMARKS.md).

What does a day early in the cycle know? Not much about the days to come that the
customer's past does not know better: on day 7 the billed overage so far is already most
of the cycle's, and what is still to come is luck of a known shape (agents who leave and
are replaced, the busiest weekday still ahead, a campaign's burst) plus the odd surprise
no one can see coming (a new team). So each forecast learns the shape of that luck from
the customer's own days, and takes the cycle's own days for what they say: the level
now.

Named agents (`forecast_named`) are cumulative within a cycle: today's count never falls
(worked in net units: used − substituted, against the latest day's commitment, so
licences bought mid-cycle count for the days to come). After the first week nearly every
regular agent has logged in, and what is still to come is new names: replacements of
leavers, agents back from leave, a new team. Their number is a Poisson count whose mean
is the pace of the previous cycles after the same day of the cycle (new agents per agent
counted and per day left), times today's count and the days left. The pace is pooled over
the previous cycles (up to `NAMED_HISTORY_CYCLES`) of both named types: agents come and
go at one pace whatever their licence, and a handful of premium agents alone say too
little. A day that added more than `TEAM_SHARE` of the count at once is a team arriving,
a one-off: it counts at that cap, so one new team does not make every later cycle
expect another (the range, not the point, is where such surprises belong).

Concurrent agents and IVR ports (`forecast_peak`) are billed at the cycle's highest daily
peak: the forecast is the highest daily excess of the days still to come, each drawn from
what its weekday's days have been over the last `PEAK_WINDOW_DAYS` (the previous cycles'
days included), so P(billed <= x) is the product over the days ahead of P(that day <= x),
and a cycle with sixteen weekdays ahead is more likely to rise than one with two. Each
weekday has its level (the median of its days); the busy weekdays (within `BUSY_SPREADS`
spreads of the busiest) share one shape of day, their deviations from their level pooled
(a quiet weekday or weekend keeps its own days), and their levels are drawn a little
towards their common level (a week has one Monday: six Mondays say less than thirty busy
days). The spread is robust (a holiday or an outage widens nothing, and such a day does
not count as a shape of day either), and the days are smoothed by a narrow normal kernel
so the days ahead can go a little beyond the highest seen. The work is on the daily
excess (used − commitment − substituted), not on units used, because the IVR ports
included move with the day's agent overage.

With no history (named: no previous cycle; peaks: fewer than `MIN_PEAK_DAYS` days known,
or too few of some weekday) the forecast cannot learn a pattern: it assumes the cycle goes
on as seen (named agents: no new agents in the first week, whose arrivals are logins, then
half the pace of the last days, at most a quarter more; peaks: the highest excess seen,
with as much again as the days seen varied above it as the range), which cannot overshoot
wildly, and it is flagged `uncertain` for the page to say so.

A series that has been flat forecasts exactly what is billed so far, with no range; a
forecast is never below what is billed so far.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

LOW_QUANTILE = 0.10
HIGH_QUANTILE = 0.90
# Named agents: previous cycles read (of each named type); a day adding more than this
# share of the count (and more than `MIN_DAY_CAP`) is a team arriving, counted at the cap.
NAMED_HISTORY_CYCLES = 3
TEAM_SHARE = 0.05
MIN_DAY_CAP = 2
# A first cycle's range is widened this much around its guess; its first week's arrivals
# are its agents logging in again.
RANGE_WIDENING = 1.5
FIRST_WEEK = 7
# Peaks: days of the past read (six of each weekday); fewer days known than
# `MIN_PEAK_DAYS` (or than a seventh of it of some weekday) is too little to learn from;
# a weekday within `BUSY_SPREADS` spreads of the busiest is a busy day; a day
# `LOW_OUTLIER_SPREADS` below its weekday's level is a holiday or an outage, not the shape
# of a day; a busy weekday's level is drawn towards the busy days' common level as if
# that were `LEVEL_SHRINK` more of its days; the kernel's width in spreads.
PEAK_WINDOW_DAYS = 42
MIN_PEAK_DAYS = 21
BUSY_SPREADS = 1.5
LOW_OUTLIER_SPREADS = 4
LEVEL_SHRINK = 5
KERNEL_WIDTH = 0.7
SQRT2 = math.sqrt(2)

BASIS_FINAL = "final"  # the cycle has no day left: the billed overage is known
BASIS_HISTORY = "history"  # named agents: the previous cycles' growth after this day
BASIS_WEEKDAYS = "weekdays"  # peaks: recent daily peaks by weekday
BASIS_NO_HISTORY = "no_history"  # too little known: the cycle as seen so far


@dataclass(frozen=True)
class DayFigures:
    """One day of one usage type, as the daily detail shows it."""

    usage_date: date
    used: int
    commitment: int
    substituted: int = 0
    overage: int = 0

    @property
    def excess(self) -> int:
        return self.used - self.commitment - self.substituted

    @property
    def net_used(self) -> int:
        """Units the commitment is measured against (substituted units are covered)."""
        return self.used - self.substituted


@dataclass(frozen=True)
class PastCycle:
    """A previous billing cycle of the same customer and usage type."""

    cycle_start: date
    cycle_end: date
    days: Sequence[DayFigures]


@dataclass(frozen=True)
class OverageForecast:
    """Forecast billed overage of one usage type for one cycle, in units."""

    billed_so_far: int
    point: int
    low: int
    high: int
    uncertain: bool
    basis: str

    @property
    def extra(self) -> int:
        """Overage the forecast adds to what is already billed."""
        return self.point - self.billed_so_far


def forecast_overage(
    usage_type: str,
    days: Iterable[DayFigures],
    *,
    cycle_start: date,
    cycle_end: date,
    history: Iterable[PastCycle] = (),
    related_history: Iterable[PastCycle] = (),
) -> OverageForecast:
    """The forecast billed overage of `usage_type` for the cycle `cycle_start`..`cycle_end`
    from its days computed so far and the customer's previous cycles (newest first or
    not: they are sorted). Named agent types use `forecast_named`, which also reads
    `related_history`, the previous cycles of the customer's other named agent type
    (agents come and go at one pace, whatever their licence); the others
    `forecast_peak`."""
    from usage import rules

    if usage_type in (rules.PREMIUM_NAMED_AGENT, rules.STANDARD_NAMED_AGENT):
        return forecast_named(
            days,
            cycle_start=cycle_start,
            cycle_end=cycle_end,
            history=history,
            related_history=related_history,
        )
    return forecast_peak(days, cycle_start=cycle_start, cycle_end=cycle_end, history=history)


def _known(days: Iterable[DayFigures], start: date, end: date) -> list[DayFigures]:
    return sorted((d for d in days if start <= d.usage_date <= end), key=lambda d: d.usage_date)


def _final(billed: int, uncertain: bool = False, basis: str = BASIS_FINAL) -> OverageForecast:
    return OverageForecast(billed, billed, billed, billed, uncertain, basis)


# --- quantiles of a distribution given as P(X <= x) ------------------------------------


def _quantiles(cdf, start: int, stop: int) -> tuple[int, int, int]:
    """(10th, 50th, 90th) percentile of an integer variable start <= X <= stop with
    P(X <= x) = cdf(x), by bisection."""
    found = []
    for wanted in (LOW_QUANTILE, 0.5, HIGH_QUANTILE):
        low, high = start, max(start, stop)
        while low < high:
            middle = (low + high) // 2
            if cdf(middle) >= wanted - 1e-12:
                high = middle
            else:
                low = middle + 1
        found.append(low)
    return found[0], found[1], found[2]


# --- named agents ----------------------------------------------------------------------


def _value_on(days: Sequence[DayFigures], cycle_start: date, index: int) -> int | None:
    """Net count of the last day known on or before day `index` of the cycle."""
    limit = cycle_start + timedelta(days=index)
    value = None
    for day in days:
        if day.usage_date > limit:
            break
        value = day.net_used
    return value


def _poisson_cdf(k: int, mean: float) -> float:
    if k < 0:
        return 0.0
    if mean <= 0:
        return 1.0
    if mean > 50:  # the normal approximation, with continuity correction
        return 0.5 * (1 + math.erf((k + 0.5 - mean) / math.sqrt(2 * mean)))
    term = math.exp(-mean)
    total = term
    for i in range(1, k + 1):
        term *= mean / i
        total += term
    return min(1.0, total)


def _arrivals_after(cycle: PastCycle, t: int) -> tuple[int, int, int] | None:
    """(count on day `t`, new agents after it, days after it) of a previous cycle, a day
    adding more than `TEAM_SHARE` of the count (at least `MIN_DAY_CAP`) counted at that
    cap: a team arriving at once is a one-off, not the pace agents come and go at.
    None when the cycle's days do not reach past day `t`."""
    past_days = _known(cycle.days, cycle.cycle_start, cycle.cycle_end)
    limit = cycle.cycle_start + timedelta(days=t)
    then = None
    for day in past_days:
        if day.usage_date > limit:
            break
        then = day.used
    if then is None or past_days[-1].usage_date <= limit:
        return None
    cap = max(MIN_DAY_CAP, TEAM_SHARE * then)
    highest, new = then, 0
    for day in past_days:
        if day.usage_date > limit:
            new += min(cap, max(0, day.used - highest))
            highest = max(highest, day.used)
    return then, new, (past_days[-1].usage_date - limit).days


def forecast_named(
    days: Iterable[DayFigures],
    *,
    cycle_start: date,
    cycle_end: date,
    history: Iterable[PastCycle] = (),
    related_history: Iterable[PastCycle] = (),
) -> OverageForecast:
    """Named agents: today's count plus the new agents still to come, a Poisson count at
    the pace of the previous cycles after the same day, both named types pooled (module
    docstring)."""
    known = _known(days, cycle_start, cycle_end)
    billed = max((d.overage for d in known), default=0)
    if not known:
        return _final(0, uncertain=True, basis=BASIS_NO_HISTORY)
    last = known[-1]
    t = (last.usage_date - cycle_start).days
    remaining = (cycle_end - last.usage_date).days
    if remaining <= 0:
        return _final(billed)
    count, commitment = last.net_used, last.commitment

    new = exposure = 0
    for cycles in (history, related_history):
        past = sorted(cycles, key=lambda c: c.cycle_start, reverse=True)[:NAMED_HISTORY_CYCLES]
        for cycle in past:
            arrivals = _arrivals_after(cycle, t)
            if arrivals is not None:
                then, arrived, after = arrivals
                new += arrived
                exposure += max(then, 1) * after
    uncertain = exposure == 0
    guess = None
    if uncertain:
        # No previous cycle. The first week's arrivals are mostly the cycle's agents
        # logging in again, not new ones: the point goes on at the pace of the days after
        # the first week (the last seven of them), none yet within it; the range allows
        # the pace of all the days so far. Both taken at half (the first days of a cycle
        # are the steepest), never more than a quarter of the count.
        origin = max(FIRST_WEEK - 1, t - 7)
        since = _value_on(known, cycle_start, origin)
        pace = 0.0
        if t >= FIRST_WEEK and since is not None:
            pace = max(0, count - since) / (t - origin)
        span = (last.usage_date - known[0].usage_date).days
        pace_all = max(0, count - known[0].net_used) / span if span > 0 else 0.0
        mean = min(pace * remaining / 2, count / 4)
        guess = min(max(pace, pace_all) * remaining / 2, count / 4)
    else:
        mean = new / exposure * max(last.used, 1) * remaining

    def cdf(overage: int, mean: float = mean) -> float:
        # P(final overage <= overage): billed so far is a floor, the rest new agents.
        if overage < billed:
            return 0.0
        return _poisson_cdf(overage + commitment - count, mean)

    top = max(mean, guess or 0)
    stop = max(billed, count - commitment) + math.ceil(top + 10 * math.sqrt(top)) + 10
    low, point, high = _quantiles(cdf, billed, stop)
    if guess is not None:  # a first cycle's pace is a guess: a range from it, widened
        low, _, high = _quantiles(lambda overage: cdf(overage, guess), billed, stop)
        low = min(point, max(billed, round(point - RANGE_WIDENING * (point - low))))
        high = max(point, round(point + RANGE_WIDENING * (high - point)))
    basis = BASIS_NO_HISTORY if uncertain else BASIS_HISTORY
    return OverageForecast(billed, point, low, high, uncertain, basis)


# --- daily peaks: concurrent agents, IVR ports -----------------------------------------


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _normal_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / SQRT2))


def forecast_peak(
    days: Iterable[DayFigures],
    *,
    cycle_start: date,
    cycle_end: date,
    history: Iterable[PastCycle] = (),
) -> OverageForecast:
    """Concurrent agents and IVR ports: the highest daily excess still to come, as the
    highest of the remaining days drawn each from its weekday's recent days (module
    docstring)."""
    known = _known(days, cycle_start, cycle_end)
    billed = max((d.overage for d in known), default=0)
    if not known:
        return _final(0, uncertain=True, basis=BASIS_NO_HISTORY)
    last = known[-1]
    remaining = (cycle_end - last.usage_date).days
    if remaining <= 0:
        return _final(billed)
    first = last.usage_date - timedelta(days=PEAK_WINDOW_DAYS - 1)
    series: dict[date, int] = {}
    for cycle in history:
        for day in cycle.days:
            if first <= day.usage_date < cycle_start:
                series[day.usage_date] = day.excess
    for day in known:
        if day.usage_date >= first:
            series[day.usage_date] = day.excess
    by_weekday: dict[int, list[int]] = {weekday: [] for weekday in range(7)}
    for on, excess in series.items():
        by_weekday[on.weekday()].append(excess)
    if len(series) < MIN_PEAK_DAYS or min(len(v) for v in by_weekday.values()) < MIN_PEAK_DAYS // 7:
        # Too little known to learn from: the highest excess seen, and as much again as
        # the days seen have varied at most.
        seen = list(series.values())
        top = max(0, max(seen))
        spread = max(seen) - min(seen)
        return OverageForecast(
            billed, max(billed, top), max(billed, top), max(billed, top + spread), True,
            BASIS_NO_HISTORY,
        )  # fmt: skip
    # Each weekday's level (median), and how far days stray from their weekday's level:
    # a robust spread (holidays and outages do not widen it).
    level = {weekday: _median(values) for weekday, values in by_weekday.items()}
    residuals = [excess - level[on.weekday()] for on, excess in series.items()]
    spread = 1.4826 * _median([abs(r) for r in residuals])
    # The busy weekdays (those within reach of the busiest) share one shape of day: their
    # residuals are pooled, and their levels drawn towards their common level.
    busiest = max(level.values())
    busy = {w for w in range(7) if level[w] >= busiest - BUSY_SPREADS * spread}
    busy_level = _median([v for w in busy for v in by_weekday[w]])
    busy_residuals = [
        excess - level[on.weekday()]
        for on, excess in series.items()
        if on.weekday() in busy and excess - level[on.weekday()] >= -LOW_OUTLIER_SPREADS * spread
    ] or [0]
    days_ahead: dict[int, int] = defaultdict(int)
    for i in range(1, remaining + 1):
        days_ahead[(last.usage_date + timedelta(days=i)).weekday()] += 1
    groups = []  # (days ahead on this weekday, the values such a day takes, kernel width)
    for weekday, n in days_ahead.items():
        if weekday in busy:
            samples = len(by_weekday[weekday])
            centre = (samples * level[weekday] + LEVEL_SHRINK * busy_level) / (
                samples + LEVEL_SHRINK
            )
            values = [centre + r for r in busy_residuals]
        else:
            values = list(by_weekday[weekday])
        groups.append((n, values, KERNEL_WIDTH * spread * len(values) ** -0.2))

    def cdf(overage: int) -> float:
        # P(billed overage <= overage): every day ahead at or below it.
        if overage < billed:
            return 0.0
        p = 1.0
        for n, values, width in groups:
            if width > 0:
                below = sum(_normal_cdf((overage + 0.5 - v) / width) for v in values)
            else:
                below = sum(1 for v in values if v <= overage)
            p *= (below / len(values)) ** n
            if p == 0.0:
                break
        return p

    top = max(max(values) for _n, values, _w in groups)
    stop = max(billed, math.ceil(top + 6 * spread) + 1)
    low, point, high = _quantiles(cdf, billed, stop)
    return OverageForecast(billed, point, low, high, False, BASIS_WEEKDAYS)


# --- Today's straight line (kept as a baseline of the backtest, bench/forecast_backtest.py)


@dataclass(frozen=True)
class TrendSums:
    """What a least-squares line needs; x is days since the cycle start, y the excess."""

    n: int = 0
    sum_x: int = 0
    sum_y: int = 0
    sum_xy: int = 0
    sum_xx: int = 0

    @classmethod
    def of(cls, points: Iterable[tuple[int, int]]) -> TrendSums:
        n = sum_x = sum_y = sum_xy = sum_xx = 0
        for x, y in points:
            n += 1
            sum_x += x
            sum_y += y
            sum_xy += x * y
            sum_xx += x * x
        return cls(n, sum_x, sum_y, sum_xy, sum_xx)


@dataclass(frozen=True)
class Forecast:
    billed_so_far: int
    billed_forecast: int
    slope_per_day: Fraction  # excess units gained (or lost) per day
    projected_last_day: Fraction | None  # the trend's excess on the cycle's last day

    @property
    def extra(self) -> int:
        """Overage the trend adds to what is already billed."""
        return self.billed_forecast - self.billed_so_far


def round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def fit_line(sums: TrendSums) -> tuple[Fraction, Fraction]:
    """(intercept, slope) of the least-squares line; flat through the mean when the days
    cannot give a slope (one day, or all on the same x)."""
    if sums.n == 0:
        return Fraction(0), Fraction(0)
    denominator = sums.n * sums.sum_xx - sums.sum_x * sums.sum_x
    if denominator == 0:
        return Fraction(sums.sum_y, sums.n), Fraction(0)
    slope = Fraction(sums.n * sums.sum_xy - sums.sum_x * sums.sum_y, denominator)
    intercept = (sums.sum_y - slope * sums.sum_x) / sums.n
    return intercept, slope


def _line(sums: TrendSums) -> tuple[int, int, int]:
    """(base, slope numerator, scale): the line's value at x is (base + slope·n·x) / scale.

    With D = nΣx² − (Σx)² and S = nΣxy − ΣxΣy, the value at x is
    (Σy·D − S·Σx + S·n·x) / (n·D); exact integers (the partner view runs this for
    thousands of rows, where Fractions are too slow)."""
    n = sums.n
    denominator = n * sums.sum_xx - sums.sum_x * sums.sum_x
    if denominator == 0:  # one day, or every day on the same x: a flat line
        slope_num, denominator = 0, 1
    else:
        slope_num = n * sums.sum_xy - sums.sum_x * sums.sum_y
    return sums.sum_y * denominator - slope_num * sums.sum_x, slope_num, n * denominator


def billed_forecast_from_sums(
    sums: TrendSums, *, billed_so_far: int, last_x: int, cycle_last_x: int
) -> int:
    """`forecast_from_sums(...).billed_forecast` alone, in integers only."""
    if sums.n == 0 or cycle_last_x <= last_x:
        return billed_so_far
    base, slope_num, scale = _line(sums)
    # A straight line peaks at one end of the remaining days.
    best_x = cycle_last_x if slope_num >= 0 else last_x + 1
    numerator = base + slope_num * sums.n * best_x
    projected = max(0, (2 * numerator + scale) // (2 * scale))  # rounded half up
    return max(billed_so_far, projected)


def forecast_from_sums(
    sums: TrendSums, *, billed_so_far: int, last_x: int, cycle_last_x: int
) -> Forecast:
    """Forecast from the trend sums. `last_x` is the last day computed so far and
    `cycle_last_x` the cycle's last day, both counted in days from the cycle start."""
    n = sums.n
    if n == 0:
        return Forecast(billed_so_far, billed_so_far, Fraction(0), None)
    base, slope_num, scale = _line(sums)
    projected_end = None
    if cycle_last_x > last_x:
        projected_end = Fraction(base + slope_num * n * cycle_last_x, scale)
    return Forecast(
        billed_so_far=billed_so_far,
        billed_forecast=billed_forecast_from_sums(
            sums, billed_so_far=billed_so_far, last_x=last_x, cycle_last_x=cycle_last_x
        ),
        slope_per_day=Fraction(slope_num * n, scale),
        projected_last_day=projected_end,
    )


def forecast_billed_overage(
    days: Iterable[DayFigures], *, cycle_start: date, cycle_end: date
) -> Forecast:
    """The forecast billed overage of one usage type from its days so far in the cycle."""
    days = [day for day in days if cycle_start <= day.usage_date <= cycle_end]
    billed = max((day.overage for day in days), default=0)
    if not days:
        return Forecast(0, 0, Fraction(0), None)
    sums = TrendSums.of(((day.usage_date - cycle_start).days, day.excess) for day in days)
    return forecast_from_sums(
        sums,
        billed_so_far=billed,
        last_x=max((day.usage_date - cycle_start).days for day in days),
        cycle_last_x=(cycle_end - cycle_start).days,
    )
