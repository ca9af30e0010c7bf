"""The Set up now link: a signed token bound to one order and one recipient.

The signature proves where the link came from; whether it still works is the order's
business (dead once the order is provisioned or closed), decided by `order_for_token`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from orgs.emails import absolute_url
from subscriptions.models import Order

SALT = "subscriptions.setup-now-link"
# Orders close at most 30 days after the email; a link older than this is dead anyway.
MAX_AGE_SECONDS = 45 * 24 * 3600


class LinkProblem(Exception):
    """Why a link does not open the wizard.

    `reason`: tampered, expired, used, closed or replaced."""

    def __init__(self, reason: str, order=None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.order = order


@dataclass(frozen=True)
class SetupLink:
    order_id: int
    email: str
    role: str  # "partner" or "customer": who the link was sent to


def setup_token(*, order_id: int, email: str, role: str = "partner") -> str:
    return signing.dumps({"o": order_id, "e": email.lower(), "r": role}, salt=SALT, compress=True)


def setup_url(*, order_id: int, email: str, role: str = "partner") -> str:
    token = setup_token(order_id=order_id, email=email, role=role)
    return absolute_url(reverse("setup-now", args=[token]))


def read_token(token: str) -> SetupLink:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired as exc:
        raise LinkProblem("expired") from exc
    except signing.BadSignature as exc:
        raise LinkProblem("tampered") from exc
    try:
        return SetupLink(order_id=int(data["o"]), email=str(data["e"]), role=str(data["r"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise LinkProblem("tampered") from exc


def order_for_token(token: str):
    """The order a live link opens, else LinkProblem saying why not."""

    link = read_token(token)
    order = (
        Order.objects.unscoped().select_related("partner", "offer").filter(pk=link.order_id).first()
    )
    if order is None:
        raise LinkProblem("tampered")
    if order.status == Order.Status.PROVISIONED:
        raise LinkProblem("used", order)
    if order.status == Order.Status.CLOSED:
        raise LinkProblem("closed", order)
    if link.email not in order.link_recipients():
        # The contact was changed or the wizard handed on: older links are dead.
        raise LinkProblem("replaced", order)
    return order, link
