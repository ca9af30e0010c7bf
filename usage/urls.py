"""Pages of the usage app."""

from django.urls import path

from usage import views

urlpatterns = [
    path("usage/", views.UsageOverviewView.as_view(), name="usage-overview"),
    path(
        "customers/<int:customer_id>/usage/daily/",
        views.DailyDetailView.as_view(),
        name="usage-daily",
    ),
    path(
        "customers/<int:customer_id>/usage/evidence/<str:usage_date>/<slug:usage_type>/",
        views.EvidenceView.as_view(),
        name="usage-evidence",
    ),
    path(
        "customers/<int:customer_id>/usage/alerts/",
        views.AlertSettingsView.as_view(),
        name="usage-alerts",
    ),
]
