"""Forms of the trials pages: they parse input into the services' plain values."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from orgs.models import Industry, PartnerRelationship
from orgs.widgets import NameSelect
from subscriptions.sites import meeting_site_host
from trials import rules
from trials.models import DeviceModel, Service
from trials.services import TrialSizes


def _time_zones() -> list[tuple[str, str]]:
    return [("", "—")] + [(z, z) for z in sorted(zoneinfo.available_timezones())]


class TrialServicesForm(forms.Form):
    """The services and their sizes: shared by the start and the edit pages."""

    services = forms.MultipleChoiceField(
        label=_("Services"), choices=Service.choices, widget=forms.CheckboxSelectMultiple
    )
    meetings_site_url = forms.CharField(
        label=_("Meetings site URL"),
        max_length=100,
        required=False,
    )
    meetings_time_zone = forms.ChoiceField(
        label=_("Meetings time zone"), choices=_time_zones, required=False, widget=NameSelect
    )
    standard_agents = forms.IntegerField(label=_("Standard agents"), min_value=0, initial=0)
    premium_agents = forms.IntegerField(label=_("Premium agents"), min_value=0, initial=0)

    def __init__(self, *args, available: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meetings_site_url"].help_text = _(
            "The site's name: its address will be %(example)s, with your name in place of "
            "“acme”; unique across Switchboard."
        ) % {"example": meeting_site_host("acme")}
        if available is not None:
            self.fields["services"].choices = [
                (value, label) for value, label in Service.choices if value in available
            ]
        for value, label in DeviceModel.choices:
            self.fields[f"device_{value}"] = forms.IntegerField(
                label=_("%(model)s devices") % {"model": label},
                min_value=0,
                initial=0,
                required=False,
            )

    def device_fields(self):
        return [self[f"device_{value}"] for value in DeviceModel.values]

    def sizes(self) -> TrialSizes:
        data = self.cleaned_data
        return TrialSizes(
            services=list(data["services"]),
            meetings_site_url=data.get("meetings_site_url") or "",
            meetings_time_zone=data.get("meetings_time_zone") or "",
            standard_agents=data.get("standard_agents") or 0,
            premium_agents=data.get("premium_agents") or 0,
            devices={
                value: data.get(f"device_{value}") or 0
                for value in DeviceModel.values
                if data.get(f"device_{value}")
            },
        )

    @staticmethod
    def initial_for(trial) -> dict:
        initial = {
            "services": trial.service_codes,
            "meetings_site_url": trial.meetings_site_url,
            "meetings_time_zone": trial.meetings_time_zone,
            "standard_agents": trial.standard_agents,
            "premium_agents": trial.premium_agents,
        }
        for device in trial.devices.all():
            initial[f"device_{device.model}"] = device.quantity
        return initial


def length_choices():
    """Evaluated per form, in the language of the request."""
    return [(n, _("%(days)s days") % {"days": n}) for n in rules.LENGTHS]


class TrialStartForm(TrialServicesForm):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    admin_email = forms.EmailField(label=_("Admin email"))
    industry = forms.ChoiceField(label=_("Industry"), choices=Industry.choices)
    country = forms.ChoiceField(
        label=_("Country (sets the data residency region)"),
        choices=lambda: [("", "—"), *countries],
    )
    length_days = forms.TypedChoiceField(
        label=_("Trial length"), choices=length_choices, coerce=int, initial=rules.DEFAULT_LENGTH
    )
    field_order = ["company_name", "admin_email", "industry", "country", "length_days"]


class TrialStartForCustomerForm(TrialServicesForm):
    length_days = forms.TypedChoiceField(
        label=_("Trial length"), choices=length_choices, coerce=int, initial=rules.DEFAULT_LENGTH
    )
    field_order = ["services", "length_days"]


class ConsentForm(forms.Form):
    access = forms.ChoiceField(
        label=_("Access for the partner"),
        choices=PartnerRelationship.Access.choices,
        widget=forms.RadioSelect,
        initial=PartnerRelationship.Access.FULL,
    )


class DeviceShipForm(forms.Form):
    """Shown on the trial page beside DeviceReturnForm: its own ids keep the labels apart."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "ship_%s")
        super().__init__(*args, **kwargs)

    model = forms.ChoiceField(label=_("Device model"), choices=DeviceModel.choices)
    serial_number = forms.CharField(label=_("Serial number"), max_length=64)


class DeviceReturnForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "return_%s")
        super().__init__(*args, **kwargs)

    serial_number = forms.CharField(label=_("Returned serial number"), max_length=64)


class ConversionForm(forms.Form):
    """The paid order of a trial, as on the order form: offer, web order id, contact; its
    lines are the order form's line formset (`subscriptions.forms.OrderLineFormSet`)."""

    web_order_id = forms.CharField(label=_("Web order id"), max_length=64, required=False)
    offer_code = forms.ChoiceField(
        label=_("Offer"), initial="A-FLEX-3-CC", widget=NameSelect(lang="en")
    )
    provisioning_contact_email = forms.EmailField(
        label=_("Provisioning contact email"), required=False
    )

    def __init__(self, *args, **kwargs):
        from subscriptions.models import Offer

        super().__init__(*args, **kwargs)
        self.fields["offer_code"].choices = [(o.code, str(o)) for o in Offer.objects.all()]


class ProcessConversionForm(forms.Form):
    web_order_id = forms.CharField(label=_("Web order id"), max_length=64)
