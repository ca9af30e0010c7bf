"""/api/v1/ endpoints of the trials app."""

from django.urls import path

from trials.api.views import CustomerTrialViewSet, PartnerTrialViewSet

trial = "customers/<int:customer_id>/trials/<int:trial_id>/"

urlpatterns = [
    path(
        "trials/",
        PartnerTrialViewSet.as_view({"get": "list", "post": "create"}),
        name="api-trial-list",
    ),
    path(
        "customers/<int:customer_id>/trials/",
        CustomerTrialViewSet.as_view({"get": "list", "post": "create"}),
        name="api-customer-trial-list",
    ),
    path(
        trial,
        CustomerTrialViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="api-customer-trial-detail",
    ),
    path(
        trial + "extend/",
        CustomerTrialViewSet.as_view({"post": "extend"}),
        name="api-customer-trial-extend",
    ),
    path(
        trial + "services/",
        CustomerTrialViewSet.as_view({"put": "change_services"}),
        name="api-customer-trial-services",
    ),
    path(
        trial + "convert/",
        CustomerTrialViewSet.as_view({"post": "convert"}),
        name="api-customer-trial-convert",
    ),
]
