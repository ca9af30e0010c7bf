"""Prices fixed at order time: each order line's unit price and the order's currency.
Existing lines get the catalogue's price of their SKU (what they would have been billed
at), existing orders the catalogue's currency."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def fill_from_catalogue(apps, schema_editor):
    Order = apps.get_model("subscriptions", "Order")
    OrderLine = apps.get_model("subscriptions", "OrderLine")
    Sku = apps.get_model("subscriptions", "Sku")
    Order.objects.update(currency=getattr(settings, "CATALOGUE_CURRENCY", "USD"))
    price = Sku.objects.filter(pk=OuterRef("sku_id")).values("unit_price")[:1]
    OrderLine.objects.filter(unit_price__isnull=True).update(unit_price=Subquery(price))


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0003_catalogue")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="currency",
            field=models.CharField(default="USD", max_length=3, verbose_name="currency"),
        ),
        migrations.AddField(
            model_name="orderline",
            name="unit_price",
            field=models.DecimalField(
                decimal_places=4, max_digits=12, null=True, verbose_name="unit price"
            ),
        ),
        migrations.RunPython(fill_from_catalogue, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="orderline",
            name="unit_price",
            field=models.DecimalField(decimal_places=4, max_digits=12, verbose_name="unit price"),
        ),
        migrations.AddConstraint(
            model_name="orderline",
            constraint=models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="unit_price_not_negative"
            ),
        ),
    ]
