"""Shapes of the usage endpoints. The event batches are validated by usage.services
(one pass, every bad record named); these serializers describe them in the schema."""

from __future__ import annotations

from rest_framework import serializers

from usage.models import DailyUsage


class AgentSessionSerializer(serializers.Serializer):
    id = serializers.CharField(
        max_length=64, help_text="Unique per customer; re-posting is a no-op."
    )
    agent_id = serializers.CharField(max_length=64)
    license = serializers.ChoiceField(choices=["standard", "premium"])
    login_at = serializers.DateTimeField(
        help_text="RFC 3339 with an offset, e.g. 2024-06-10T08:00:00Z"
    )
    logout_at = serializers.DateTimeField()


class AgentSessionBatchSerializer(serializers.Serializer):
    sessions = AgentSessionSerializer(many=True, help_text="At most 1,000 per batch.")


class IvrSessionSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()


class IvrSessionBatchSerializer(serializers.Serializer):
    sessions = IvrSessionSerializer(many=True, help_text="At most 1,000 per batch.")


class DigitalUsageSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    sku = serializers.CharField(help_text="A digital-channel SKU, e.g. A-CHAN-U-SMS-INTL.")
    units = serializers.IntegerField(min_value=1)
    occurred_at = serializers.DateTimeField()


class DigitalUsageBatchSerializer(serializers.Serializer):
    records = DigitalUsageSerializer(many=True, help_text="At most 1,000 per batch.")


class IngestResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Records stored by this call.")
    duplicates = serializers.IntegerField(
        help_text="Records whose id was already stored with the same content (or repeated "
        "within the batch): not stored again."
    )


class DailyUsageSerializer(serializers.ModelSerializer):
    class Meta:
        model = DailyUsage
        fields = [
            "usage_date",
            "usage_type",
            "units_used",
            "units_commitment",
            "units_substituted",
            "units_overage",
            "usage_unit",
            "comment",
        ]


class DailyUsageListSerializer(serializers.Serializer):
    results = DailyUsageSerializer(many=True)


class CommitmentsSerializer(serializers.Serializer):
    standard = serializers.IntegerField()
    premium = serializers.IntegerField()
    addon_ivr_ports = serializers.IntegerField()


class TypeUsageSerializer(serializers.Serializer):
    usage_type = serializers.CharField()
    used = serializers.IntegerField(help_text="The cycle's highest daily figure so far.")
    commitment = serializers.IntegerField()
    substituted = serializers.IntegerField()
    overage = serializers.IntegerField(help_text="Billed overage if the cycle closed now.")
    usage_unit = serializers.CharField()
    above_commitment = serializers.BooleanField()
    forecast = serializers.IntegerField(
        help_text="Forecast billed overage of the cycle (the median), never below `overage`."
    )
    forecast_low = serializers.IntegerField(help_text="10th percentile of the forecast.")
    forecast_high = serializers.IntegerField(help_text="90th percentile of the forecast.")
    forecast_uncertain = serializers.BooleanField(
        help_text="Too little history (a first cycle, its first weeks): the forecast assumes "
        "the cycle goes on as seen so far."
    )
    forecast_basis = serializers.CharField(
        help_text="What the forecast rests on: `history` (named agents: the previous "
        "cycles' growth after this day), `weekdays` (peaks: the recent daily peaks, weekday "
        "by weekday), `no_history`, `final` (the cycle is complete), or empty (not computed)."
    )


class DigitalTotalSerializer(serializers.Serializer):
    sku = serializers.CharField()
    units = serializers.IntegerField(help_text="Units used in the cycle so far.")
    included_units = serializers.IntegerField(help_text="Units the SKU includes per cycle.")


class CurrentUsageSerializer(serializers.Serializer):
    cycle_start = serializers.DateField(allow_null=True)
    cycle_end = serializers.DateField(allow_null=True)
    primary_subscription = serializers.IntegerField(allow_null=True)
    agent_model = serializers.CharField(allow_null=True)
    commitments = CommitmentsSerializer()
    voice_entitlement = serializers.IntegerField()
    voice_entitlement_with_surge = serializers.IntegerField()
    surge_percent = serializers.IntegerField()
    surge_capacity = serializers.IntegerField()
    last_usage_date = serializers.DateField(allow_null=True)
    usage = TypeUsageSerializer(many=True)
    digital = DigitalTotalSerializer(many=True)


# --- Evidence of a daily row (usage.evidence) -----------------------------------------


class EvidenceAgentSessionSerializer(serializers.Serializer):
    id = serializers.CharField()
    license = serializers.ChoiceField(choices=["standard", "premium"])
    login_at = serializers.DateTimeField()
    logout_at = serializers.DateTimeField()


class EvidenceIvrSessionSerializer(serializers.Serializer):
    id = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()


class NamedAgentWitnessSerializer(serializers.Serializer):
    agent_id = serializers.CharField()
    first_seen = serializers.DateField(help_text="First day of the cycle the agent was seen.")
    premium = serializers.BooleanField()
    premium_since = serializers.DateField(
        allow_null=True, help_text="First day of the cycle it counted as premium."
    )
    premium_session = EvidenceAgentSessionSerializer(
        allow_null=True, help_text="The first premium session in the cycle: why premium."
    )


class PeriodPresenceSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    logged_in_seconds = serializers.IntegerField()
    present = serializers.BooleanField(help_text="Logged in for at least 60 seconds.")


class ConcurrentAgentWitnessSerializer(serializers.Serializer):
    agent_id = serializers.CharField()
    premium = serializers.BooleanField()
    periods = PeriodPresenceSerializer(many=True, help_text="Quarter-hours p-3, p-2, p-1, p.")
    sessions = EvidenceAgentSessionSerializer(many=True, help_text="Its sessions in them.")


class ConcurrentEvidenceSerializer(serializers.Serializer):
    peak_period_start = serializers.DateTimeField(
        allow_null=True, help_text="The quarter-hour p that set the day's peak (null: none)."
    )
    agents = ConcurrentAgentWitnessSerializer(many=True)


class IvrEvidenceSerializer(serializers.Serializer):
    peak_minute_start = serializers.DateTimeField(
        allow_null=True, help_text="The minute that set the day's peak (null: none)."
    )
    sessions = EvidenceIvrSessionSerializer(many=True, help_text="One port each.")


class RowEvidenceSerializer(serializers.Serializer):
    usage_date = serializers.DateField()
    usage_type = serializers.CharField()
    usage_unit = serializers.CharField()
    cycle_start = serializers.DateField()
    units_used = serializers.IntegerField(help_text="As stored in the daily row.")
    witnesses = serializers.IntegerField(
        help_text="How many witnesses the stored sessions give now: equal to units_used "
        "unless sessions arrived after the row was computed (then matches_row is false "
        "until the day is computed again)."
    )
    matches_row = serializers.BooleanField()
    named_agents = NamedAgentWitnessSerializer(
        many=True, allow_null=True, help_text="Named-agent rows: every agent counted."
    )
    concurrent = ConcurrentEvidenceSerializer(allow_null=True, help_text="Concurrent-agent rows.")
    ivr = IvrEvidenceSerializer(allow_null=True, help_text="IVR port rows.")
