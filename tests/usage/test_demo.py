"""seed_demo's usage: every demo customer has two months of computed usage, with some
overage and substitution to see."""

import io
import time

from django.core.management import call_command
from django.db.models import Max

from usage.models import DailyUsage


def test_seed_demo_gives_two_months_of_usage_with_overage(db):
    started = time.monotonic()
    call_command("seed_demo", stdout=io.StringIO())
    assert time.monotonic() - started < 60
    rows = DailyUsage.objects.unscoped()
    assert rows.values("customer").distinct().count() == 5
    assert rows.filter(usage_type="IVR Port").values("usage_date").distinct().count() == 60
    figures = rows.aggregate(overage=Max("units_overage"), substituted=Max("units_substituted"))
    assert figures["overage"] > 0 and figures["substituted"] > 0
    assert rows.filter(comment="Overage peak").exists()
