"""Disputes of invoice lines (SPEC §6, issue 11): who opens and settles them, every bad
input refused with its field and nothing stored, the credit on the next invoice applied
exactly once (re-runs included), audit and emails on both sides."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import rules, selectors, services, vat
from billing.models import Dispute, Invoice, InvoiceLine
from orgs.models import AuditLog
from orgs.roles import Role
from tests.billing.helpers import write_cycle
from tests.factories import PersonFactory, SubscriptionFactory, issued_invoice

D = Decimal
JUNE = (date(2025, 6, 9), date(2025, 7, 8))
JULY = (date(2025, 7, 9), date(2025, 8, 8))
AUGUST = (date(2025, 8, 9), date(2025, 9, 8))


@pytest.fixture
def june(world):
    """Customer A's June invoice (3 standard agents and 1 IVR port of overage) on a
    subscription of its own, from daily rows; the peak of standard agents on June 11."""
    sub = SubscriptionFactory(customer=world.a.customer, start_date=JUNE[0])
    write_cycle(sub, JUNE, {"Standard Named Agent": [1, 2, 3, 3], "IVR Port": [1]})
    return issued_invoice(sub, lines=[("A-FLEX-WCC-S-N-O", 3), ("A-FLEX-WCC-IVR-O", 1)], cycle=JUNE)


def line_of(invoice, sku="A-FLEX-WCC-S-N-O") -> InvoiceLine:
    return invoice.lines.get(sku=sku)


def open_url(world, invoice) -> str:
    return f"/api/v1/customers/{world.a.customer.pk}/invoices/{invoice.pk}/disputes/"


def post_open(api, world, invoice, person, body):
    api.force_authenticate(person)
    return api.post(open_url(world, invoice), body, format="json")


def resolve(api, person, dispute, body):
    api.force_authenticate(person)
    return api.post(f"/api/v1/disputes/{dispute.pk}/resolve/", body, format="json")


def opened(world, invoice, sku="A-FLEX-WCC-S-N-O", reason="Agents in training") -> Dispute:
    return services.dispute_open(
        actor=world.a[Role.CUSTOMER_FULL_ADMIN],
        invoice=invoice,
        line_id=line_of(invoice, sku).pk,
        reason=reason,
    )


def state() -> tuple:
    return (
        list(Dispute.objects.values_list("pk", "status", "credit_quantity", "note")),
        AuditLog.objects.filter(action__startswith="dispute.").count(),
    )


# --- opening -------------------------------------------------------------------------------


def test_the_customer_full_admin_opens_a_dispute(
    api, world, june, mailoutbox, django_capture_on_commit_callbacks
):
    PersonFactory(organization=world.a.partner, role=Role.PARTNER_FULL_ADMIN, email="x@pa.test")
    line = line_of(june)
    with django_capture_on_commit_callbacks(execute=True):
        answer = post_open(
            api,
            world,
            june,
            world.a[Role.CUSTOMER_FULL_ADMIN],
            {"line": line.pk, "reason": "  Three of them were trainees.  "},
        )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "open" and body["line"] == line.pk
    assert body["reason"] == "Three of them were trainees."
    assert body["amount_at_stake"] == "331.50" and body["quantity"] == 3
    assert body["invoice_number"] == june.number and body["credit_invoice"] is None
    dispute = Dispute.objects.get(pk=body["id"])
    assert dispute.customer == world.a.customer and dispute.invoice == june
    assert dispute.opened_by == world.a[Role.CUSTOMER_FULL_ADMIN]
    entry = AuditLog.objects.get(action="dispute.open")
    assert entry.organization == world.a.customer and entry.object_id == str(dispute.pk)
    to = {address for mail in mailoutbox for address in mail.to}
    # Both sides: the customer's full admins and the partner's full admins (who settle).
    assert world.a[Role.CUSTOMER_FULL_ADMIN].email in to
    assert {world.a[Role.PARTNER_FULL_ADMIN].email, "x@pa.test"} <= to
    assert world.a[Role.CUSTOMER_READ_ONLY].email not in to
    assert world.b[Role.PARTNER_FULL_ADMIN].email not in to
    assert all(june.number in mail.subject for mail in mailoutbox)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CUSTOMER_READ_ONLY, 403),
        (Role.PARTNER_FULL_ADMIN, 403),  # the partner settles, it does not dispute
        (Role.PARTNER_READ_ONLY, 403),
    ],
)
def test_only_the_customer_full_admin_opens(api, world, june, role, status):
    answer = post_open(api, world, june, world.a[role], {"line": line_of(june).pk, "reason": "x"})
    assert answer.status_code == status
    assert not Dispute.objects.exists()


def test_another_tenant_gets_404(api, world, june):
    answer = post_open(
        api,
        world,
        june,
        world.b[Role.CUSTOMER_FULL_ADMIN],
        {"line": line_of(june).pk, "reason": "x"},
    )
    assert answer.status_code == 404
    # B's admin under B's own customer id, naming A's invoice: still not found.
    api.force_authenticate(world.b[Role.CUSTOMER_FULL_ADMIN])
    answer = api.post(
        f"/api/v1/customers/{world.b.customer.pk}/invoices/{june.pk}/disputes/",
        {"line": line_of(june).pk, "reason": "x"},
        format="json",
    )
    assert answer.status_code == 404
    assert not Dispute.objects.exists()


def bad_open_cases(world, june):
    other = world.a.invoice  # another invoice of the same customer
    credit = InvoiceLine.objects.filter(kind=rules.CREDIT).first()
    return [
        ({"line": other.lines.first().pk, "reason": "x"}, "line", "No such line"),
        ({"line": 99_999_999, "reason": "x"}, "line", "No such line"),
        ({"line": "first", "reason": "x"}, "line", ""),
        ({"reason": "x"}, "line", "required"),
        ({"line": line_of(june).pk}, "reason", "required"),
        ({"line": line_of(june).pk, "reason": "   "}, "reason", ""),
        ({"line": line_of(june).pk, "reason": "y" * 2001}, "reason", "2000"),
        *([({"line": credit.pk, "reason": "x"}, "line", "cannot be disputed")] if credit else []),
    ]


def test_bad_input_names_the_field_and_stores_nothing(api, world, june):
    for body, field, words in bad_open_cases(world, june):
        before = state()
        answer = post_open(api, world, june, world.a[Role.CUSTOMER_FULL_ADMIN], body)
        assert answer.status_code == 400, (body, answer.content)
        errors = answer.json()["errors"]
        assert any(e["field"] == field and words in e["reason"] for e in errors), (body, errors)
        assert state() == before


def test_a_credit_line_cannot_be_disputed(api, world, june):
    dispute = opened(world, june)
    services.dispute_resolve(
        actor=world.a[Role.PARTNER_FULL_ADMIN],
        dispute=dispute,
        outcome="accepted",
        credit_quantity=1,
    )
    july = issue_next(world, JULY)
    credit = july.lines.get(kind=rules.CREDIT)
    answer = post_open(
        api, world, july, world.a[Role.CUSTOMER_FULL_ADMIN], {"line": credit.pk, "reason": "x"}
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "line"


def test_a_line_has_at_most_one_open_dispute(api, world, june):
    first = opened(world, june)
    answer = post_open(
        api,
        world,
        june,
        world.a[Role.CUSTOMER_FULL_ADMIN],
        {"line": line_of(june).pk, "reason": "again"},
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {"field": "line", "reason": "This line already has an open dispute."}
    ]
    # The other line of the invoice may be disputed meanwhile.
    assert opened(world, june, sku="A-FLEX-WCC-IVR-O").is_open
    # The database holds the rule too, whatever the code does.
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.create(
            line=first.line, invoice=june, customer=world.a.customer, reason="raw"
        )
    # Once settled, the line may be disputed again.
    services.dispute_resolve(
        actor=world.a[Role.PARTNER_FULL_ADMIN], dispute=first, outcome="rejected", note="No."
    )
    assert opened(world, june, reason="New facts").is_open


def test_the_window_closes_90_days_after_issue(api, world, june):
    line = line_of(june)
    Invoice.objects.filter(pk=june.pk)  # issued invoices are final: move the clock instead
    issued = june.issued_at
    body = {"line": line.pk, "reason": "late"}
    with freeze(issued + timedelta(days=rules.DISPUTE_WINDOW_DAYS)):
        assert (
            post_open(api, world, june, world.a[Role.CUSTOMER_FULL_ADMIN], body).status_code == 201
        )
    Dispute.objects.all().delete()
    with freeze(issued + timedelta(days=rules.DISPUTE_WINDOW_DAYS + 1)):
        answer = post_open(api, world, june, world.a[Role.CUSTOMER_FULL_ADMIN], body)
    assert answer.status_code == 400
    error = answer.json()["errors"][0]
    assert error["field"] == "invoice" and "90 days" in error["reason"]
    assert not Dispute.objects.exists()


class freeze:
    """timezone.now() at `moment` inside the block (billing.services reads it there)."""

    def __init__(self, moment):
        self.moment = moment

    def __enter__(self):
        from unittest import mock

        self.patch = mock.patch("billing.services.disputes.timezone.now", return_value=self.moment)
        self.patch.start()

    def __exit__(self, *exc):
        self.patch.stop()


# --- settling -------------------------------------------------------------------------------


def test_who_may_settle(api, world, june):
    dispute = opened(world, june)
    body = {"outcome": "rejected", "note": "Usage is as measured."}
    assert resolve(api, world.a[Role.CUSTOMER_FULL_ADMIN], dispute, body).status_code == 404
    assert resolve(api, world.a[Role.CUSTOMER_READ_ONLY], dispute, body).status_code == 404
    assert resolve(api, world.a[Role.PARTNER_READ_ONLY], dispute, body).status_code == 403
    assert resolve(api, world.a[Role.PARTNER_ADMIN], dispute, body).status_code in (403, 404)
    assert resolve(api, world.a[Role.SALES_FULL_ADMIN], dispute, body).status_code == 403
    assert resolve(api, world.b[Role.PARTNER_FULL_ADMIN], dispute, body).status_code == 404
    dispute.refresh_from_db()
    assert dispute.is_open
    answer = resolve(api, world.a[Role.PARTNER_FULL_ADMIN], dispute, body)
    assert answer.status_code == 200
    assert answer.json()["status"] == "rejected" and answer.json()["note"] == body["note"]
    assert answer.json()["resolved_by"] == world.a[Role.PARTNER_FULL_ADMIN].email


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "accepted", "credit_quantity": 4}, "credit_quantity"),
        ({"outcome": "accepted", "credit_quantity": 0}, "credit_quantity"),
        ({"outcome": "accepted", "credit_quantity": -1}, "credit_quantity"),
        ({"outcome": "accepted"}, "credit_quantity"),
        ({"outcome": "accepted", "credit_quantity": "two"}, "credit_quantity"),
        ({"outcome": "rejected"}, "note"),
        ({"outcome": "rejected", "note": "  "}, "note"),
        ({"outcome": "rejected", "note": "n" * 2001}, "note"),
        ({"outcome": "maybe", "note": "x"}, "outcome"),
        ({}, "outcome"),
    ],
)
def test_bad_settlements_name_the_field_and_change_nothing(api, world, june, body, field):
    dispute = opened(world, june)
    before = state()
    answer = resolve(api, world.a[Role.PARTNER_FULL_ADMIN], dispute, body)
    assert answer.status_code == 400, answer.content
    assert field in {e["field"] for e in answer.json()["errors"]}
    assert state() == before


def test_a_settled_dispute_is_not_settled_again(api, world, june):
    dispute = opened(world, june)
    ok = resolve(
        api, world.a[Role.PARTNER_FULL_ADMIN], dispute, {"outcome": "rejected", "note": "No"}
    )
    assert ok.status_code == 200
    before = state()
    again = resolve(
        api,
        world.a[Role.PARTNER_FULL_ADMIN],
        dispute,
        {"outcome": "accepted", "credit_quantity": 1},
    )
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "outcome"
    assert state() == before


def test_credits_never_exceed_the_line(world, june):
    first = opened(world, june)
    services.dispute_resolve(
        actor=world.a[Role.PARTNER_FULL_ADMIN],
        dispute=first,
        outcome="accepted",
        credit_quantity=2,
    )
    second = opened(world, june, reason="The third one too")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.dispute_resolve(
            actor=world.a[Role.PARTNER_FULL_ADMIN],
            dispute=second,
            outcome="accepted",
            credit_quantity=2,
        )
    assert "Between 1 and 1" in error.value.message_dict["credit_quantity"][0]


def test_settling_is_audited_and_emailed(
    world, june, mailoutbox, django_capture_on_commit_callbacks
):
    dispute = opened(world, june)
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_resolve(
            actor=world.a[Role.PARTNER_FULL_ADMIN],
            dispute=dispute,
            outcome="accepted",
            credit_quantity=2,
            note="Two were trainees.",
        )
    entry = AuditLog.objects.get(action="dispute.accept")
    assert entry.before["status"] == "open" and entry.after["status"] == "accepted"
    assert entry.after["credit_quantity"] == 2
    assert entry.actor == world.a[Role.PARTNER_FULL_ADMIN]
    to = {address for mail in mailoutbox for address in mail.to}
    assert {world.a[Role.CUSTOMER_FULL_ADMIN].email, world.a[Role.PARTNER_FULL_ADMIN].email} <= to
    assert any("221.00" in mail.body and "accepted" in mail.subject for mail in mailoutbox)


# --- the credit -----------------------------------------------------------------------------


def issue_next(world, cycle, overage=None) -> Invoice:
    """Close `cycle` of customer A's June subscription; its invoice (None if nothing)."""
    sub = Invoice.objects.get(customer=world.a.customer, period_start=JUNE[0]).subscription
    # (The tenant's own subscription starts in the test's present, long after these.)
    write_cycle(sub, cycle, overage or {})
    services.invoices_issue([world.a.customer.pk], through=cycle[1])
    return Invoice.objects.filter(customer=world.a.customer, period_start=cycle[0]).first()


def test_an_accepted_dispute_is_credited_once_on_the_next_invoice(world, june):
    dispute = opened(world, june)
    services.dispute_resolve(
        actor=world.a[Role.PARTNER_FULL_ADMIN],
        dispute=dispute,
        outcome="accepted",
        credit_quantity=2,
    )
    july = issue_next(world, JULY, {"IVR Port": [2]})
    credit = july.lines.get(kind=rules.CREDIT)
    assert (credit.sku, credit.quantity, credit.unit_price, credit.amount) == (
        "A-FLEX-WCC-S-N-O",
        -2,
        D("110.50"),
        D("-221.00"),
    )
    assert (credit.period_start, credit.period_end, credit.adjusts) == (*JUNE, june.number)
    assert july.other_total == D("-221.00") and july.usage_total == D("65.00")
    assert july.subtotal == D("-156.00")
    dispute.refresh_from_db()
    assert dispute.credit_invoice == july
    assert AuditLog.objects.filter(action="dispute.credit", object_id=str(dispute.pk)).count() == 1
    # Re-runs, and the next cycles, never carry it again.
    services.invoices_issue([world.a.customer.pk], through=JULY[1])
    august = issue_next(world, AUGUST, {"IVR Port": [1]})
    assert not august.lines.filter(kind=rules.CREDIT).exists()
    assert InvoiceLine.objects.filter(kind=rules.CREDIT).count() == 1
    assert services.invoices_verify() == []


def test_a_rejected_or_open_dispute_credits_nothing(world, june):
    rejected = opened(world, june)
    services.dispute_resolve(
        actor=world.a[Role.PARTNER_FULL_ADMIN], dispute=rejected, outcome="rejected", note="No"
    )
    opened(world, june, sku="A-FLEX-WCC-IVR-O")
    july = issue_next(world, JULY, {"IVR Port": [2]})
    assert not july.lines.filter(kind=rules.CREDIT).exists()


def test_a_credit_alone_makes_an_invoice(world, june):
    dispute = opened(world, june)
    services.dispute_resolve(
        actor=world.a[Role.PARTNER_FULL_ADMIN],
        dispute=dispute,
        outcome="accepted",
        credit_quantity=1,
    )
    july = issue_next(world, JULY)  # July bills nothing itself
    assert [(ln.kind, ln.quantity) for ln in july.lines.all()] == [(rules.CREDIT, -1)]
    assert july.subtotal == D("-110.50")


def test_a_credit_already_carried_rolls_the_whole_write_back(world, june):
    """Two writers holding the same accepted dispute (the billing lock keeps this from
    happening; the guard proves it could not credit twice anyway)."""
    dispute = opened(world, june)
    services.dispute_resolve(
        actor=world.a[Role.PARTNER_FULL_ADMIN],
        dispute=dispute,
        outcome="accepted",
        credit_quantity=1,
    )
    dispute.refresh_from_db()
    sub = june.subscription
    drafts = lambda: [  # noqa: E731
        services._Draft(
            cycle=services.Cycle(world.a.customer.pk, *JULY, sub.pk),
            partner_id=june.partner_id,
            currency="USD",
            lines=[services._credit_line(dispute)],
            tax=vat.TaxRate(vat.ZERO),
            bill_to={},
            disputes=[dispute.pk],
        )
    ]
    first = services._write(drafts(), timezone.now())
    count = Invoice.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        services._write(drafts(), timezone.now())
    assert Invoice.objects.count() == count
    dispute.refresh_from_db()
    assert dispute.credit_invoice == first[0]


def test_the_estimate_shows_the_waiting_credit(world, june):
    dispute = opened(world, june)
    services.dispute_resolve(
        actor=world.a[Role.PARTNER_FULL_ADMIN],
        dispute=dispute,
        outcome="accepted",
        credit_quantity=1,
    )
    cycles = [services.Cycle(world.a.customer.pk, *JULY, june.subscription_id)]
    lines = services._drafts(cycles, JULY[1])[0].lines
    assert [ln.quantity for ln in lines if ln.kind == rules.CREDIT] == [-1]
    dispute.refresh_from_db()
    assert dispute.credit_invoice is None  # an estimate applies nothing


# --- lists ----------------------------------------------------------------------------------


def test_lists_by_side_and_status(api, world, june):
    a_open = opened(world, june)
    a_rejected = opened(world, june, sku="A-FLEX-WCC-IVR-O")
    services.dispute_resolve(
        actor=world.a[Role.PARTNER_FULL_ADMIN], dispute=a_rejected, outcome="rejected", note="n"
    )
    b_dispute = world.b.dispute
    for person in (world.a[Role.PARTNER_READ_ONLY], world.a[Role.CUSTOMER_READ_ONLY]):
        api.force_authenticate(person)
        rows = api.get("/api/v1/disputes/").json()["results"]
        # Open first.
        assert [r["id"] for r in rows] == [a_open.pk, a_rejected.pk]
        rows = api.get("/api/v1/disputes/?status=rejected").json()["results"]
        assert [r["id"] for r in rows] == [a_rejected.pk]
        assert api.get(f"/api/v1/disputes/{b_dispute.pk}/").status_code == 404
        assert api.get(f"/api/v1/disputes/{a_open.pk}/").json()["reason"] == "Agents in training"
    assert api.get("/api/v1/disputes/?status=lost").status_code == 400
    api.force_authenticate(world.a[Role.CUSTOMER_FULL_ADMIN])
    rows = api.get(open_url(world, june)).json()
    assert {r["id"] for r in rows} == {a_open.pk, a_rejected.pk}


def test_disputes_list_in_fixed_queries(api, world, june, django_assert_max_num_queries):
    opened(world, june)
    opened(world, june, sku="A-FLEX-WCC-IVR-O")
    api.force_authenticate(world.a[Role.PARTNER_FULL_ADMIN])
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/disputes/").json()["results"]) == 2


# --- the peak day of a line --------------------------------------------------------------------


def test_peak_day_is_the_first_day_with_the_highest_overage(june):
    peaks = selectors.peak_days(june)
    assert peaks[("Standard Named Agent", JUNE[0])] == date(2025, 6, 11)
    assert peaks[("IVR Port", JUNE[0])] == date(2025, 6, 9)


def test_each_overage_line_links_to_the_evidence_of_its_peak_day(client, world, june):
    from usage.views import evidence_url

    client.force_login(world.a[Role.CUSTOMER_READ_ONLY])
    page = client.get(f"/customers/{world.a.customer.pk}/invoices/{june.pk}/").content.decode()
    standard = evidence_url(world.a.customer.pk, date(2025, 6, 11), "Standard Named Agent")
    ivr = evidence_url(world.a.customer.pk, date(2025, 6, 9), "IVR Port")
    assert f'href="{standard}"' in page and f'href="{ivr}"' in page
    assert page.count('class="no-print evidence-link"') == 2


# --- pages ----------------------------------------------------------------------------------


def invoice_page(client, world, invoice, person) -> str:
    client.force_login(person)
    return client.get(f"/customers/{world.a.customer.pk}/invoices/{invoice.pk}/").content.decode()


def test_only_the_customer_full_admin_sees_the_dispute_action(client, world, june):
    action = 'class="no-print dispute-line"'
    assert invoice_page(client, world, june, world.a[Role.CUSTOMER_FULL_ADMIN]).count(action) == 2
    for role in (Role.CUSTOMER_READ_ONLY, Role.PARTNER_FULL_ADMIN, Role.PARTNER_READ_ONLY):
        assert action not in invoice_page(client, world, june, world.a[role])
    with freeze(june.issued_at + timedelta(days=91)):
        page = invoice_page(client, world, june, world.a[Role.CUSTOMER_FULL_ADMIN])
    assert action not in page


def test_disputing_from_the_page(client, world, june):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    url = f"/customers/{world.a.customer.pk}/invoices/{june.pk}/dispute/"
    line = line_of(june)
    form = client.get(f"{url}?line={line.pk}")
    assert form.status_code == 200
    assert f'<option value="{line.pk}" selected>' in form.content.decode()
    empty = client.post(url, {"line": line.pk, "reason": ""})
    assert empty.status_code == 200 and not Dispute.objects.exists()
    assert "This field is required" in empty.content.decode()
    answer = client.post(url, {"line": line.pk, "reason": "Trainees"})
    assert answer.status_code == 302 and answer["Location"].endswith("#disputes")
    dispute = Dispute.objects.get()
    page = invoice_page(client, world, june, world.a[Role.CUSTOMER_FULL_ADMIN])
    assert f'data-dispute="{dispute.pk}"' in page and "Trainees" in page
    assert page.count('class="no-print dispute-line"') == 1  # the other line only
    for role in (Role.CUSTOMER_READ_ONLY, Role.PARTNER_FULL_ADMIN):
        client.force_login(world.a[role])
        assert client.get(url).status_code == 403
        assert client.post(url, {"line": line.pk, "reason": "x"}).status_code == 403
    assert Dispute.objects.count() == 1


def test_the_queue_and_settling_from_the_pages(client, world, june):
    dispute = opened(world, june)
    world.b.dispute  # noqa: B018 (the other tenant's, never shown)
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    queue = client.get("/disputes/").content.decode()
    assert world.a.customer.name in queue and "331.50" in queue
    assert world.b.customer.name not in queue
    settle = f"/disputes/{dispute.pk}/resolve/"
    assert f'href="{settle}"' in queue
    assert client.get("/disputes/?status=rejected").content.decode().count("data-dispute") == 0
    csv = client.get("/disputes/?_export=csv").content.decode()
    assert june.number in csv and "Settle" not in csv
    # Read-only partner: sees the queue, no action, and the form refuses.
    client.force_login(world.a[Role.PARTNER_READ_ONLY])
    assert f'href="{settle}"' not in client.get("/disputes/").content.decode()
    assert client.get(settle).status_code == 403
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    assert client.get(settle).status_code == 404
    # The full admin settles; a credit above the line's quantity is refused on the form.
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    assert client.get(settle).status_code == 200
    too_much = client.post(settle, {"outcome": "accepted", "credit_quantity": 4})
    assert too_much.status_code == 200 and "Between 1 and 3" in too_much.content.decode()
    done = client.post(settle, {"outcome": "accepted", "credit_quantity": 2, "note": "ok"})
    assert done.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.status, dispute.credit_quantity) == ("accepted", 2)
    page = invoice_page(client, world, june, world.a[Role.CUSTOMER_READ_ONLY])
    assert "2 units credited" in page and "on the next invoice" in page
