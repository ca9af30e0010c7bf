"""Filtering of the partner usage view: one function over the cycle summaries, in SQL,
for the page and its export."""

from __future__ import annotations

from django.db.models import QuerySet

from usage.forms import UsageOverviewFilterForm


def usage_overview_filter(rows: QuerySet, form: UsageOverviewFilterForm) -> QuerySet:
    if not form.is_valid():
        return rows
    data = form.cleaned_data
    if data["q"]:
        rows = rows.filter(customer__name__icontains=data["q"])
    if data["usage_type"]:
        rows = rows.filter(usage_type=data["usage_type"])
    if data["status"] == UsageOverviewFilterForm.ATTENTION:
        rows = rows.filter(status__in=("over", "near"))
    elif data["status"] == UsageOverviewFilterForm.OVER:
        rows = rows.filter(status="over")
    return rows
