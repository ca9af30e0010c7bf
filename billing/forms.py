"""The billing details form: partner admins also set the tax rate."""

from __future__ import annotations

from django import forms

from billing.models import BillingDetails


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
