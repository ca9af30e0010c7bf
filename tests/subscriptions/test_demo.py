"""The demo's subscription start dates (the seeded demo itself: tests/test_demo.py)."""

import datetime as dt

import pytest


@pytest.mark.parametrize(
    "today", [dt.date(2026, 11, 21), dt.date(2026, 3, 1), dt.date(2024, 12, 31)]
)
@pytest.mark.parametrize("days_ago", [40, 88, 90, 92, 100])
def test_demo_subscriptions_leave_today_inside_a_started_cycle(today, days_ago):
    from subscriptions.demo import demo_start_date
    from usage.rules import billing_cycle

    start = demo_start_date(today, days_ago)
    cycle_start, _end = billing_cycle(start.day, today)
    assert 7 <= (today - cycle_start).days <= 20
    assert 25 <= (today - start).days <= 110
