"""Trial dates, transitions and what is due, table-driven from SPEC §4."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trials import rules

D = dt.date


@pytest.mark.parametrize(
    ("start", "length", "end"),
    [(D(2025, 1, 1), 30, D(2025, 1, 31)), (D(2025, 1, 1), 90, D(2025, 4, 1))],
)
def test_end_date(start, length, end):
    assert rules.end_date(start, length) == end


def test_only_30_60_90_days():
    with pytest.raises(ValueError):
        rules.end_date(D(2025, 1, 1), 45)


@given(st.dates(max_value=D(9999, 12, 1)), st.integers(min_value=0, max_value=29))
def test_extension_is_today_plus_30_whatever_was_left(today, left):
    """65 left → 30, not 95: the old end date plays no part, so an extension adds
    30 - left days (the guide's rule; dates stay clear of year 9999's end)."""
    old_end = today + dt.timedelta(days=left)
    new_end = rules.extended_end_date(today)
    assert rules.days_left(new_end, today) == 30
    assert (new_end - old_end).days == 30 - left


def test_extension_example_from_the_guide():
    today = D(2025, 3, 1)
    end = today + dt.timedelta(days=65)
    assert rules.days_left(end, today) == 65
    assert rules.days_left(rules.extended_end_date(today), today) == 30


def test_deadlines():
    end = D(2025, 6, 1)
    assert rules.grace_end(end) == D(2025, 7, 1)
    assert rules.numbers_release_date(end) == D(2025, 7, 16)
    assert rules.devices_due_date(end) == D(2025, 6, 15)
    assert rules.consent_deadline(D(2025, 6, 1)) == D(2025, 7, 1)


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("pending_consent", "pending_provisioning", True),
        ("pending_consent", "active", False),
        ("pending_consent", "cancelled", True),
        ("pending_provisioning", "active", True),
        ("active", "grace", True),
        ("active", "converted", True),
        ("grace", "active", True),  # extended during grace
        ("grace", "ended", True),
        ("grace", "converted", True),
        ("ended", "active", False),  # irreversible
        ("ended", "converted", False),
        ("converted", "active", False),
        ("cancelled", "pending_consent", False),
    ],
)
def test_transitions(current, new, allowed):
    assert rules.may_transition(current, new) is allowed


def test_services_available_excludes_bought_and_other_partners_trials():
    bought = rules.services_bought(["A-SPK"])  # meetings + messaging
    assert bought == {"meetings", "messaging"}
    available = rules.services_available(
        ["meetings", "messaging", "calling", "contact_center", "devices"],
        bought,
        trialled_by_others={"calling"},
    )
    assert available == ["contact_center", "devices"]
    assert rules.services_refused(["calling", "contact_center"], bought, {"calling"}) == ["calling"]


END = D(2025, 6, 30)


@pytest.mark.parametrize(
    ("today", "status", "sent", "expected"),
    [
        (D(2025, 6, 22), "active", set(), rules.Due()),
        (D(2025, 6, 23), "active", set(), rules.Due(expiring_notice=True)),
        (D(2025, 6, 23), "active", {"expiring"}, rules.Due()),
        (D(2025, 6, 30), "active", {"expiring"}, rules.Due(expire=True)),
        (D(2025, 7, 10), "grace", {"expiring", "expired"}, rules.Due()),
        (D(2025, 7, 30), "grace", {"expiring", "expired"}, rules.Due(end_grace=True)),
    ],
)
def test_due_on(today, status, sent, expected):
    due = rules.due_on(
        status=status,
        today=today,
        end=END,
        consent_requested_on=None,
        notices_sent=frozenset(sent),
    )
    assert due == expected


def test_consent_lapses_after_30_days():
    asked = D(2025, 1, 1)
    kwargs = {"status": "pending_consent", "end": None, "consent_requested_on": asked}
    assert not rules.due_on(today=D(2025, 1, 30), **kwargs).cancel_unconsented
    assert rules.due_on(today=D(2025, 1, 31), **kwargs).cancel_unconsented


def test_numbers_released_15_days_after_grace():
    kwargs = {"status": "ended", "end": END, "consent_requested_on": None, "numbers_held": True}
    assert not rules.due_on(today=D(2025, 8, 13), **kwargs).release_numbers
    assert rules.due_on(today=D(2025, 8, 14), **kwargs).release_numbers
