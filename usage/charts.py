"""Small server-side SVG charts of a cycle's daily usage against commitment: no
JavaScript, no CDN, readable by screen readers through the SVG title and description."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 300
HEIGHT = 110
PAD_LEFT = 28
PAD_BOTTOM = 16
PAD_TOP = 6
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
    warning colour) and the commitment as a stepped line. Days not computed yet stay empty."""
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
    for index in range(n_days):
        day = by_day.get(start + timedelta(days=index))
        if day is None:
            continue
        x = PAD_LEFT + index * slot + (slot - bar_w) / 2
        within = min(day.used, day.commitment)
        if within:
            parts.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(y(within))}" width="{_fmt(bar_w)}" '
                f'height="{_fmt(y(0) - y(within))}" fill="{USED_COLOUR}"/>'
            )
        if day.used > day.commitment:
            parts.append(
                f'<rect class="over" x="{_fmt(x)}" y="{_fmt(y(day.used))}" '
                f'width="{_fmt(bar_w)}" height="{_fmt(y(day.commitment) - y(day.used))}" '
                f'fill="{OVERAGE_COLOUR}"/>'
            )
        left, right = PAD_LEFT + index * slot, PAD_LEFT + (index + 1) * slot
        steps.append(
            f"{_fmt(left)},{_fmt(y(day.commitment))} {_fmt(right)},{_fmt(y(day.commitment))}"
        )
    if steps:
        parts.append(
            f'<polyline class="commitment" points="{" ".join(steps)}" fill="none" '
            f'stroke="{COMMITMENT_COLOUR}" stroke-width="1.5" stroke-dasharray="4 2"/>'
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
    axis = (
        f'<line x1="{PAD_LEFT}" y1="{_fmt(y(0))}" x2="{WIDTH - 2}" y2="{_fmt(y(0))}" '
        f'stroke="#999" stroke-width="1"/>'
        f'<text x="{PAD_LEFT - 3}" y="{_fmt(y(top) + 8)}" text-anchor="end" '
        f'font-size="9">{top}</text>'
        f'<text x="{PAD_LEFT - 3}" y="{_fmt(y(0))}" text-anchor="end" font-size="9">0</text>'
        f'<text x="{PAD_LEFT}" y="{HEIGHT - 3}" font-size="9">{start:%d %b}</text>'
        f'<text x="{WIDTH - 2}" y="{HEIGHT - 3}" text-anchor="end" font-size="9">'
        f"{end:%d %b}</text>"
    )
    id_attr = f' id="{escape(chart_id)}"' if chart_id else ""
    return mark_safe(  # noqa: S308 - every interpolated text is escaped or numeric
        f'<svg{id_attr} class="usage-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="{escape(chart_id)}-t">'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f"<desc>{escape(description)}</desc>{axis}{''.join(parts)}</svg>"
    )
