"""Overage alerts, one package: `rules` (which thresholds a day crosses; pure), `models`
(each customer's thresholds and the alerts raised; imported by usage/models.py) and
`services` (changing the thresholds, evaluating a computed day).

The pure rules are re-exported here; import the models and services from their modules
(this package is imported before the app registry is ready)."""

from usage.alerts.rules import (
    ANY_OVERAGE,
    FORECAST_ABOVE,
    forecast_crossed,
    percent_threshold,
    thresholds_crossed,
)

__all__ = [
    "ANY_OVERAGE",
    "FORECAST_ABOVE",
    "forecast_crossed",
    "percent_threshold",
    "thresholds_crossed",
]
