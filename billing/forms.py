"""The billing details form (partner admins also set the tax rate), and the dispute
forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import BillingDetails, Dispute


class BillingDetailsForm(forms.ModelForm):
    class Meta:
        model = BillingDetails
        fields = [
            "billing_address",
            "service_to_address",
            "vat_number",
            "purchase_order",
            "billing_emails",
            "tax_rate",
        ]
        widgets = {
            "billing_address": forms.Textarea(attrs={"rows": 3}),
            "service_to_address": forms.Textarea(attrs={"rows": 3}),
            "billing_emails": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, may_set_tax_rate: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_set_tax_rate:
            del self.fields["tax_rate"]


class DisputeOpenForm(forms.Form):
    """A customer's full admin disputing a line: the lines still disputable, a reason."""

    line = forms.TypedChoiceField(label=_("Invoice line"), coerce=int)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=Dispute.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Why this line is wrong, with what you know (up to 2,000 characters)."),
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [
            (line.pk, f"{line.position}. {line.sku} {line.description} × {line.quantity}")
            for line in lines
        ]


class DisputeResolveForm(forms.Form):
    """The issuing partner's full admin settling a dispute."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Dispute.Status.ACCEPTED, _("Accept, with a credit on the next invoice")),
            (Dispute.Status.REJECTED, _("Reject, with a note")),
        ],
        widget=forms.RadioSelect,
    )
    credit_quantity = forms.IntegerField(label=_("Credit quantity"), required=False, min_value=1)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=Dispute.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when rejecting; the customer reads it."),
    )

    def __init__(self, *args, available: int, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["credit_quantity"]
        field.max_value = available
        field.widget.attrs.update({"min": 1, "max": available})
        field.help_text = _("1 to %(max)d units.") % {"max": available}
