"""Currencies an order may be placed in (ISO 4217) and their minor units: how many
decimals an amount of that currency has. Kept here, below billing, because an order
fixes its currency when it is placed; billing rounds with `minor_units`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

# ISO 4217 (list one, 2024 edition): the active codes a partner is likely to sell in,
# with their minor units. Add a code here to accept it; nothing else changes.
MINOR_UNITS: dict[str, int] = {
    "AED": 2, "ARS": 2, "AUD": 2, "BGN": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2,
    "CLP": 0, "CNY": 2, "COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2,
    "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "ISK": 0, "JOD": 3, "JPY": 0,
    "KRW": 0, "KWD": 3, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "OMR": 3, "PHP": 2,
    "PLN": 2, "QAR": 2, "RON": 2, "RSD": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2,
    "TND": 3, "TRY": 2, "TWD": 2, "UAH": 2, "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip

# Unit prices are stored with four decimals (digital usage is priced in fractions of a
# cent); amounts are rounded to the currency's minor unit.
PRICE_PLACES = 4
MAX_PRICE = Decimal("99999999.9999")


def catalogue_currency() -> str:
    """The currency of the catalogue's prices (USD unless configured)."""
    return settings.CATALOGUE_CURRENCY


def minor_units(currency: str) -> int:
    """Decimals of `currency`; KeyError for a code not in the table."""
    return MINOR_UNITS[currency]


def currency_problem(code: object) -> str | None:
    """Why `code` is not a currency an order can be in, or None."""
    if not isinstance(code, str) or len(code) != 3 or not code.isalpha() or not code.isupper():
        return _("Enter a three-letter ISO 4217 currency code in capitals, e.g. EUR.")
    if code not in MINOR_UNITS:
        return _("Unknown currency %(code)s.") % {"code": code}
    return None


def parse_price(value: object) -> tuple[Decimal | None, str | None]:
    """A unit price given as a decimal string (or number): (price, None), or
    (None, reason). Negative prices and more than four decimals are refused."""
    if isinstance(value, bool) or value is None:
        return None, _('Enter a decimal number as a string, e.g. "12.50".')
    try:
        price = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None, _('Enter a decimal number as a string, e.g. "12.50".')
    if not price.is_finite():
        return None, _('Enter a decimal number as a string, e.g. "12.50".')
    if price < 0:
        return None, _("A price cannot be negative.")
    if price > MAX_PRICE:
        return None, _("Enter at most 99999999.9999.")
    if -price.as_tuple().exponent > PRICE_PLACES:
        return None, _("Enter at most four decimals.")
    return price, None
