"""The Set up now link: signed with its own salt, bound to one order, dead once the
order is provisioned or closed; opening it never consumes it; never a 500."""

from __future__ import annotations

import pytest
from django.core import signing

from subscriptions import links
from subscriptions.models import Order
from tests.factories import OrderFactory


@pytest.fixture
def order(db):
    return OrderFactory(provisioning_contact_email="contact@partner.example")


def url(order, email="contact@partner.example"):
    return f"/setup-now/{links.setup_token(order_id=order.pk, email=email)}/"


def test_opening_the_link_twice_never_consumes_it(client, order):
    for _ in range(2):
        response = client.get(url(order))
        assert response.status_code == 200
        assert response["Referrer-Policy"] == "no-referrer"
        assert order.web_order_id in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING


@pytest.mark.parametrize(
    ("status", "says"),
    [(Order.Status.PROVISIONED, "already been set up"), (Order.Status.CLOSED, "was closed")],
)
def test_a_dead_links_page_says_what_happened(client, order, status, says):
    order.status = status
    order.save()
    response = client.get(url(order))
    assert response.status_code == 200
    assert says in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_tampered_link(client, order):
    token = links.setup_token(order_id=order.pk, email="contact@partner.example")
    for bad in (token[:-2] + "xx", "garbage", token.replace(":", "", 1)):
        response = client.get(f"/setup-now/{bad}/")
        assert response.status_code == 200
        assert "has been changed" in response.content.decode()


def test_another_salt_is_a_tampered_link(client, order):
    token = signing.dumps({"o": order.pk, "e": "contact@partner.example", "r": "partner"})
    assert "has been changed" in client.get(f"/setup-now/{token}/").content.decode()


def test_an_expired_link(client, order, time_machine):
    time_machine.move_to("2026-01-01T00:00Z")
    link = url(order)
    time_machine.move_to("2026-03-01T00:00Z")
    assert "expired" in client.get(link).content.decode()


def test_a_link_to_an_old_contact_is_replaced(client, order):
    response = client.get(url(order, email="old@partner.example"))
    assert "newer Set up now link" in response.content.decode()


def test_a_link_to_a_missing_order(client, order):
    link = f"/setup-now/{links.setup_token(order_id=order.pk + 999, email='a@b.c')}/"
    assert client.get(link).status_code == 200


def test_the_wizard_posts_without_an_origin_the_token_is_the_secret(order):
    """no-referrer makes browsers post Origin: null; the signed token protects the posts."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(url(order), HTTP_ORIGIN="null")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.SETUP_STARTED
    assert order.wizard_opened_at is not None


def test_done_before_provisioning_goes_back_to_the_start(client, order):
    link = url(order)
    assert client.get(link + "done/").url == link
    assert client.get(link + "nonsense/").status_code == 404
