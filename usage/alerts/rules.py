"""Overage alert rules: which thresholds one day's usage crosses. Pure, no database."""

from __future__ import annotations

ANY_OVERAGE = "overage"
# The forecast's low end (its 10th percentile) is above the commitment: overage is coming.
FORECAST_ABOVE = "forecast"


def percent_threshold(percent: int) -> str:
    return str(percent)


def thresholds_crossed(
    *,
    used: int,
    commitment: int,
    overage: int,
    percents: list[int],
    on_overage: bool,
) -> list[str]:
    """The threshold keys one day of one usage type reaches: every percentage of the
    commitment that the units used reach, and `overage` when anything is billed above
    the commitment. Nothing used, nothing to alert about."""
    if used <= 0:
        return []
    crossed = [
        percent_threshold(percent)
        for percent in sorted(set(percents))
        if commitment == 0 or used * 100 >= percent * commitment
    ]
    if on_overage and overage > 0:
        crossed.append(ANY_OVERAGE)
    return crossed


def forecast_crossed(*, forecast_low: int, days_left: int, on_forecast: bool) -> bool:
    """Whether a cycle's forecast calls for the "forecast to exceed commitment" alert: the
    forecast's low end (`forecast_low`, in units of billed overage) is above the
    commitment, while days are left to act on it (release agents, buy licences)."""
    return on_forecast and days_left > 0 and forecast_low > 0
