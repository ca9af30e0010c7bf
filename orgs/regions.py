"""Data residency: the one table mapping every ISO 3166-1 country to its region.

Countries not listed under another region are hosted in the EU region (Europe, Africa
and the Middle East other than Saudi Arabia and the UAE, which have their own).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries import countries


class Region(models.TextChoices):
    US = "US", _("US")
    EU = "EU", _("EU")
    UK = "UK", _("UK")
    CANADA = "CA", _("Canada")
    JAPAN = "JP", _("Japan")
    AUSTRALIA = "AU", _("Australia")
    SINGAPORE = "SG", _("Singapore")
    SAUDI_ARABIA = "SA", _("Saudi Arabia")
    UAE = "AE", _("UAE")


_EXPLICIT: dict[Region, str] = {
    Region.US: (
        "US AG AI AQ AR AW BB BL BM BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GF GL GP "
        "GS GT GY HN HT JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT UM UY VC "
        "VE VG VI"
    ),
    Region.CANADA: "CA",
    Region.UK: "GB GG IM JE",
    Region.JAPAN: "JP",
    Region.AUSTRALIA: (
        "AU NZ AS CC CK CX FJ FM GU HM KI MH MP NC NF NR NU PF PG PN PW SB TK TO TV VU WF WS"
    ),
    Region.SINGAPORE: (
        "SG AF BD BN BT CN HK ID IN IO KG KH KP KR KZ LA LK MM MN MO MV MY NP PH PK TH TJ "
        "TL TM TW UZ VN"
    ),
    Region.SAUDI_ARABIA: "SA",
    Region.UAE: "AE",
}

REGION_BY_COUNTRY: dict[str, Region] = {
    code: region for region, codes in _EXPLICIT.items() for code in codes.split()
}
DEFAULT_REGION = Region.EU


def region_for_country(country_code: str) -> Region:
    """The data residency region of an ISO 3166-1 alpha-2 country code."""
    code = str(country_code).upper()
    if code not in countries:
        raise ValueError(f"{country_code!r} is not an ISO 3166-1 country code")
    return REGION_BY_COUNTRY.get(code, DEFAULT_REGION)


def countries_in_region(region: str) -> list[str]:
    """Every selectable country code hosted in `region` (for filtering by region)."""
    return [code for code, _name in countries if region_for_country(code) == region]
