"""Small server-side SVG charts of a cycle's daily usage against commitment: no
JavaScript, no CDN, readable by screen readers through the SVG title and description."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# User units; the chart scales to its card (about 260-360 px), so 11-unit text reads
# at 9.5-13 px.
WIDTH = 320
HEIGHT = 150
PAD_LEFT = 34
PAD_BOTTOM = 20
PAD_TOP = 10
FONT = 11
USED_COLOUR = "#3c71f7"
OVERAGE_COLOUR = "#d24317"
COMMITMENT_COLOUR = "#373c44"


@dataclass(frozen=True)
class ChartDay:
    usage_date: date
    used: int
    commitment: int


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def usage_chart(
    days: Iterable[ChartDay], *, start: date, end: date, title: str, chart_id: str = ""
) -> SafeString:
    """Bars of daily usage over the cycle `start`..`end` (the part above commitment in a
    warning colour) and the commitment as a stepped line, with a legend; each bar tells
    its day's figures on hover, and a table of the same figures serves screen readers
    and anyone who wants the numbers. Days not computed yet stay empty."""
    by_day = {day.usage_date: day for day in days if start <= day.usage_date <= end}
    n_days = (end - start).days + 1
    top = max(
        [1, *(max(d.used, d.commitment) for d in by_day.values())],
    )
    plot_w = WIDTH - PAD_LEFT - 2
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / n_days
    bar_w = max(1.0, slot * 0.7)

    def y(value: float) -> float:
        return PAD_TOP + plot_h - plot_h * value / top

    parts: list[str] = []
    steps: list[str] = []
    rows: list[str] = []
    for index in range(n_days):
        day = by_day.get(start + timedelta(days=index))
        if day is None:
            continue
        x = PAD_LEFT + index * slot + (slot - bar_w) / 2
        within = min(day.used, day.commitment)
        over = max(0, day.used - day.commitment)
        tip = escape(
            _("%(day)s: %(used)s used, %(commitment)s committed, %(over)s above")
            % {"day": f"{day.usage_date:%Y-%m-%d}", "used": day.used,
               "commitment": day.commitment, "over": over}
        )
        bar = []
        if within:
            bar.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(y(within))}" width="{_fmt(bar_w)}" '
                f'height="{_fmt(y(0) - y(within))}" fill="{USED_COLOUR}"/>'
            )
        if over:
            bar.append(
                f'<rect class="over" x="{_fmt(x)}" y="{_fmt(y(day.used))}" '
                f'width="{_fmt(bar_w)}" height="{_fmt(y(day.commitment) - y(day.used))}" '
                f'fill="{OVERAGE_COLOUR}"/>'
            )
        # A transparent hit area the full height of the slot, so a hover finds the day
        # even where its bar is short or empty.
        bar.append(
            f'<rect class="hit" x="{_fmt(PAD_LEFT + index * slot)}" y="{PAD_TOP}" '
            f'width="{_fmt(slot)}" height="{_fmt(plot_h)}" fill="transparent"/>'
        )
        parts.append(f'<g class="day" data-day="{day.usage_date:%Y-%m-%d}"><title>{tip}</title>'
                     f'{"".join(bar)}</g>')
        rows.append(
            f'<tr><td>{day.usage_date:%Y-%m-%d}</td><td class="num">{day.used}</td>'
            f'<td class="num">{day.commitment}</td><td class="num">{over}</td></tr>'
        )
        left, right = PAD_LEFT + index * slot, PAD_LEFT + (index + 1) * slot
        steps.append(
            f"{_fmt(left)},{_fmt(y(day.commitment))} {_fmt(right)},{_fmt(y(day.commitment))}"
        )
    if steps:
        parts.append(
            f'<polyline class="commitment" points="{" ".join(steps)}" fill="none" '
            f'stroke="{COMMITMENT_COLOUR}" stroke-width="1.5" stroke-dasharray="4 2" '
            f'pointer-events="none"/>'
        )
    over_days = sum(1 for d in by_day.values() if d.used > d.commitment)
    description = _(
        "%(days)s of %(total)s days computed; highest daily usage %(peak)s; "
        "%(over)s days above commitment."
    ) % {
        "days": len(by_day),
        "total": n_days,
        "peak": max((d.used for d in by_day.values()), default=0),
        "over": over_days,
    }
    middle = top // 2 if top >= 4 else None
    ticks = [0, top] + ([middle] if middle else [])
    grid = "".join(
        f'<line x1="{PAD_LEFT}" y1="{_fmt(y(v))}" x2="{WIDTH - 2}" y2="{_fmt(y(v))}" '
        f'stroke="#e3e6eb" stroke-width="1"/>'
        f'<text x="{PAD_LEFT - 4}" y="{_fmt(y(v) + FONT * 0.35)}" text-anchor="end" '
        f'font-size="{FONT}" fill="#4b5563">{v}</text>'
        for v in ticks
    )
    axis = (
        f"{grid}"
        f'<line x1="{PAD_LEFT}" y1="{_fmt(y(0))}" x2="{WIDTH - 2}" y2="{_fmt(y(0))}" '
        f'stroke="#9ca3af" stroke-width="1"/>'
        f'<text x="{PAD_LEFT}" y="{HEIGHT - 4}" font-size="{FONT}" fill="#4b5563">'
        f"{start:%Y-%m-%d}</text>"
        f'<text x="{WIDTH - 2}" y="{HEIGHT - 4}" text-anchor="end" font-size="{FONT}" '
        f'fill="#4b5563">{end:%Y-%m-%d}</text>'
    )
    id_attr = f' id="{escape(chart_id)}"' if chart_id else ""
    # Words first: gettext inside an f-string is invisible to makemessages.
    within_words, above_words, commitment_words = (
        _("Used within commitment"), _("Above commitment"), _("Commitment")
    )
    figures_words = _("Figures by day")
    day_words, used_words, committed_words, over_words = (
        _("Day"), _("Used"), _("Committed"), _("Above")
    )
    # Colours by class (portal.css), not style attributes: the production CSP has no
    # 'unsafe-inline' for styles.
    legend = (
        '<ul class="chart-legend" aria-hidden="true">'
        f'<li><span class="swatch used"></span>{escape(within_words)}</li>'
        f'<li><span class="swatch over"></span>{escape(above_words)}</li>'
        f'<li><span class="swatch line"></span>{escape(commitment_words)}</li></ul>'
    )
    table = (
        f'<details class="chart-figures"><summary>{escape(figures_words)}</summary>'
        f'<div class="table-scroll"><table class="striped"><caption class="sr-only">'
        f"{escape(title)}</caption><thead><tr><th>{escape(day_words)}</th>"
        f'<th class="num">{escape(used_words)}</th>'
        f'<th class="num">{escape(committed_words)}</th>'
        f'<th class="num">{escape(over_words)}</th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div></details>'
        if rows else ""
    )
    return mark_safe(  # noqa: S308 - every interpolated text is escaped or numeric
        f'<figure class="chart">'
        f'<svg{id_attr} class="usage-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="{escape(chart_id)}-t '
        f'{escape(chart_id)}-d">'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(description)}</desc>{axis}{"".join(parts)}'
        f"</svg>{legend}{table}</figure>"
    )
