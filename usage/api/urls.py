"""/api/v1/ endpoints of the usage app: events in, daily usage out."""

from django.urls import path

from usage.api.views import (
    AgentSessionViewSet,
    DigitalUsageViewSet,
    IvrSessionViewSet,
    UsageEvidenceViewSet,
    UsageViewSet,
)

urlpatterns = [
    path(
        "customers/<int:customer_id>/agent-sessions/",
        AgentSessionViewSet.as_view({"post": "create"}),
        name="api-agent-sessions",
    ),
    path(
        "customers/<int:customer_id>/ivr-sessions/",
        IvrSessionViewSet.as_view({"post": "create"}),
        name="api-ivr-sessions",
    ),
    path(
        "customers/<int:customer_id>/digital-usage/",
        DigitalUsageViewSet.as_view({"post": "create"}),
        name="api-digital-usage",
    ),
    path(
        "customers/<int:customer_id>/usage/daily/",
        UsageViewSet.as_view({"get": "daily"}),
        name="api-usage-daily",
    ),
    path(
        "customers/<int:customer_id>/usage/current/",
        UsageViewSet.as_view({"get": "current"}),
        name="api-usage-current",
    ),
    path(
        "customers/<int:customer_id>/usage/evidence/",
        UsageEvidenceViewSet.as_view({"get": "evidence"}),
        name="api-usage-evidence",
    ),
]
