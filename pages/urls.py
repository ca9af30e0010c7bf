"""The pages that combine every app."""

from django.urls import path

from pages import views

urlpatterns = [
    path("customers/", views.CustomerListView.as_view(), name="customer-list"),
    path(
        "customers/<int:customer_id>/", views.CustomerDetailView.as_view(), name="customer-detail"
    ),
]
