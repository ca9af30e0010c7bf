"""/api/v1/ endpoints of the billing app."""

from django.urls import path

from billing.api.views import (
    CustomerInvoiceViewSet,
    DisputeViewSet,
    InvoiceDisputeViewSet,
    InvoiceViewSet,
)

urlpatterns = [
    path("invoices/", InvoiceViewSet.as_view({"get": "list"}), name="api-invoice-list"),
    path(
        "customers/<int:customer_id>/invoices/",
        CustomerInvoiceViewSet.as_view({"get": "list"}),
        name="api-customer-invoices",
    ),
    path(
        "customers/<int:customer_id>/invoices/<int:invoice_id>/",
        CustomerInvoiceViewSet.as_view({"get": "retrieve"}),
        name="api-customer-invoice",
    ),
    path(
        "customers/<int:customer_id>/invoices/<int:invoice_id>/disputes/",
        InvoiceDisputeViewSet.as_view({"get": "list", "post": "create"}),
        name="api-invoice-disputes",
    ),
    path("disputes/", DisputeViewSet.as_view({"get": "list"}), name="api-dispute-list"),
    path(
        "disputes/<int:dispute_id>/",
        DisputeViewSet.as_view({"get": "retrieve"}),
        name="api-dispute",
    ),
    path(
        "disputes/<int:dispute_id>/resolve/",
        DisputeViewSet.as_view({"post": "resolve"}),
        name="api-dispute-resolve",
    ),
]
