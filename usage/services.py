"""Writes of the usage app: storing the events the contact-center platform posts.

A batch is validated whole in Python (no query per record), then stored with one query
to find ids already stored and one bulk insert, all-or-nothing. Every past day an event
touches is marked dirty for the engine, and for named-agent customers so are the later
days of the same cycle (their cumulative counts change too).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import Organization
from subscriptions.models import Sku, Subscription
from usage import locks, rules
from usage.models import AgentSession, DigitalUsage, DirtyDay, IvrSession, NamedCycleState
from usage.rules import MAX_SESSION
from usage.selectors import billable_subscriptions, subscription_terms

MAX_BATCH = 1000
ONE_DAY = timedelta(days=1)
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_ID_LENGTH = 64
LICENSES = {"standard": False, "premium": True}


class BatchTooLarge(Exception):
    """More records than one batch may carry (the API answers 413)."""


class NoActiveSubscription(Exception):
    """The customer has no active contact-center subscription to bill usage to."""


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


# --- validation -----------------------------------------------------------------------


class _Errors:
    """Every bad field of a batch, as `{"sessions[3].logout_at": [reason]}`."""

    def __init__(self, collection: str) -> None:
        self.collection = collection
        self.by_field: dict[str, list[str]] = {}

    def add(self, index: int, field: str, reason: str) -> None:
        name = f"{self.collection}[{index}].{field}" if field else f"{self.collection}[{index}]"
        self.by_field.setdefault(name, []).append(reason)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def is_clean_text(value: str) -> bool:
    """No NUL (PostgreSQL refuses it) and no unpaired surrogate (not UTF-8)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Missing(Exception):
    pass


def _identifier(record: dict, field: str) -> str:
    value = record.get(field)
    if value is None or value == "":
        raise _Missing
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(_("Must be a string."))
    value = str(value)
    if not is_clean_text(value):
        raise ValueError(_("Contains a NUL character or an unpaired surrogate."))
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(_("At most %(n)d characters.") % {"n": MAX_ID_LENGTH})
    return value


def _timestamp(record: dict, field: str, now: datetime) -> datetime:
    value = record.get(field)
    if value is None or value == "":
        raise _Missing
    if not isinstance(value, str) or len(value) < 19 or value[10] not in "Tt ":
        raise ValueError(_("Not an RFC 3339 timestamp (e.g. 2024-06-10T08:30:00Z)."))
    text = value[:-1] + "+00:00" if value[-1] in "Zz" else value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(_("Not an RFC 3339 timestamp (e.g. 2024-06-10T08:30:00Z).")) from None
    if moment.tzinfo is None:
        raise ValueError(
            _("Give a UTC offset (Z or ±hh:mm); a timestamp without one is ambiguous.")
        )
    try:
        moment = moment.astimezone(UTC).replace(microsecond=0)
    except (OverflowError, ValueError):
        raise ValueError(_("Out of range once converted to UTC.")) from None
    if moment.year < 2000:
        raise ValueError(_("Lies before the year 2000."))
    if moment > now + FUTURE_TOLERANCE:
        raise ValueError(_("Lies more than 5 minutes in the future."))
    return moment


def _field(
    errors: _Errors, index: int, record: dict, field: str, parse: Callable[[dict, str], Any]
) -> Any:
    try:
        return parse(record, field)
    except _Missing:
        errors.add(index, field, _("This field is required."))
    except ValueError as exc:
        errors.add(index, field, str(exc))
    return None


def _interval(
    errors: _Errors, index: int, start: datetime | None, end: datetime | None, end_field: str
) -> None:
    if start is None or end is None:
        return
    if end < start:
        errors.add(index, end_field, _("Ends before it starts."))
    elif end - start > MAX_SESSION:
        errors.add(index, end_field, _("A session may last at most 7 days."))


def _records(payload: Any, collection: str) -> list:
    if not isinstance(payload, dict) or not isinstance(payload.get(collection), list):
        raise ValidationError({collection: [_("Send a list of records.")]})
    records = payload[collection]
    if len(records) > MAX_BATCH:
        raise BatchTooLarge(
            _("A batch carries at most %(max)d records; this one has %(n)d. Split it.")
            % {"max": MAX_BATCH, "n": len(records)}
        )
    return records


def _objects(records: list, errors: _Errors, not_an_object: str) -> Iterator[tuple[int, dict]]:
    """The batch's records that are JSON objects, with their index; any other is an error."""
    for index, record in enumerate(records):
        if isinstance(record, dict):
            yield index, record
        else:
            errors.add(index, "", not_an_object)


def _checked(errors: _Errors, rows: list[tuple[int, tuple]]) -> dict[str, tuple]:
    """The batch's rows by id once every record and every repeated id is valid; else the
    whole batch is refused with every bad record named."""
    errors.raise_if_any()
    by_id, _repeats = _dedupe(errors, rows)
    errors.raise_if_any()
    return by_id


def _dedupe(errors: _Errors, rows: list[tuple[int, tuple]]) -> tuple[dict[str, tuple], int]:
    """Rows by id (the first of each), and how many repeated an earlier one exactly."""
    by_id: dict[str, tuple] = {}
    repeats = 0
    for index, row in rows:
        earlier = by_id.get(row[0])
        if earlier is None:
            by_id[row[0]] = row
        elif earlier == row:
            repeats += 1
        else:
            errors.add(index, "id", _("Repeats an id of this batch with different content."))
    return by_id, repeats


def _check_stored(
    errors: _Errors, rows: list[tuple[int, tuple]], stored: Iterable[tuple]
) -> set[str]:
    """Ids already stored; a stored id with other content is an error."""
    stored_by_id = {row[0]: tuple(row) for row in stored}
    for index, row in rows:
        earlier = stored_by_id.get(row[0])
        if earlier is not None and earlier != row:
            errors.add(index, "id", _("This id is already stored with different content."))
    return set(stored_by_id)


def _require_active_subscription(customer: Organization) -> list[rules.SubscriptionTerms]:

    subscriptions = list(billable_subscriptions(customer))
    if not any(s.status == Subscription.Status.ACTIVE for s in subscriptions):
        raise NoActiveSubscription(
            _("This customer has no active contact-center subscription; usage cannot be stored.")
        )
    return subscription_terms(subscriptions)


# --- dirty days -----------------------------------------------------------------------


def _days_touched(start: datetime, end: datetime) -> tuple[date, date]:
    last = end - timedelta(seconds=1) if end > start else end
    return start.date(), max(start.date(), last.date())


def _mark_dirty(
    customer: Organization,
    spans: Iterable[tuple[date, date]],
    terms: list[rules.SubscriptionTerms],
    *,
    today: date,
    named: bool,
) -> None:
    """Mark the past days the spans touch; named customers: to the end of each cycle."""
    yesterday = today - timedelta(days=1)
    days: set[date] = set()
    cycles: set[date] = set()
    for first, last in spans:
        last = min(last, yesterday)
        if named:
            # Counts are cumulative over the cycle: later days of it change too.
            cycle = rules.customer_billing_cycle(terms, last) if first <= last else None
            if cycle is not None:
                cycles.add(cycle[0])
                last = min(cycle[1], yesterday)
            first_cycle = rules.customer_billing_cycle(terms, first) if first <= last else None
            if first_cycle is not None:
                cycles.add(first_cycle[0])
        day = first
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    if not days:
        return
    now = timezone.now()
    if named and cycles:
        # Cycles between the first and the last touched one lose their state as well.
        first_touched = min(days)
        NamedCycleState.objects.unscoped().filter(
            customer=customer, through__gte=first_touched, cycle_start__lte=max(days)
        ).delete()
    DirtyDay.objects.unscoped().bulk_create(
        [DirtyDay(customer=customer, usage_date=day, marked_at=now) for day in sorted(days)],
        update_conflicts=True,
        unique_fields=["customer", "usage_date"],
        update_fields=["marked_at"],
    )


# --- storing --------------------------------------------------------------------------


def _store(
    model,
    customer: Organization,
    errors: _Errors,
    rows: list[tuple[int, tuple]],
    by_id: dict[str, tuple],
    columns: list[str],
    extra: tuple[str, Callable[[tuple], Any]] | None = None,
) -> list[tuple]:
    """Insert the batch's records whose id is not stored yet; returns those inserted.

    An id already stored with other content is an error: raised inside the caller's
    transaction, it rolls the insert back. On PostgreSQL the common case (nothing stored
    before) is one statement; the stored records are read only when some id conflicted.
    """
    values = list(by_id.values())
    names = [*columns, extra[0]] if extra else columns
    data = [(*v, extra[1](v)) for v in values] if extra else values
    stored_query = model.objects.unscoped().filter(customer=customer)
    if not values:
        return []
    now = timezone.now()
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        types = {f.column: f.db_type(connection) for f in model._meta.local_fields}
        fields = ", ".join(f"(e->>{i})::{_sql_type(types[c])}" for i, c in enumerate(names))
        # One JSON parameter: binding 1,000-element arrays costs more in Python than
        # PostgreSQL's parsing of the same values as JSON.
        payload = json.dumps(
            [[v.isoformat() if isinstance(v, datetime) else v for v in row] for row in data]
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (customer_id, received_at, {', '.join(names)}) "  # noqa: S608
                f"SELECT %s, %s, {fields} FROM json_array_elements(%s::json) AS e "
                f"ON CONFLICT DO NOTHING RETURNING {columns[0]}",
                [customer.pk, now, payload],
            )
            inserted = {row[0] for row in cursor.fetchall()}
        if len(inserted) < len(values):
            conflicted = [key for key in by_id if key not in inserted]
            stored = stored_query.filter(**{f"{columns[0]}__in": conflicted})
            _check_stored(errors, rows, stored.values_list(*columns))
            errors.raise_if_any()
        return [v for v in values if v[0] in inserted]
    stored = stored_query.filter(**{f"{columns[0]}__in": list(by_id)})
    known = _check_stored(errors, rows, stored.values_list(*columns))
    errors.raise_if_any()
    new = [(v, d) for v, d in zip(values, data, strict=True) if v[0] not in known]
    model.objects.unscoped().bulk_create(
        [
            model(customer=customer, received_at=now, **dict(zip(names, d, strict=True)))
            for _v, d in new
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    return [v for v, _d in new]


def _sql_type(db_type: str) -> str:
    if db_type.startswith("varchar"):
        return "text"
    return {"timestamp with time zone": "timestamptz", "boolean": "bool"}.get(
        db_type, db_type.split()[0]
    )


def agent_sessions_ingest(
    *, customer: Organization, payload: Any, now: datetime | None = None
) -> IngestResult:
    now = now or timezone.now()
    records = _records(payload, "sessions")
    terms = _require_active_subscription(customer)
    errors = _Errors("sessions")
    rows: list[tuple[int, tuple]] = []
    for index, record in _objects(records, errors, _("Each session is an object.")):
        session_id = _field(errors, index, record, "id", _identifier)
        agent_id = _field(errors, index, record, "agent_id", _identifier)
        license_ = record.get("license")
        if license_ in (None, ""):
            errors.add(index, "license", _("This field is required."))
        elif not isinstance(license_, str) or license_ not in LICENSES:
            errors.add(index, "license", _("Unknown licence; use standard or premium."))
        login = _field(errors, index, record, "login_at", lambda r, f: _timestamp(r, f, now))
        logout = _field(errors, index, record, "logout_at", lambda r, f: _timestamp(r, f, now))
        _interval(errors, index, login, logout, "logout_at")
        valid_license = isinstance(license_, str) and license_ in LICENSES
        if None not in (session_id, agent_id, login, logout) and valid_license:
            rows.append((index, (session_id, agent_id, LICENSES[license_], login, logout)))
    by_id = _checked(errors, rows)
    named = any(t.agent_model == rules.NAMED for t in terms)
    today = now.date()
    with transaction.atomic():
        if named and any(row[3].date() < today for row in by_id.values()):
            locks.wait_for_customer(customer.pk)  # a running computation finishes first
        new = _store(
            AgentSession,
            customer,
            errors,
            rows,
            by_id,
            ["session_id", "agent_id", "premium", "login_at", "logout_at"],
            ("multi_day", lambda row: row[4] - row[3] > ONE_DAY),
        )
        spans = [_days_touched(row[3], row[4]) for row in new]
        _mark_dirty(customer, spans, terms, today=today, named=named)
    return IngestResult(accepted=len(new), duplicates=len(records) - len(new))


def ivr_sessions_ingest(
    *, customer: Organization, payload: Any, now: datetime | None = None
) -> IngestResult:
    now = now or timezone.now()
    records = _records(payload, "sessions")
    terms = _require_active_subscription(customer)
    errors = _Errors("sessions")
    rows: list[tuple[int, tuple]] = []
    for index, record in _objects(records, errors, _("Each session is an object.")):
        session_id = _field(errors, index, record, "id", _identifier)
        start = _field(errors, index, record, "started_at", lambda r, f: _timestamp(r, f, now))
        end = _field(errors, index, record, "ended_at", lambda r, f: _timestamp(r, f, now))
        _interval(errors, index, start, end, "ended_at")
        if None not in (session_id, start, end):
            rows.append((index, (session_id, start, end)))
    by_id = _checked(errors, rows)
    with transaction.atomic():
        new = _store(
            IvrSession,
            customer,
            errors,
            rows,
            by_id,
            ["session_id", "started_at", "ended_at"],
            ("multi_day", lambda row: row[2] - row[1] > ONE_DAY),
        )
        spans = [_days_touched(row[1], row[2]) for row in new]
        _mark_dirty(customer, spans, terms, today=now.date(), named=False)
    return IngestResult(accepted=len(new), duplicates=len(records) - len(new))


def _digital_skus() -> set[str]:
    return set(Sku.objects.filter(usage_type=Sku.UsageType.DIGITAL).values_list("code", flat=True))


def digital_usage_ingest(
    *, customer: Organization, payload: Any, now: datetime | None = None
) -> IngestResult:
    now = now or timezone.now()
    records = _records(payload, "records")
    _require_active_subscription(customer)
    skus = _digital_skus()
    errors = _Errors("records")
    rows: list[tuple[int, tuple]] = []
    for index, record in _objects(records, errors, _("Each record is an object.")):
        record_id = _field(errors, index, record, "id", _identifier)
        sku = record.get("sku")
        if sku in (None, ""):
            errors.add(index, "sku", _("This field is required."))
        elif not isinstance(sku, str) or sku not in skus:
            errors.add(index, "sku", _("Not a digital-channel SKU of the catalogue."))
            sku = None
        units = record.get("units")
        if units is None:
            errors.add(index, "units", _("This field is required."))
        elif isinstance(units, bool) or not isinstance(units, int):
            errors.add(index, "units", _("Must be a whole number."))
        elif units <= 0:
            errors.add(index, "units", _("Must be above zero."))
        elif units > 2_000_000_000:
            errors.add(index, "units", _("Implausibly large."))
        occurred = _field(errors, index, record, "occurred_at", lambda r, f: _timestamp(r, f, now))
        valid_units = isinstance(units, int) and not isinstance(units, bool)
        usable = valid_units and 0 < units <= 2_000_000_000
        if None not in (record_id, occurred, sku) and usable:
            rows.append((index, (record_id, sku, units, occurred)))
    by_id = _checked(errors, rows)
    with transaction.atomic():
        new = _store(
            DigitalUsage,
            customer,
            errors,
            rows,
            by_id,
            ["record_id", "sku", "units", "occurred_at"],
        )
    return IngestResult(accepted=len(new), duplicates=len(records) - len(new))
