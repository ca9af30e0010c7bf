"""seed_demo's usage: every demo customer has two months of computed usage, with some
overage and substitution to see."""

import io

from django.core.management import call_command
from django.db.models import Max

from usage.models import DailyUsage


def test_seed_demo_gives_two_months_of_usage_with_overage(db):
    call_command("seed_demo", stdout=io.StringIO())
    rows = DailyUsage.objects.unscoped()
    assert rows.values("customer").distinct().count() == 5
    # Sixty days of events; billing also computes the quiet start of the first cycle it
    # closes (days with no usage at all).
    days = rows.filter(usage_type="IVR Port", units_used__gt=0).values("usage_date").distinct()
    assert days.count() == 60
    figures = rows.aggregate(overage=Max("units_overage"), substituted=Max("units_substituted"))
    assert figures["overage"] > 0 and figures["substituted"] > 0
    assert rows.filter(comment="Overage peak").exists()
    # The alerts the nightly run would have raised are there, once per threshold.
    from usage.alerts.models import OverageAlert

    alerts = OverageAlert.objects.unscoped()
    keys = list(alerts.values_list("customer", "cycle_start", "usage_type", "threshold"))
    assert alerts.filter(threshold="overage").exists() and len(keys) == len(set(keys))
    # Hooli's standard named agents sit flat just above the commitment (28 of 25 when the
    # issue was filed): the forecast stays near what is billed, never the straight line's
    # 62; the range holds the point.
    from orgs.models import Organization
    from usage.models import CycleUsage

    hooli = Organization.objects.get(name="Hooli")
    current = (
        CycleUsage.objects.unscoped()
        .filter(customer=hooli, usage_type="Standard Named Agent")
        .latest("cycle_start")
    )
    assert current.overage <= current.forecast <= current.overage + current.used // 4
    assert current.forecast_low <= current.forecast <= current.forecast_high
    assert current.forecast_basis == "history"
