"""Forms of the orders pages and the wizards: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from orgs import clock
from orgs.widgets import NameSelect
from subscriptions import rules, sites
from subscriptions.models import Offer, Order, Sku


class OrderForm(forms.Form):
    web_order_id = forms.CharField(label=_("Web order id"), max_length=64)
    offer = forms.ChoiceField(label=_("Offer"), initial="A-FLEX-3-CC", widget=NameSelect(lang="en"))
    requested_start_date = forms.DateField(
        label=_("Requested start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    provisioning_contact_email = forms.EmailField(label=_("Provisioning contact email"))
    # Shown only once a past start date was entered: a past date is allowed (the Set up now
    # email then goes at once) but never taken without the partner saying so.
    start_in_past = forms.BooleanField(
        label=_("Yes, the requested start date is in the past"),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, partner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.fields["offer"].choices = [(o.code, str(o)) for o in Offer.objects.all()]

    def clean_web_order_id(self):
        web_order_id = self.cleaned_data["web_order_id"].strip()
        orders = Order.objects.unscoped().filter(partner=self.partner, web_order_id=web_order_id)
        if self.partner is not None and orders.exists():
            raise forms.ValidationError(_("An order with this web order id already exists."))
        return web_order_id

    def clean(self):
        data = super().clean()
        start = data.get("requested_start_date")
        if start and start < clock.today() and not data.get("start_in_past"):
            self.fields["start_in_past"].widget = forms.CheckboxInput()
            self.add_error(
                "requested_start_date",
                _(
                    "%(date)s is in the past: the Set up now email will go at once. "
                    "Tick the box below to place the order with this date, or choose another."
                )
                % {"date": date_format(start, "SHORT_DATE_FORMAT")},
            )
        return data


class OrderLineForm(forms.Form):
    sku = forms.ChoiceField(label=_("SKU"), required=False, widget=NameSelect(lang="en"))
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        skus = Sku.objects.filter(overage_of__isnull=True)
        self.fields["sku"].choices = [("", "—")] + [(s.code, f"{s.code} · {s.name}") for s in skus]

    def clean(self):
        data = super().clean()
        if data.get("sku") and not data.get("quantity"):
            self.add_error("quantity", _("Enter a quantity."))
        return data


class BaseOrderLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if not any(form.cleaned_data.get("sku") for form in self.forms if form.is_valid()):
            raise forms.ValidationError(_("An order needs at least one line."))


OrderLineFormSet = forms.formset_factory(
    OrderLineForm, formset=BaseOrderLineFormSet, extra=5, max_num=20
)


class ContactForm(forms.Form):
    provisioning_contact_email = forms.EmailField(label=_("Provisioning contact email"))


# The provisioning wizard --------------------------------------------------------------


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Your role"),
        widget=forms.RadioSelect,
        choices=[("partner", _("I am a partner")), ("customer", _("I am the customer"))],
    )


class WhoForm(forms.Form):
    setup_by = forms.ChoiceField(
        label=_("Who sets up the services?"),
        widget=forms.RadioSelect,
        choices=[
            ("me", _("Yes, I will set up")),
            ("colleague", _("Another person in my company will set up")),
            ("customer", _("The customer will set up (you get no admin access to them)")),
        ],
    )
    email = forms.EmailField(
        label=_("Their email"),
        required=False,
        help_text=_("For another person or the customer: they get a fresh Set up now link."),
    )

    def clean(self):
        data = super().clean()
        if data.get("setup_by") in ("colleague", "customer") and not data.get("email"):
            self.add_error("email", _("Enter the email of the person who sets up."))
        return data


class PartnerReviewForm(forms.Form):
    """An existing partner organisation: reviewed, nothing to enter."""


class PartnerCreateForm(forms.Form):
    """A first order: the partner organisation gets its first full admin."""

    partner_name = forms.CharField(label=_("Partner company name"), max_length=200)
    partner_country = forms.ChoiceField(label=_("Country"), choices=countries)
    partner_admin_email = forms.EmailField(label=_("Your admin email"))


class AdminEmailForm(forms.Form):
    customer_admin_email = forms.EmailField(
        label=_("Customer admin email"),
        help_text=_(
            "A person belongs to one organisation at a time. For a trial organisation, give "
            "the admin email the trial was started with."
        ),
    )


class CompanyForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    country = forms.ChoiceField(
        label=_("Country of operation"),
        choices=[("", "—"), *countries],
        help_text=_("Sets the data residency region."),
    )


class OrganizationChoiceForm(forms.Form):
    organization = forms.ChoiceField(label=_("Organisation"), widget=forms.RadioSelect)

    def __init__(self, *args, suggestions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [
            ("new", _("A new organisation")),
            *[
                (
                    str(org.pk),
                    _("Existing: %(name)s (%(country)s)")
                    % {"name": org.name, "country": org.country.name or "—"},
                )
                for org in suggestions
            ],
        ]


class ConfirmForm(forms.Form):
    """The one step that writes."""


# The setup wizard ---------------------------------------------------------------------


class CallingForm(forms.Form):
    calling_location = forms.CharField(label=_("Main location name"), max_length=100)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[
            (tz, tz)
            for tz in (
                "UTC",
                "Europe/London",
                "Europe/Amsterdam",
                "Europe/Paris",
                "Europe/Ljubljana",
                "Europe/Zagreb",
                "America/New_York",
                "America/Los_Angeles",
                "Asia/Tokyo",
                "Australia/Sydney",
            )
        ],
    )
    emergency_number = forms.CharField(
        label=_("Emergency callback number"),
        max_length=32,
        help_text=_(
            "The number emergency services call back, in international format: a plus sign, "
            "the country code and the number, e.g. +31 20 123 4567."
        ),
    )

    def clean_emergency_number(self):
        number, problem = rules.emergency_callback_number(self.cleaned_data["emergency_number"])
        if problem:
            raise forms.ValidationError(problem)
        return number


class MeetingForm(forms.Form):
    meeting_site_url = forms.CharField(label=_("Meeting site name"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting_site_url"].help_text = _(
            "Your site will be %(example)s, with the name you choose in place of “acme”; "
            "unique across Switchboard, trials included."
        ) % {"example": sites.meeting_site_host("acme")}

    def clean_meeting_site_url(self):
        return sites.meeting_site_name(self.cleaned_data["meeting_site_url"])


class EnterpriseForm(forms.Form):
    subdomain = forms.SlugField(label=_("Subdomain"), max_length=63)


class ContactCenterForm(forms.Form):
    country_of_operation = forms.ChoiceField(label=_("Country of operation"), choices=countries)
