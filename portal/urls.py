"""The URL configuration: each app owns its pages and its /api/v1/ endpoints."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from orgs.language import language_switch

api_v1 = [
    path("", include("orgs.api.urls")),
    path("", include("subscriptions.api.urls")),
    path("", include("usage.api.urls")),
    path("", include("trials.api.urls")),
    path("", include("billing.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("i18n/language/", language_switch, name="language-switch"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("orgs.urls")),
    path("", include("subscriptions.urls")),
    path("", include("usage.urls")),
    path("", include("trials.urls")),
    path("", include("billing.urls")),
    path("", include("pages.urls")),
]

# Under /api/, a path that matches nothing answers the API's JSON error body.
handler404 = "orgs.api.errors.not_found"
