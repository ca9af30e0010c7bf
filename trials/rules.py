"""Trial rules with no I/O (SPEC §4): dates and deadlines, allowed transitions, which
services may be trialled, and what is due on a given day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

LENGTHS = (30, 60, 90)
DEFAULT_LENGTH = 90
EXTENSION_DAYS = 30
CONSENT_DAYS = 30
GRACE_DAYS = 30
NUMBERS_KEPT_DAYS = 15
DEVICES_DUE_DAYS = 14
WARNING_DAYS = 7

PENDING_CONSENT = "pending_consent"
PENDING_PROVISIONING = "pending_provisioning"
ACTIVE = "active"
GRACE = "grace"
ENDED = "ended"
CONVERTED = "converted"
CANCELLED = "cancelled"
DECLINED = "declined"


# Every status change a trial makes, by name: the statuses it may start from (None: a
# trial being created) and the one it ends in. Services move a trial only through
# `trials.services.common._transition`, which refuses anything not declared here with
# the move's `refusal` (or a general one naming both statuses).
@dataclass(frozen=True)
class Move:
    sources: frozenset[str | None]
    target: str
    refusal: str = ""


MOVES: dict[str, Move] = {
    "start": Move(frozenset({None}), ACTIVE),
    "request_consent": Move(frozenset({None}), PENDING_CONSENT),
    "accept_consent": Move(frozenset({PENDING_CONSENT}), PENDING_PROVISIONING),
    "decline_consent": Move(
        frozenset({PENDING_CONSENT}), DECLINED, _("This trial request was already answered.")
    ),
    "consent_lapsed": Move(frozenset({PENDING_CONSENT}), CANCELLED),
    "provision": Move(frozenset({PENDING_PROVISIONING}), ACTIVE),
    "cancel": Move(
        frozenset({PENDING_CONSENT, PENDING_PROVISIONING}),
        CANCELLED,
        _("Only a pending trial can be cancelled."),
    ),
    "extend": Move(
        frozenset({ACTIVE, GRACE}), ACTIVE, _("Only an active or expired trial can be extended.")
    ),
    "expire": Move(frozenset({ACTIVE}), GRACE),
    "end_grace": Move(frozenset({GRACE}), ENDED),
    "convert": Move(
        frozenset({ACTIVE, GRACE}),
        CONVERTED,
        _("Only an active trial, or one in grace, can be converted."),
    ),
}

# Which statuses a trial may go to from each, as the moves above allow.
TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(m.target for m in MOVES.values() if status in m.sources)
    for status in (
        PENDING_CONSENT,
        PENDING_PROVISIONING,
        ACTIVE,
        GRACE,
        ENDED,
        CONVERTED,
        CANCELLED,
        DECLINED,
    )
}

# Which services each offer's subscription brings: those are "bought" and cannot be trialled.
OFFER_SERVICES: dict[str, frozenset[str]] = {
    "A-FLEX-3-CC": frozenset({"contact_center"}),
    "A-FLEX": frozenset({"meetings", "messaging", "calling"}),
    "A-WX": frozenset({"meetings", "messaging", "calling"}),
    "A-SPK": frozenset({"meetings", "messaging"}),
}


def may_transition(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def end_date(start: dt.date, length_days: int) -> dt.date:
    """The day a trial started on `start` expires: `length_days` later."""
    if length_days not in LENGTHS:
        raise ValueError(f"a trial lasts 30, 60 or 90 days, not {length_days}")
    return start + dt.timedelta(days=length_days)


def extended_end_date(today: dt.date) -> dt.date:
    """Extending sets the end to today + 30 days, whatever was left (65 left → 30)."""
    return today + dt.timedelta(days=EXTENSION_DAYS)


def days_left(end: dt.date | None, today: dt.date) -> int | None:
    return None if end is None else (end - today).days


def consent_deadline(requested_on: dt.date) -> dt.date:
    """The day an unanswered consent request lapses and the trial is cancelled."""
    return requested_on + dt.timedelta(days=CONSENT_DAYS)


def grace_end(end: dt.date) -> dt.date:
    """The day grace ends and users lose access; conversion works until the day before."""
    return end + dt.timedelta(days=GRACE_DAYS)


def grace_days_left(end: dt.date | None, today: dt.date) -> int | None:
    """Days left to convert a trial in grace: conversion works until the day before grace
    ends, so on the end date itself 30 are left."""
    return None if end is None else max((grace_end(end) - today).days, 0)


def numbers_release_date(end: dt.date) -> dt.date:
    """Calling trial numbers are kept 15 days beyond grace, then released."""
    return grace_end(end) + dt.timedelta(days=NUMBERS_KEPT_DAYS)


def devices_due_date(end: dt.date) -> dt.date:
    return end + dt.timedelta(days=DEVICES_DUE_DAYS)


def services_bought(offer_codes: Iterable[str]) -> frozenset[str]:
    bought: set[str] = set()
    for code in offer_codes:
        bought |= OFFER_SERVICES.get(code, frozenset())
    return frozenset(bought)


def services_available(
    all_services: Iterable[str], bought: Iterable[str], trialled_by_others: Iterable[str]
) -> list[str]:
    """A partner may trial only what the customer has not bought and no other partner is
    trialling for that customer. Devices go with any trial."""
    taken = set(bought) | set(trialled_by_others)
    return [s for s in all_services if s == "devices" or s not in taken]


def services_refused(
    requested: Iterable[str], bought: Iterable[str], trialled_by_others: Iterable[str]
) -> list[str]:
    allowed = set(services_available(requested, bought, trialled_by_others))
    return [s for s in requested if s not in allowed]


@dataclass(frozen=True)
class Due:
    """What the daily run owes a trial on `today`."""

    cancel_unconsented: bool = False
    expiring_notice: bool = False
    expire: bool = False
    end_grace: bool = False
    release_numbers: bool = False


def due_on(
    *,
    status: str,
    today: dt.date,
    end: dt.date | None,
    consent_requested_on: dt.date | None,
    notices_sent: frozenset[str] = frozenset(),
    numbers_held: bool = False,
) -> Due:
    """Everything due for a trial on `today`, given what was already done. Running the
    result twice changes nothing the second time: notices sent are not due again."""
    if status == PENDING_CONSENT:
        late = consent_requested_on is not None and today >= consent_deadline(consent_requested_on)
        return Due(cancel_unconsented=late)
    if status in (ACTIVE, GRACE) and end is not None:
        warn_from = end - dt.timedelta(days=WARNING_DAYS)
        return Due(
            expiring_notice="expiring" not in notices_sent and warn_from <= today < end,
            expire=status == ACTIVE and today >= end,
            end_grace=today >= grace_end(end),
        )
    if status == ENDED and end is not None:
        return Due(release_numbers=numbers_held and today >= numbers_release_date(end))
    return Due()


def conversion_lines(standard_agents: int, premium_agents: int) -> list[dict]:
    """The paid order's lines a trial's sizes suggest: its Contact Center agents as named
    agent licences (the partner may change the SKU or the quantities)."""
    lines = []
    if standard_agents:
        lines.append({"sku": "A-FLEX-WCC-S-N", "quantity": standard_agents})
    if premium_agents:
        lines.append({"sku": "A-FLEX-WCC-P-N", "quantity": premium_agents})
    return lines
