"""seed_demo's trials: one in every state, and a tier 2 request waiting at Northwind."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from orgs.models import Organization
from trials.models import ConversionRequest, Trial


def test_seed_demo_has_trials_in_every_state(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    trials = Trial.objects.unscoped().select_related("customer")
    assert {t.status for t in trials} == set(Trial.Status.values) - {
        Trial.Status.CANCELLED,
        Trial.Status.DECLINED,
    }
    today = timezone.localdate()
    assert any(t.status == "active" and t.end_date - today <= dt.timedelta(days=7) for t in trials)
    waiting = ConversionRequest.objects.unscoped().get(status="pending")
    assert waiting.distributor.name == "Northwind Distribution"
    assert waiting.trial.partner.name == "Globex Reseller"
    assert Organization.objects.filter(kind="consumer").exists()
    converted = trials.get(status="converted")
    assert converted.order.customer == converted.customer
