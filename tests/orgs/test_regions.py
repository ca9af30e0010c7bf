import pytest
from django_countries import countries

from orgs.regions import REGION_BY_COUNTRY, Region, countries_in_region, region_for_country


def test_every_selectable_country_maps_to_exactly_one_region():
    for code, _name in countries:
        assert region_for_country(code) in Region
    assert sum(len(countries_in_region(r)) for r in Region) == len(countries)


def test_the_explicit_table_names_only_real_countries():
    assert set(REGION_BY_COUNTRY) <= {code for code, _ in countries}


@pytest.mark.parametrize(
    ("country", "region"),
    [("US", "US"), ("BR", "US"), ("NL", "EU"), ("ZA", "EU"), ("GB", "UK"), ("CA", "CA"),
     ("JP", "JP"), ("NZ", "AU"), ("IN", "SG"), ("SA", "SA"), ("AE", "AE"), ("qa", "EU")],
)
def test_known_countries(country, region):
    assert region_for_country(country) == region


def test_unknown_code_is_refused():
    with pytest.raises(ValueError, match="ISO 3166"):
        region_for_country("XX")
