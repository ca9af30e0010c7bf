from django.contrib import admin

from subscriptions.models import Offer, Order, OrderLine, Sku, Subscription


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "usage_type",
        "agent_model",
        "unit_price",
        "currency",
        "overage_of",
    ]
    list_editable = ["unit_price"]
    list_filter = ["usage_type", "agent_model", "offer"]
    search_fields = ["code", "name"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["sku"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["web_order_id", "partner", "offer", "status", "requested_start_date"]
    list_filter = ["status", "offer"]
    search_fields = ["web_order_id", "provisioning_contact_email"]
    inlines = [OrderLineInline]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["customer", "start_date", "end_date", "agent_model", "status"]
