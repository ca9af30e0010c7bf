"""django-tables2 tables of the orders pages; columns defined once for page and export."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from subscriptions.models import Order


class OrderTable(tables.Table):
    web_order_id = tables.Column(
        verbose_name=_("Web order id"), linkify=("order-detail", [tables.A("pk")])
    )
    offer = tables.Column(verbose_name=_("Offer"), accessor="offer__code")
    status = tables.Column(verbose_name=_("Status"))
    customer = tables.Column(verbose_name=_("Customer"), accessor="customer__name", default="—")
    requested_start_date = tables.DateColumn(verbose_name=_("Requested start"), format="Y-m-d")
    setup_email_sent_at = tables.DateTimeColumn(verbose_name=_("Email sent"), format="Y-m-d H:i")
    created_at = tables.DateTimeColumn(verbose_name=_("Placed"), format="Y-m-d H:i")

    class Meta:
        model = Order
        fields = [
            "web_order_id",
            "offer",
            "status",
            "requested_start_date",
            "provisioning_contact_email",
            "customer",
            "setup_email_sent_at",
            "created_at",
        ]
        attrs = {"class": "striped", "id": "orders"}
        empty_text = _("No orders yet.")
