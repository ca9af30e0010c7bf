"""Forms of the orgs pages."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
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
