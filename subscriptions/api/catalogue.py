"""GET /api/v1/catalogue/: offers and SKUs with today's catalogue prices. An order fixes
its prices when it is placed; this is what it will get unless it gives its own."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from subscriptions import money
from subscriptions.api.serializers import CatalogueSerializer
from subscriptions.models import Offer, Sku


class CatalogueView(APIView):
    @extend_schema(
        responses=CatalogueSerializer,
        summary="The catalogue",
        description="Offers and SKUs: unit price and currency, usage type, units included "
        "per cycle (digital SKUs) and the overage SKU of each committed SKU.",
    )
    def get(self, request):
        skus = Sku.objects.select_related("offer", "overage_of", "overage_sku").order_by("code")
        offers = Offer.objects.order_by("code")
        currency = money.catalogue_currency()
        skus = list(skus)
        for sku in skus:
            sku.currency = currency
        data = {"currency": currency, "offers": list(offers), "skus": skus}
        return Response(CatalogueSerializer(data, context={"skus": skus}).data)
