"""On PostgreSQL: the trigger refuses changes to issued invoices, and runs at the same
time (threads, each with its own connection) never issue twice nor leave a gap."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import DatabaseError, connection, connections, transaction

from billing import services
from billing.models import ClosedCycle, Invoice, InvoiceLine
from tests.billing.helpers import billed_customer, write_cycle
from tests.conftest import ensure_catalogue, skip_or_fail
from tests.factories import PartnerFactory

JUNE = (date(2024, 6, 9), date(2024, 7, 8))


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        skip_or_fail("services", "needs PostgreSQL (DATABASE_URL)")
    ensure_catalogue()


def raw(sql: str, pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])


def test_the_trigger_refuses_update_and_delete(postgres):
    customer, sub = billed_customer(start=JUNE[0])
    write_cycle(sub, JUNE, {"Standard Named Agent": [2]})
    services.invoices_issue([customer.pk], through=JUNE[1])
    invoice = Invoice.objects.get()
    for attempt in (
        lambda: Invoice.objects.filter(pk=invoice.pk).update(total=0),
        lambda: InvoiceLine.objects.filter(invoice=invoice).update(quantity=1),
        lambda: InvoiceLine.objects.filter(invoice=invoice).delete(),
        lambda: raw("DELETE FROM billing_invoice WHERE id = %s", invoice.pk),
        lambda: raw("UPDATE billing_invoice SET total = 0 WHERE id = %s", invoice.pk),
    ):
        with pytest.raises(DatabaseError, match="issued invoices are final"), transaction.atomic():
            attempt()
    invoice.refresh_from_db()
    assert invoice.lines.get().quantity == 2
    assert services.invoices_verify() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_issue_once_without_gaps(settings):
    if connection.vendor != "postgresql":
        skip_or_fail("services", "needs PostgreSQL (DATABASE_URL)")
    ensure_catalogue()
    settings.BILLING_CHUNK_SIZE = 3  # several transactions per run, interleaving
    partner = PartnerFactory(name="Acme Partners")
    ids = []
    for n in range(12):
        customer, sub = billed_customer(start=JUNE[0], partner=partner)
        write_cycle(sub, JUNE, {"Standard Named Agent": [n % 4 + 1]})
        ids.append(customer.pk)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(order):
        try:
            barrier.wait()
            services.invoices_issue(order, through=JUNE[1])
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    orders = [ids, ids[::-1], ids[5:] + ids[:5], ids]
    threads = [threading.Thread(target=run, args=(o,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # A customer another run held is left for the next run: run once more to finish.
    services.invoices_issue(ids, through=JUNE[1])
    assert ClosedCycle.objects.count() == 12
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 13))
    assert Invoice.objects.values("customer").distinct().count() == 12
    assert services.invoices_verify() == []
