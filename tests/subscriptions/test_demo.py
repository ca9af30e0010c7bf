"""seed_demo's orders and subscriptions."""

from django.core.management import call_command

from subscriptions.models import Order, Subscription


def test_seed_demo_has_orders_in_every_status_and_active_subscriptions(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for partner in ("Acme Partners", "Globex Reseller"):
        statuses = set(
            Order.objects.unscoped().filter(partner__name=partner).values_list("status", flat=True)
        )
        assert statuses == set(Order.Status.values)
    models = {
        customer: sorted(
            Subscription.objects.unscoped()
            .filter(customer__name=customer, status="active")
            .values_list("agent_model", flat=True)
        )
        for customer in ("Initech", "Umbrella Health", "Hooli", "Stark Retail", "Wayne Travel")
    }
    assert models == {
        "Initech": ["named"],
        "Umbrella Health": ["concurrent"],
        "Hooli": ["named", "named"],
        "Stark Retail": ["named"],
        "Wayne Travel": ["concurrent"],
    }
