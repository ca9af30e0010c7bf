"""Pages of the subscriptions app."""

from django.urls import path

from subscriptions import views

urlpatterns = [
    path("orders/<int:order_id>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("setup-now/<str:token>/", views.SetupNowView.as_view(), name="setup-now"),
]
