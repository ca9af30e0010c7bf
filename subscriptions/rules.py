"""Rules of orders and provisioning (SPEC §2, §3): pure functions on plain values."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

STANDARD_AGENT = "standard_agent"
PREMIUM_AGENT = "premium_agent"
IVR_PORT = "ivr_port"
DIGITAL = "digital"

NAMED = "named"
CONCURRENT = "concurrent"

# How long a provisioning contact has after the Set up now email before the order closes.
FLEX_CLOSE_DAYS = 7
OTHER_CLOSE_DAYS = 30
# The account manager hears of an unopened wizard this long after the RSD.
ACCOUNT_MANAGER_DELAY = timedelta(days=1)
# Length of a company name's prefix that suggests an existing organisation.
NAME_PREFIX_LENGTH = 5


class RuleError(ValueError):
    """A rule refuses the input; `field` names what is at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LineFacts:
    """What the rules need to know of one order line."""

    usage_type: str
    agent_model: str  # "named", "concurrent" or "" for SKUs without one
    quantity: int
    is_overage: bool = False


@dataclass(frozen=True)
class Commitments:
    agent_model: str | None  # None when the order commits no agents at all
    standard_agents: int = 0
    premium_agents: int = 0
    addon_ivr_ports: int = 0


def agent_model_of(lines: Iterable[LineFacts]) -> str | None:
    """The one agent model the order's agent SKUs name; a mix is refused."""
    models = {line.agent_model for line in lines if line.agent_model}
    if len(models) > 1:
        raise RuleError("lines", "An order cannot mix named and concurrent agent SKUs.")
    return models.pop() if models else None


def commitments(lines: Iterable[LineFacts]) -> Commitments:
    """Committed agents and add-on IVR ports from an order's lines.

    Overage lines are billed in arrears and never raise the commitment.
    """
    lines = list(lines)
    committed = [line for line in lines if not line.is_overage]

    def total(usage_type: str) -> int:
        return sum(line.quantity for line in committed if line.usage_type == usage_type)

    return Commitments(
        agent_model=agent_model_of(committed),
        standard_agents=total(STANDARD_AGENT),
        premium_agents=total(PREMIUM_AGENT),
        addon_ivr_ports=total(IVR_PORT),
    )


def subscription_agent_model(order_model: str | None, customer_models: Iterable[str]) -> str:
    """The agent model of a customer's new subscription.

    All subscriptions of one customer share one model: an order for the other model is
    refused. An order without agents follows the customer's model (named by default).
    """
    existing = set(customer_models)
    if len(existing) > 1:
        raise RuleError("organization", "This organisation already mixes agent models.")
    current = existing.pop() if existing else None
    if order_model and current and order_model != current:
        raise RuleError(
            "organization",
            f"This organisation's subscriptions use {current} agents; "
            f"an order for {order_model} agents cannot be added to it.",
        )
    return order_model or current or NAMED


def sku_fits_offer(sku_code: str, sku_offer_code: str | None, offer_code: str) -> bool:
    """A SKU tied to an offer is sold only with it; contact-center SKUs only with Flex."""
    if sku_offer_code:
        return sku_offer_code == offer_code
    if sku_code.startswith("A-FLEX-WCC"):
        return is_flex(offer_code)
    return True


def is_flex(offer_code: str) -> bool:
    return offer_code.startswith("A-FLEX")


def close_after(offer_code: str) -> timedelta:
    return timedelta(days=FLEX_CLOSE_DAYS if is_flex(offer_code) else OTHER_CLOSE_DAYS)


def close_deadline(offer_code: str, setup_email_sent_at: datetime) -> datetime:
    """When an unprovisioned order closes: 7 days after the email for A-FLEX*, else 30."""
    return setup_email_sent_at + close_after(offer_code)


def setup_email_due(requested_start_date: date, today: date) -> bool:
    """The Set up now email goes on the RSD (at once when the RSD is today or past)."""
    return requested_start_date <= today


def account_manager_due(requested_start_date: date, today: date) -> bool:
    """One day after the RSD an unopened wizard is reported to the account manager."""
    return today >= requested_start_date + ACCOUNT_MANAGER_DELAY


def billing_day(start_date: date) -> int:
    """The day of month the subscription's billing cycles start: its start date's (SPEC §3)."""
    return start_date.day


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def name_prefix(company_name: str) -> str:
    """The first five letters or digits of a company name, for suggestions."""
    return re.sub(r"[\W_]+", "", company_name).lower()[:NAME_PREFIX_LENGTH]


def may_map_onto(admin_email: str, organization_admin_emails: Iterable[str]) -> bool:
    """An order maps onto an existing (or trial) organisation only with one of its full
    admins' email as the customer admin email."""
    wanted = admin_email.strip().lower()
    return any(wanted == email.strip().lower() for email in organization_admin_emails)


SUBDOMAIN_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_SUBDOMAINS = frozenset({"www", "admin", "api", "mail", "app", "portal", "support"})


def subdomain_problem(subdomain: str) -> str | None:
    """Why `subdomain` cannot be used, or None (uniqueness is the database's job)."""
    if not SUBDOMAIN_PATTERN.match(subdomain):
        return _("Use 1–63 lower-case letters, digits and hyphens, not starting or ending in one.")
    if subdomain in RESERVED_SUBDOMAINS:
        return _("That subdomain is reserved.")
    return None


# The emergency callback number is the number emergency services dial to call back, so it
# must be a full public number: E.164 (ITU-T), "+", a country code and at most 15 digits.
# The emergency short numbers themselves (112, 911…) cannot be called back and are refused.
EMERGENCY_SHORT_NUMBERS = frozenset({"100", "101", "102", "103", "110", "112", "911", "999", "000"})
_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")
E164_PATTERN = re.compile(r"^\+[1-9]\d{6,14}$")


def emergency_callback_number(value: str) -> tuple[str, str | None]:
    """`(number in E.164, None)` or `(value, why it is refused)`: spaces, hyphens, dots and
    brackets are dropped and a leading 00 becomes +."""
    number = _PHONE_SEPARATORS.sub("", value or "")
    if number.startswith("00"):
        number = "+" + number[2:]
    if number in EMERGENCY_SHORT_NUMBERS:
        return value, _(
            "%(number)s is an emergency number; enter the number emergency services can call "
            "back, in international format, e.g. +31 20 123 4567."
        ) % {"number": number}
    if not E164_PATTERN.match(number):
        return value, _(
            "Enter a phone number in international format: a plus sign, the country code and "
            "the number, 7 to 15 digits in all, e.g. +31 20 123 4567."
        )
    return number, None
