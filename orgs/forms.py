"""Forms of the orgs pages."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.utils.translation import gettext_lazy as _

from orgs import roles
from orgs.emails import absolute_url, email_send
from orgs.models import Organization, Person


class InvitePersonForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(organization)
        # The least powerful role first: more power is a choice, never a default.
        self.fields["role"].initial = roles.least_powerful_role(organization.kind)


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(organization)


def role_choices(organization: Organization) -> list[tuple[str, str]]:
    allowed = roles.roles_for_kind(organization.kind)
    return [(value, label) for value, label in roles.Role.choices if value in allowed]


class CustomerSettingsForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "industry", "country", "surge_percent"]


class AccountForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["full_name", "language"]


class SetPasswordForm(DjangoSetPasswordForm):
    """Choosing a new password through a reset link also revokes the person's API token:
    whoever knew the old password may have made one."""

    def save(self, commit=True):
        from orgs.apikeys import person_tokens_revoke

        person = super().save(commit=commit)
        if commit:
            person_tokens_revoke(person=person)
        return person


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's reset form, sending through our queue like every other email."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from django.urls import reverse

        path = reverse("password_reset_confirm", args=[context["uid"], context["token"]])
        email_send(
            to=[to_email], template="password_reset", context={"reset_url": absolute_url(path)}
        )


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("The system that uses it, e.g. “Billing sync”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("read", _("read: read customers, orders, trials and usage")),
            ("usage:write", _("usage:write: post agent, IVR and digital usage events")),
            ("orders:write", _("orders:write: place and provision orders")),
        ],
    )
