"""The EU's VAT rules in one place (SPEC §6): the standard rate of each of the 27
member states, and which rate an invoice carries.

Source: European Commission, DG TAXUD, "VAT rates applied in the Member States of the
European Union" (situation at 1 January 2025), with the two changes in force since:
Estonia 22 % -> 24 % on 1 July 2025, Romania 19 % -> 21 % on 1 August 2025.
Table as of 2025-08-01. A change of rate is a change of this table (and its date).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

RATES_AS_OF = "2025-08-01"
RATES_SOURCE = (
    "European Commission, VAT rates applied in the Member States of the European Union "
    "(1 January 2025), with EE 24 % from 2025-07-01 and RO 21 % from 2025-08-01"
)

# ISO 3166 alpha-2 -> standard VAT rate in percent.
STANDARD_RATES: dict[str, Decimal] = {
    "AT": Decimal("20"), "BE": Decimal("21"), "BG": Decimal("20"), "CY": Decimal("19"),
    "CZ": Decimal("21"), "DE": Decimal("19"), "DK": Decimal("25"), "EE": Decimal("24"),
    "ES": Decimal("21"), "FI": Decimal("25.5"), "FR": Decimal("20"), "GR": Decimal("24"),
    "HR": Decimal("25"), "HU": Decimal("27"), "IE": Decimal("23"), "IT": Decimal("22"),
    "LT": Decimal("21"), "LU": Decimal("17"), "LV": Decimal("21"), "MT": Decimal("18"),
    "NL": Decimal("21"), "PL": Decimal("23"), "PT": Decimal("23"), "RO": Decimal("21"),
    "SE": Decimal("25"), "SI": Decimal("22"), "SK": Decimal("23"),
}  # fmt: skip
EU_COUNTRIES = frozenset(STANDARD_RATES)

REVERSE_CHARGE = "Reverse charge"
ZERO = Decimal("0")

# VAT numbers of Greece start with EL, not its ISO code GR.
_VAT_PREFIX = {"GR": "EL"}


@dataclass(frozen=True)
class TaxRate:
    """The rate an invoice carries, and the legal mention printed with it (if any)."""

    percent: Decimal
    note: str = ""
    reason: str = ""  # why this rate: "override", "standard", "reverse_charge", "outside_eu"


def vat_number_problem(vat_number: str, country: str) -> str | None:
    """Why `vat_number` is not a valid EU VAT number of `country` (python-stdnum checks
    format and check digits; no online VIES look-up), or None when it is."""
    try:
        number = eu_vat.compact(vat_number or "")
    except ValidationError:
        return "invalid"  # not even a known country prefix
    if not number:
        return "empty"
    if not eu_vat.is_valid(number):
        return "invalid"
    prefix = _VAT_PREFIX.get(country, country)
    if country and number[:2] != prefix:
        return "country"
    return None


def tax_rate(
    *,
    customer_country: str,
    partner_country: str,
    vat_number: str = "",
    override: Decimal | None = None,
) -> TaxRate:
    """The customer's rate: the one a partner admin set; else reverse charge (0 %) for a
    valid EU VAT number of an EU country other than the partner's; else the standard
    rate of the customer's EU country; else 0 % (outside the EU)."""
    if override is not None:
        return TaxRate(Decimal(override), reason="override")
    if customer_country not in EU_COUNTRIES:
        return TaxRate(ZERO, reason="outside_eu")
    if (
        vat_number
        and customer_country != partner_country
        and vat_number_problem(vat_number, customer_country) is None
    ):
        return TaxRate(ZERO, note=REVERSE_CHARGE, reason="reverse_charge")
    return TaxRate(STANDARD_RATES[customer_country], reason="standard")
