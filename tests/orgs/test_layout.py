"""The portal's layout: error pages in it saying what happened and what to do, actions
hidden from people who may not take them, the icon."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from orgs.roles import Role


def test_forbidden_page_is_in_the_layout_and_says_what_to_do(client, world):
    client.force_login(world.a[Role.CUSTOMER_READ_ONLY])
    response = client.get(reverse("people", args=[world.a.customer.pk]))
    assert response.status_code == 403
    body = response.content.decode()
    assert 'id="site-nav"' in body  # the portal's navigation, not a bare page
    assert "You may not do this" in body
    assert "ask a full admin" in body
    assert 'data-status="403"' in body


def test_not_found_page_is_in_the_layout_and_reveals_nothing(client, world):
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])
    response = client.get(reverse("customer-detail", args=[world.b.customer.pk]))
    assert response.status_code == 404
    body = response.content.decode()
    assert 'id="site-nav"' in body
    assert "Page not found" in body
    assert world.b.customer.name not in body


def test_refused_form_explains_itself(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    response = client.post(reverse("account"), {"full_name": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Your form expired" in body
    assert "reload the page" in body
    assert 'id="site-nav"' in body


def test_server_error_page_renders_without_a_request_context(rf, db):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "nothing was saved" in body


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.CUSTOMER_FULL_ADMIN, True),
        (Role.CUSTOMER_READ_ONLY, False),
        (Role.PARTNER_FULL_ADMIN, True),
        (Role.PARTNER_READ_ONLY, False),
    ],
)
def test_manage_admins_is_offered_only_to_who_may_manage_them(client, world, role, shown):
    client.force_login(world.a[role])
    body = client.get(reverse("customer-detail", args=[world.a.customer.pk])).content.decode()
    people_url = reverse("people", args=[world.a.customer.pk])
    assert (f'href="{people_url}"' in body) is shown
    if shown:  # and the link it offers works
        assert client.get(people_url).status_code == 200


def test_pages_carry_the_icon(client, world):
    client.force_login(world.a[Role.CUSTOMER_FULL_ADMIN])
    body = client.get(reverse("account")).content.decode()
    assert 'rel="icon"' in body and "switchboard.svg" in body
