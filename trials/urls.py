"""Pages of the trials app."""

from django.urls import path

from trials import views

urlpatterns = [
    path("trials/", views.TrialListView.as_view(), name="trial-list"),
    path("trials/start/", views.TrialStartView.as_view(), name="trial-start"),
    path(
        "trials/conversions/",
        views.ConversionRequestListView.as_view(),
        name="trial-conversion-requests",
    ),
    path(
        "trials/conversions/<int:conversion_id>/process/",
        views.ConversionProcessView.as_view(),
        name="trial-conversion-process",
    ),
    # The signed link of the consent email; GET shows, only the POST accepts.
    path("trials/consent/<str:token>/", views.ConsentView.as_view(), name="trial-consent"),
    path("trials/<int:trial_id>/", views.TrialDetailView.as_view(), name="trial-detail"),
    path("trials/<int:trial_id>/edit/", views.TrialEditView.as_view(), name="trial-edit"),
    path("trials/<int:trial_id>/delete/", views.TrialDeleteView.as_view(), name="trial-delete"),
    path("trials/<int:trial_id>/convert/", views.TrialConvertView.as_view(), name="trial-convert"),
    *[
        path(
            f"trials/<int:trial_id>/{action}/",
            views.TrialActionView.as_view(),
            {"action": action},
            name=f"trial-{action}",
        )
        for action in ("resend", "cancel", "provision", "extend", "ship", "return")
    ],
    path(
        "customers/<int:customer_id>/trials/start/",
        views.CustomerTrialStartView.as_view(),
        name="customer-trial-start",
    ),
]
