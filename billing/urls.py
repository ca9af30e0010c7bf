"""Pages of the billing app."""

from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("invoices/", views.InvoiceListView.as_view(), name="invoice-list"),
    path(
        "customers/<int:customer_id>/invoices/",
        views.CustomerInvoiceListView.as_view(),
        name="customer-invoices",
    ),
    path(
        "customers/<int:customer_id>/invoices/<int:invoice_id>/",
        views.InvoiceDetailView.as_view(),
        name="invoice",
    ),
    path(
        "customers/<int:customer_id>/invoices/<int:invoice_id>/pdf/",
        views.InvoicePdfView.as_view(),
        name="invoice-pdf",
    ),
    path(
        "customers/<int:customer_id>/invoices/<int:invoice_id>/dispute/",
        views.DisputeOpenView.as_view(),
        name="dispute-open",
    ),
    path("disputes/", views.DisputeListView.as_view(), name="dispute-list"),
    path(
        "disputes/<int:dispute_id>/resolve/",
        views.DisputeResolveView.as_view(),
        name="dispute-resolve",
    ),
    path(
        "customers/<int:customer_id>/billing/",
        views.BillingDetailsView.as_view(),
        name="details",
    ),
]
