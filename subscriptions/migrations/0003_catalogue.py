"""Seed the SPEC §2 catalogue: offers, commitment SKUs with their overage SKUs, and
digital usage SKUs."""

from django.db import migrations


def seed(apps, schema_editor):
    from subscriptions.catalogue import seed_catalogue

    seed_catalogue(apps.get_model("subscriptions", "Offer"), apps.get_model("subscriptions", "Sku"))


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0002_setup_fields")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
