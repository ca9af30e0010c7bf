"""The audit log page reads in words: who did what to which object, the changed fields as
before → after, with filters and paging; another organisation's entries never show."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from orgs import services
from orgs.models import AuditLog
from orgs.roles import Role


def audit_page(client, world, **params):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    return client.get(reverse("audit-log", args=[world.a.customer.pk]), params)


def test_a_role_change_reads_as_words_before_and_after(client, world):
    admin = world.a[Role.CUSTOMER_FULL_ADMIN]
    admin.full_name = "Ada Admin"
    admin.save(update_fields=["full_name"])
    reader = world.a[Role.CUSTOMER_READ_ONLY]
    services.person_change_role(actor=admin, person=reader, role=Role.CUSTOMER_FULL_ADMIN)

    body = audit_page(client, world).content.decode()
    row = next(r for r in re.split(r"<tr\b", body) if "Changed the role" in r)
    assert "Ada Admin" in row and admin.email in row
    assert "Person" in row and str(reader) in row
    assert "<del>Read-only admin</del> → <ins>Full admin</ins>" in row
    # No machine words shown: codes, model labels, raw JSON.
    for machine in ("person.change_role", ">orgs.Person", '{"role"', "customer_read_only"):
        assert machine not in body


def test_dates_are_iso_and_utc(client, world):
    services.person_change_role(actor=world.a[Role.CUSTOMER_FULL_ADMIN],
                                person=world.a[Role.CUSTOMER_READ_ONLY],
                                role=Role.CUSTOMER_FULL_ADMIN)
    AuditLog.objects.filter(organization=world.a.customer).update(
        created_at=dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC)
    )
    body = audit_page(client, world).content.decode()
    assert "2026-03-04 05:06" in body
    assert "When (UTC)" in body


def test_filters_by_person_object_type_and_date_range(client, world):
    admin = world.a[Role.CUSTOMER_FULL_ADMIN]
    reader = world.a[Role.CUSTOMER_READ_ONLY]
    services.person_change_role(actor=admin, person=reader, role=Role.CUSTOMER_FULL_ADMIN)
    AuditLog.objects.create(
        organization=world.a.customer, action="customer.update", object_type="orgs.Organization",
        object_id=str(world.a.customer.pk), object_repr=world.a.customer.name,
        before={"surge_percent": 0}, after={"surge_percent": 10},
        created_at=timezone.now() - dt.timedelta(days=3),
    )
    total = AuditLog.objects.filter(organization=world.a.customer).count()
    by_admin = AuditLog.objects.filter(organization=world.a.customer, actor_email=admin.email)

    response = audit_page(client, world, actor_email=admin.email)
    assert response.context["table"].paginator.count == by_admin.count() < total

    response = audit_page(client, world, object_type="orgs.Person")
    assert response.context["table"].paginator.count == (
        AuditLog.objects.filter(organization=world.a.customer, object_type="orgs.Person").count()
    )
    today = timezone.now().date()
    assert audit_page(client, world, since=today).context["table"].paginator.count == total - 1
    assert audit_page(
        client, world, until=today - dt.timedelta(days=1)
    ).context["table"].paginator.count == 1


def test_bad_dates_and_backward_ranges_are_shown_as_errors(client, world):
    response = audit_page(client, world, since="notadate")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_since-error"' in body and "Enter a valid date" in body
    assert response.context["table"].paginator.count == 0

    body = audit_page(client, world, since="2026-05-02", until="2026-05-01").content.decode()
    assert "The end of the range is before its start." in body


def test_pages_of_twenty_five(client, world):
    admin = world.a[Role.CUSTOMER_FULL_ADMIN]
    AuditLog.objects.bulk_create(
        AuditLog(organization=world.a.customer, actor=admin, actor_email=admin.email,
                 action="customer.update", object_type="orgs.Organization",
                 object_id=str(world.a.customer.pk), object_repr=world.a.customer.name,
                 before={"surge_percent": n}, after={"surge_percent": n + 1})
        for n in range(40)
    )
    response = audit_page(client, world)
    assert len(response.context["table"].page.object_list) == 25
    assert audit_page(client, world, page=2).status_code == 200
    assert "Surge" in response.content.decode()


def test_filter_choices_offer_only_this_organisations_people(client, world):
    body = audit_page(client, world).content.decode()
    for person in world.b.people.values():
        assert person.email not in body


def test_a_reverse_relation_recorded_as_a_list_reads_as_that_list(client, world):
    """An order's lines and a trial's services are recorded by name, not as fields of the
    order or trial: the page lists them (it answered 500 on the demo's orders)."""
    AuditLog.objects.create(
        organization=world.a.customer, action="order.place", object_type="subscriptions.Order",
        object_id=str(world.a.order.pk), object_repr="Order",
        before=None, after={"lines": ["A-FLEX-WCC-S-N × 10 @ 85.0000"], "currency": "USD"},
    )
    AuditLog.objects.create(
        organization=world.a.customer, action="trial.update", object_type="trials.Trial",
        object_id=str(world.a.trial.pk), object_repr="Trial",
        before={"services": ["contact_center"]}, after={"services": ["contact_center", "calling"]},
    )
    response = audit_page(client, world)
    assert response.status_code == 200
    body = response.content.decode()
    assert "A-FLEX-WCC-S-N × 10 @ 85.0000" in body
    assert "contact_center, calling" in body
