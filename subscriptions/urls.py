"""Pages of the subscriptions app."""

from django.urls import path

from subscriptions import views, wizards

urlpatterns = [
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/new/", views.OrderCreateView.as_view(), name="order-create"),
    path("orders/<int:order_id>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<int:order_id>/contact/", views.OrderContactView.as_view(), name="order-contact"),
    path("orders/<int:order_id>/resend/", views.OrderResendView.as_view(), name="order-resend"),
    path("setup-now/<str:token>/", wizards.SetupNowView.as_view(), name="setup-now"),
    path(
        "setup-now/<str:token>/<slug:step>/",
        wizards.SetupNowView.as_view(),
        name="setup-now-step",
    ),
    path(
        "customers/<int:customer_id>/setup/",
        wizards.SetupWizardView.as_view(),
        name="setup-wizard",
    ),
    path(
        "customers/<int:customer_id>/setup/subdomain/",
        wizards.SubdomainCheckView.as_view(),
        name="setup-subdomain-check",
    ),
]
