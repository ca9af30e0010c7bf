"""Filtering of the partner usage view. Its rows are computed per customer from the cycle
summaries (`CycleUsage`), so the filters apply to those rows, once, for the page and its
export."""

from __future__ import annotations

from collections.abc import Iterable

from usage.forms import UsageOverviewFilterForm
from usage.selectors import UsageOverviewRow


def usage_overview_filter(
    rows: Iterable[UsageOverviewRow], form: UsageOverviewFilterForm
) -> list[UsageOverviewRow]:
    rows = list(rows)
    if not form.is_valid():
        return rows
    data = form.cleaned_data
    if data["q"]:
        needle = data["q"].casefold()
        rows = [row for row in rows if needle in row.customer_name.casefold()]
    if data["usage_type"]:
        rows = [row for row in rows if row.usage_type == data["usage_type"]]
    if data["status"] == UsageOverviewFilterForm.ATTENTION:
        rows = [row for row in rows if row.status in ("over", "near")]
    elif data["status"] == UsageOverviewFilterForm.OVER:
        rows = [row for row in rows if row.status == "over"]
    return rows
