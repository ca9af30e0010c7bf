"""Serializers of the trials API: they parse input into the services' plain values."""

from __future__ import annotations

from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from orgs import clock
from orgs.models import Industry
from trials import rules
from trials.models import DeviceModel, Service, Trial
from trials.services import TrialSizes


class DeviceSerializer(serializers.Serializer):
    model = serializers.ChoiceField(choices=DeviceModel.choices)
    quantity = serializers.IntegerField(min_value=1)


class TrialSizesSerializer(serializers.Serializer):
    services = serializers.ListField(
        child=serializers.ChoiceField(choices=Service.choices), allow_empty=False
    )
    meetings_site_url = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True
    )
    meetings_time_zone = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True
    )
    standard_agents = serializers.IntegerField(min_value=0, required=False, default=0)
    premium_agents = serializers.IntegerField(min_value=0, required=False, default=0)
    devices = DeviceSerializer(many=True, required=False, default=list)

    def sizes(self) -> TrialSizes:
        data = self.validated_data
        return TrialSizes(
            services=list(dict.fromkeys(data["services"])),
            meetings_site_url=data["meetings_site_url"],
            meetings_time_zone=data["meetings_time_zone"],
            standard_agents=data["standard_agents"],
            premium_agents=data["premium_agents"],
            devices={d["model"]: d["quantity"] for d in data["devices"]},
        )


class TrialCustomerStartSerializer(TrialSizesSerializer):
    length_days = serializers.ChoiceField(
        choices=Trial.Length.choices, required=False, default=rules.DEFAULT_LENGTH
    )


class TrialStartSerializer(TrialCustomerStartSerializer):
    company_name = serializers.CharField(max_length=200)
    admin_email = serializers.EmailField()
    industry = serializers.ChoiceField(choices=Industry.choices)
    country = CountryField()


class ConversionLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField(min_value=1)


class TrialConvertSerializer(serializers.Serializer):
    web_order_id = serializers.CharField(
        max_length=64,
        required=False,
        default="",
        allow_blank=True,
        help_text="Tier 1 partners: required.",
    )
    offer = serializers.CharField(max_length=32)
    lines = ConversionLineSerializer(many=True, allow_empty=False)
    provisioning_contact_email = serializers.EmailField(required=False, default="")


class TrialSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    services = serializers.ListField(
        source="service_codes", child=serializers.CharField(), read_only=True
    )
    devices = DeviceSerializer(many=True, read_only=True)
    days_left = serializers.SerializerMethodField()

    class Meta:
        model = Trial
        fields = [
            "id",
            "customer",
            "customer_name",
            "partner",
            "status",
            "status_display",
            "admin_email",
            "length_days",
            "start_date",
            "end_date",
            "days_left",
            "services",
            "meetings_site_url",
            "meetings_time_zone",
            "standard_agents",
            "premium_agents",
            "devices",
            "order",
            "created_at",
        ]
        read_only_fields = fields

    def get_days_left(self, trial: Trial) -> int | None:

        return rules.days_left(trial.end_date, clock.today())
