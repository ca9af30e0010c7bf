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


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_apply_an_accepted_credit_once():
    """Four runs at once close the cycle after a disputed invoice: one invoice carries
    the credit, and the dispute points to it."""
    if connection.vendor != "postgresql":
        skip_or_fail("services", "needs PostgreSQL (DATABASE_URL)")
    ensure_catalogue()
    from orgs.roles import Role
    from tests.factories import PersonFactory

    july = (date(2024, 7, 9), date(2024, 8, 8))
    customer, sub = billed_customer(start=JUNE[0])
    admin = PersonFactory(organization=customer, role=Role.CUSTOMER_FULL_ADMIN)
    settler = PersonFactory(organization=customer.managing_partner, role=Role.PARTNER_FULL_ADMIN)
    write_cycle(sub, JUNE, {"Standard Named Agent": [3]})
    services.invoices_issue([customer.pk], through=JUNE[1])
    june = Invoice.objects.get()
    dispute = services.dispute_open(
        actor=admin, invoice=june, line_id=june.lines.get().pk, reason="Trainees"
    )
    services.dispute_resolve(actor=settler, dispute=dispute, outcome="accepted", credit_quantity=2)
    write_cycle(sub, july, {"Standard Named Agent": [1]})
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            for _attempt in range(3):  # a run that found the lock taken tries again
                services.invoices_issue([customer.pk], through=july[1])
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    credits = InvoiceLine.objects.filter(kind="credit")
    assert [(c.quantity, c.adjusts) for c in credits] == [(-2, june.number)]
    dispute.refresh_from_db()
    assert dispute.credit_invoice_id == credits.get().invoice_id
    assert Invoice.objects.count() == 2
    assert services.invoices_verify() == []
