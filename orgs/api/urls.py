from django.urls import path

from orgs.api.views import CustomerViewSet

urlpatterns = [
    path("customers/", CustomerViewSet.as_view({"get": "list"}), name="api-customer-list"),
    path(
        "customers/<int:customer_id>/",
        CustomerViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-customer-detail",
    ),
]
