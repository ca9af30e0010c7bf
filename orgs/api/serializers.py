"""Serializers of the orgs API."""

from django.utils.translation import gettext as _
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from orgs.models import SURGE_PERCENT_MAX, Organization


class CustomerSerializer(serializers.ModelSerializer):
    country = CountryField()
    data_region = serializers.CharField(read_only=True, allow_null=True)
    managing_partner = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "industry",
            "country",
            "data_region",
            "surge_percent",
            "managing_partner",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def get_managing_partner(self, customer: Organization) -> int | None:
        partner = customer.managing_partner
        return partner.pk if partner else None


class CustomerUpdateSerializer(serializers.Serializer):
    """PATCH: only the customer's own settings; every field optional."""

    name = serializers.CharField(max_length=200, required=False)
    industry = serializers.ChoiceField(
        choices=Organization._meta.get_field("industry").choices, required=False
    )
    country = CountryField(required=False)
    surge_percent = serializers.IntegerField(
        min_value=0, max_value=SURGE_PERCENT_MAX, required=False
    )

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                dict.fromkeys(sorted(unknown), _("This field cannot be changed."))
            )
        return attrs
