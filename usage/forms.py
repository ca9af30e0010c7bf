"""Forms of the usage pages."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from usage import rules
from usage.alerts.models import PERCENT_MAX, PERCENT_MIN, OverageAlertSettings


class UsageOverviewFilterForm(forms.Form):
    """The partner usage view's filters (GET)."""

    ATTENTION = "attention"
    OVER = "over"

    q = forms.CharField(label=_("Customer"), required=False)
    usage_type = forms.ChoiceField(
        label=_("Usage type"),
        required=False,
        choices=[("", _("All usage types")), *((t, _(t)) for t in rules.USAGE_TYPES)],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any")),
            (ATTENTION, _("Over or near commitment (≥ 90 %)")),
            (OVER, _("Over commitment")),
        ],
    )


class AlertSettingsForm(forms.ModelForm):
    class Meta:
        model = OverageAlertSettings
        fields = ["enabled", "warning_percent", "limit_percent", "on_overage", "on_forecast"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A PositiveSmallIntegerField's form field says "≥ 0" while the model refuses 0:
        # the form states the model's own bounds, so every message names the same range.
        for name in ("warning_percent", "limit_percent"):
            model_field = OverageAlertSettings._meta.get_field(name)
            self.fields[name] = forms.IntegerField(
                label=capfirst(model_field.verbose_name),
                help_text=model_field.help_text,
                required=False,
                min_value=PERCENT_MIN,
                max_value=PERCENT_MAX,
            )
