"""Serializers of the orders API: they parse and shape JSON; the services decide."""

from __future__ import annotations

from rest_framework import serializers

from orgs.api.serializers import CustomerSerializer
from subscriptions import rules
from subscriptions.models import Order, OrderLine, Subscription


class OrderLineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    # Decimal strings, checked by the service (negative, too many decimals...).
    unit_price = serializers.CharField(
        required=False,
        max_length=20,
        help_text='Decimal string, e.g. "80.00"; the catalogue\'s price when left out.',
    )
    overage_unit_price = serializers.CharField(
        required=False,
        max_length=20,
        help_text="Unit price of the matching overage SKU added to the order; the "
        "catalogue's when left out.",
    )


class OrderCreateSerializer(serializers.Serializer):
    web_order_id = serializers.CharField(max_length=64)
    offer = serializers.CharField(max_length=32)
    requested_start_date = serializers.DateField()
    provisioning_contact_email = serializers.EmailField()
    currency = serializers.CharField(
        required=False,
        max_length=10,
        help_text="ISO 4217 code; the catalogue's (USD unless configured) when left out. "
        "In another currency every line must give its prices.",
    )
    lines = OrderLineInSerializer(many=True, allow_empty=False)


class OrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    name = serializers.CharField(source="sku.name")
    is_overage = serializers.BooleanField(source="sku.is_overage")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=4)

    class Meta:
        model = OrderLine
        fields = ["sku", "name", "quantity", "unit_price", "is_overage"]


class OrderSerializer(serializers.ModelSerializer):
    offer = serializers.CharField(source="offer.code")
    lines = OrderLineSerializer(many=True)
    customer = serializers.IntegerField(source="customer_id", allow_null=True)
    subscription = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "web_order_id",
            "offer",
            "status",
            "requested_start_date",
            "provisioning_contact_email",
            "currency",
            "lines",
            "customer",
            "subscription",
            "created_at",
            "setup_email_sent_at",
            "wizard_opened_at",
            "provisioned_at",
            "closed_at",
        ]

    def get_subscription(self, order: Order) -> int | None:
        subscription = getattr(order, "subscription", None)
        return subscription.pk if subscription else None


class ProvisionSerializer(serializers.Serializer):
    customer_admin_email = serializers.EmailField()
    company_name = serializers.CharField(max_length=200)
    country = serializers.CharField(max_length=2, min_length=2)
    organization = serializers.CharField(
        default="new", help_text='"new", or the id of the existing customer organisation'
    )
    activate = serializers.BooleanField(
        default=False,
        help_text="Activate the subscription and start billing at once, instead of waiting "
        "for the customer's setup wizard.",
    )


class SubscriptionSerializer(serializers.ModelSerializer):
    billing_day = serializers.IntegerField(read_only=True)
    order = serializers.IntegerField(source="order_id", allow_null=True)
    customer = serializers.IntegerField(source="customer_id")

    class Meta:
        model = Subscription
        fields = [
            "id",
            "customer",
            "order",
            "status",
            "start_date",
            "end_date",
            "billing_day",
            "agent_model",
            "standard_agents",
            "premium_agents",
            "addon_ivr_ports",
        ]


class ProvisionResultSerializer(serializers.Serializer):
    customer = CustomerSerializer()
    subscription = SubscriptionSerializer()


class CatalogueSkuSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    offer = serializers.CharField(source="offer.code", allow_null=True, default=None)
    usage_type = serializers.CharField()
    agent_model = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=4)
    currency = serializers.CharField()
    included_units = serializers.IntegerField()
    is_overage = serializers.BooleanField()
    overage_sku = serializers.SerializerMethodField()
    overage_of = serializers.CharField(source="overage_of.code", allow_null=True, default=None)

    def get_overage_sku(self, sku) -> str | None:
        overage = getattr(sku, "overage_sku", None)
        return overage.code if overage else None


class CatalogueOfferSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    skus = serializers.SerializerMethodField()

    def get_skus(self, offer) -> list[str]:
        """The SKUs that may be ordered with this offer (overage SKUs come with them)."""
        return [
            sku.code
            for sku in self.context["skus"]
            if rules.sku_fits_offer(sku.code, sku.offer.code if sku.offer else None, offer.code)
        ]


class CatalogueSerializer(serializers.Serializer):
    currency = serializers.CharField()
    offers = CatalogueOfferSerializer(many=True)
    skus = CatalogueSkuSerializer(many=True)
