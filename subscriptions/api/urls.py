"""/api/v1/ endpoints of the subscriptions app."""

from django.urls import path

from subscriptions.api.catalogue import CatalogueView
from subscriptions.api.views import OrderViewSet

urlpatterns = [
    path("catalogue/", CatalogueView.as_view(), name="api-catalogue"),
    path(
        "orders/",
        OrderViewSet.as_view({"get": "list", "post": "create"}),
        name="api-order-list",
    ),
    path(
        "orders/<int:order_id>/",
        OrderViewSet.as_view({"get": "retrieve"}),
        name="api-order-detail",
    ),
    path(
        "orders/<int:order_id>/provision/",
        OrderViewSet.as_view({"post": "provision"}),
        name="api-order-provision",
    ),
]
