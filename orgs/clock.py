"""The portal's calendar day. Billing cycles, trial deadlines, usage days and reminders all
count in UTC days (SPEC: usage days are UTC), whatever language or zone a reader uses, so
every "today" in the portal is this one."""

from __future__ import annotations

from datetime import date

from django.utils import timezone


def today() -> date:
    """Today's date in UTC (settings.TIME_ZONE is UTC; `timezone.now()` is what tests
    travel with)."""
    return timezone.now().date()
