"""Per-customer locks that keep two usage computations (and a late named-agent event
and a computation) from writing the same customer's days at once.

On PostgreSQL: transaction-scoped advisory locks in a namespace of their own. SQLite
serialises every write transaction on the whole database, so there a lock is a no-op.
"""

from __future__ import annotations

from django.db import connection

# First key of the two-int advisory lock: "usage" in ASCII, so other users of advisory
# locks in the same database are not confused with ours.
NAMESPACE = 0x75736167 & 0x7FFFFFFF


def _advisory() -> bool:
    return connection.vendor == "postgresql"


def try_customers(customer_ids: list[int]) -> set[int]:
    """Take the lock of each customer that is free; returns those taken. Held until the
    current transaction ends (call inside `transaction.atomic`)."""
    if not customer_ids or not _advisory():
        return set(customer_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c FROM unnest(%s::int[]) AS c WHERE pg_try_advisory_xact_lock(%s, c)",
            [list(customer_ids), NAMESPACE],
        )
        return {row[0] for row in cursor.fetchall()}


def wait_for_customer(customer_id: int) -> None:
    """Take one customer's lock, waiting for a computation holding it to commit."""
    if _advisory():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NAMESPACE, customer_id])
