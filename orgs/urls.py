from django.contrib.auth import views as auth_views
from django.urls import path

from orgs import views
from orgs.forms import PasswordResetForm, SetPasswordForm

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=SetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", views.AccountView.as_view(), name="account"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/token/", views.AccountTokenView.as_view(), name="account-token"),
    path("api-keys/", views.ApiKeysView.as_view(), name="api-keys"),
    path("api-keys/<int:key_id>/revoke/", views.ApiKeyRevokeView.as_view(), name="api-key-revoke"),
    path(
        "customers/<int:customer_id>/settings/",
        views.CustomerSettingsView.as_view(),
        name="customer-settings",
    ),
    path("orgs/<int:org_id>/people/", views.PeopleView.as_view(), name="people"),
    path("orgs/<int:org_id>/people/<int:person_id>/", views.PersonView.as_view(), name="person"),
    path("orgs/<int:org_id>/audit/", views.AuditLogView.as_view(), name="audit-log"),
    path("dev/outbox/", views.OutboxView.as_view(), name="outbox"),
    path("dev/outbox/<str:message_id>/", views.OutboxView.as_view(), name="outbox-message"),
    path(
        "dev/outbox/<str:message_id>/attachments/<int:index>/",
        views.OutboxAttachmentView.as_view(),
        name="outbox-attachment",
    ),
]
