"""/api/v1/ endpoints of the billing app."""

from django.urls import path

from billing.api.views import CustomerInvoiceViewSet, InvoiceViewSet

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
]
