"""Usage endpoints under /api/v1/customers/{customer_id}/: the platform posts events,
partners and customers read daily usage back (the same rows as the daily-detail page)."""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from orgs import clock
from orgs.api.base import CustomerScopedViewSet
from orgs.apikeys import USAGE_WRITE as USAGE_WRITE_SCOPE
from orgs.tenancy import USAGE_WRITE
from subscriptions.models import Subscription
from usage import rules, selectors, services
from usage.api import serializers
from usage.api.renderers import DailyDetailCsvRenderer

MAX_RANGE_DAYS = 400
ERROR = OpenApiResponse(description='`{"message": ..., "errors": [{"field", "reason"}]}`')


def _ingest(request, customer, ingest):
    try:
        result = ingest(customer=customer, payload=request.data)
    except services.BatchTooLarge as exc:
        return Response(
            {"message": str(exc), "errors": []}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    except services.NoActiveSubscription as exc:
        return Response({"message": str(exc), "errors": []}, status=status.HTTP_409_CONFLICT)
    return Response(
        {"accepted": result.accepted, "duplicates": result.duplicates},
        status=status.HTTP_201_CREATED if result.accepted else status.HTTP_200_OK,
    )


INGEST_RESPONSES = {
    201: serializers.IngestResultSerializer,
    200: serializers.IngestResultSerializer,
    400: ERROR,
    409: OpenApiResponse(description="The customer has no active contact-center subscription."),
    413: OpenApiResponse(description="More than 1,000 records in one batch."),
}
INGEST_RULES = (
    "All-or-nothing: one bad record rejects the batch, and every bad record is named "
    "(`sessions[3].logout_at`) with its reason; nothing is stored. Idempotent by id: the "
    "same id with the same content counts under `duplicates`; with other content it is an "
    "error. Timestamps are RFC 3339 with an offset (stored in UTC, to the second); a time "
    "more than 5 minutes in the future, an end before its start or a session over 7 days "
    "is rejected. At most 1,000 records per batch (413 above). Days already computed that "
    "an event touches are recomputed."
)


class AgentSessionViewSet(CustomerScopedViewSet):
    write_action = USAGE_WRITE
    required_scope = USAGE_WRITE_SCOPE

    @extend_schema(
        request=serializers.AgentSessionBatchSerializer,
        responses=INGEST_RESPONSES,
        summary="Post agent sessions",
        description=INGEST_RULES,
    )
    def create(self, request, customer_id=None):
        return _ingest(request, self.customer, services.agent_sessions_ingest)


class IvrSessionViewSet(CustomerScopedViewSet):
    write_action = USAGE_WRITE
    required_scope = USAGE_WRITE_SCOPE

    @extend_schema(
        request=serializers.IvrSessionBatchSerializer,
        responses=INGEST_RESPONSES,
        summary="Post IVR sessions",
        description="Time in IVR menus and prompts only (not queue time). " + INGEST_RULES,
    )
    def create(self, request, customer_id=None):
        return _ingest(request, self.customer, services.ivr_sessions_ingest)


class DigitalUsageViewSet(CustomerScopedViewSet):
    write_action = USAGE_WRITE
    required_scope = USAGE_WRITE_SCOPE

    @extend_schema(
        request=serializers.DigitalUsageBatchSerializer,
        responses=INGEST_RESPONSES,
        summary="Post digital-channel usage",
        description="`sku` is a digital SKU of the catalogue; `units` above zero. " + INGEST_RULES,
    )
    def create(self, request, customer_id=None):
        return _ingest(request, self.customer, services.digital_usage_ingest)


def _date_param(request, name: str) -> date:
    value = request.query_params.get(name)
    if not value:
        raise ValidationError({name: [_("Required, as YYYY-MM-DD.")]})
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: [_("Not a date; use YYYY-MM-DD.")]}) from None


class UsageViewSet(CustomerScopedViewSet):
    renderer_classes = [
        renderers.JSONRenderer,
        renderers.BrowsableAPIRenderer,
        DailyDetailCsvRenderer,
    ]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors stay JSON even when the CSV export was asked for.
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and isinstance(renderer, DailyDetailCsvRenderer):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
            OpenApiParameter(
                "subscription",
                OpenApiTypes.INT,
                description="Only the days this subscription of the customer was active.",
            ),
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "csv"],
                description="`csv`: the export, with the reconciliation table's headers.",
            ),
        ],
        responses={200: serializers.DailyUsageListSerializer, 400: ERROR},
        summary="Daily usage (the reconciliation table)",
        description=f"One row per day and usage type, from `from` to `to` inclusive (at most "
        f"{MAX_RANGE_DAYS} days).",
    )
    def daily(self, request, customer_id=None):
        start, end = _date_param(request, "from"), _date_param(request, "to")
        if end < start:
            raise ValidationError({"to": [_("Lies before “from”.")]})
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            too_long = _("At most %(n)d days per request.") % {"n": MAX_RANGE_DAYS}
            raise ValidationError({"to": [too_long]})
        subscription = None
        if request.query_params.get("subscription"):
            raw = request.query_params["subscription"]
            subscription = (
                Subscription.objects.visible_to(request.user)
                .filter(customer=self.customer, pk=int(raw) if raw.isdigit() else 0)
                .first()
            )
            if subscription is None:
                raise ValidationError({"subscription": [_("Not a subscription of this customer.")]})
        rows = selectors.daily_detail(
            self.customer, start=start, end=end, subscription=subscription
        )
        data = serializers.DailyUsageSerializer(rows, many=True).data
        response = Response({"results": data})
        if isinstance(request.accepted_renderer, DailyDetailCsvRenderer):
            name = f"daily-usage-{self.customer.pk}-{start}-{end}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @extend_schema(
        responses=serializers.CurrentUsageSerializer,
        summary="The current billing cycle's usage",
        description="Per usage type: the cycle's highest daily use so far, the commitment, "
        "substitution and the overage billed if the cycle closed now; the voice entitlement "
        "with and without surge; digital-channel units this cycle.",
    )
    def current(self, request, customer_id=None):
        today = clock.today()
        usage = selectors.current_usage(self.customer, today)
        digital = []
        if usage.cycle_start is not None:
            digital = [
                {"sku": d.sku_code, "units": d.units, "included_units": d.included_units}
                for d in selectors.digital_usage_for_cycle(
                    self.customer, usage.cycle_start, usage.cycle_end
                )
            ]
        body = {
            "cycle_start": usage.cycle_start,
            "cycle_end": usage.cycle_end,
            "primary_subscription": usage.primary.pk if usage.primary else None,
            "agent_model": usage.agent_model,
            "commitments": asdict(usage.commitments),
            "voice_entitlement": usage.voice_entitlement,
            "voice_entitlement_with_surge": usage.voice_entitlement_with_surge,
            "surge_percent": usage.surge_percent,
            "surge_capacity": usage.surge_capacity,
            "last_usage_date": usage.last_usage_date,
            "usage": [
                {**asdict(t), "above_commitment": t.above_commitment}
                for t in usage.by_type.values()
            ],
            "digital": digital,
        }
        return Response(serializers.CurrentUsageSerializer(body).data)


def _iso(seconds: int) -> str:
    """Seconds since the epoch as DRF writes a UTC datetime (2024-06-10T08:00:00Z)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _iso_moment(moment) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _agent_session(session) -> dict:
    return {
        "id": session.session_id,
        "license": session.license,
        "login_at": _iso(session.login),
        "logout_at": _iso(session.logout),
    }


def evidence_body(found: selectors.RowEvidence) -> dict:
    """The response, as RowEvidenceSerializer describes it, built directly: a concurrent
    row of a large customer has a thousand agents with four periods each, and DRF's
    field-by-field serialisation of that cost more than finding the witnesses."""
    row = found.row
    body = {
        "usage_date": row.usage_date.isoformat(),
        "usage_type": row.usage_type,
        "usage_unit": row.usage_unit,
        "cycle_start": row.cycle_start.isoformat(),
        "units_used": row.units_used,
        "witnesses": found.witness_count,
        "matches_row": found.matches_row,
        "named_agents": None,
        "concurrent": None,
        "ivr": None,
    }
    if found.named is not None:
        body["named_agents"] = [
            {
                "agent_id": w.agent_id,
                "first_seen": w.first_seen.isoformat(),
                "premium": w.premium,
                "premium_since": w.premium_since.isoformat() if w.premium_since else None,
                "premium_session": _agent_session(w.premium_session) if w.premium_session else None,
            }
            for w in found.named
        ]
    elif found.concurrent is not None:
        periods: dict = {}  # every witness shares the same four periods

        def period(p) -> dict:
            key = (p.period_start, p.logged_in)
            if key not in periods:
                periods[key] = {
                    "start": _iso_moment(p.period_start),
                    "end": _iso_moment(p.period_end),
                    "logged_in_seconds": int(p.logged_in.total_seconds()),
                    "present": p.present,
                }
            return periods[key]

        body["concurrent"] = {
            "peak_period_start": _iso_moment(found.concurrent.peak_period),
            "agents": [
                {
                    "agent_id": w.agent_id,
                    "premium": w.premium,
                    "periods": [period(p) for p in w.presence],
                    "sessions": [_agent_session(s) for s in w.sessions],
                }
                for w in found.concurrent.witnesses
            ],
        }
    else:
        body["ivr"] = {
            "peak_minute_start": _iso_moment(found.ivr.peak_minute),
            "sessions": [
                {"id": s.session_id, "started_at": _iso(s.started), "ended_at": _iso(s.ended)}
                for s in found.ivr.witnesses
            ],
        }
    return body


class UsageEvidenceViewSet(CustomerScopedViewSet):
    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, required=True),
            OpenApiParameter(
                "usage_type",
                OpenApiTypes.STR,
                required=True,
                enum=list(rules.USAGE_TYPES),
                description="As in the daily usage, e.g. `Standard Named Agent`.",
            ),
        ],
        responses={
            200: serializers.RowEvidenceSerializer,
            400: ERROR,
            404: OpenApiResponse(
                description="No such customer for you, or no daily row of that date and type."
            ),
        },
        summary="Evidence of a daily usage row",
        description="The witnesses of the row's Units Used, computed now from the stored "
        "sessions. Named agents: every agent counted on that day of the cycle, the first "
        "day it was seen and the session that made it premium. Concurrent agents: the "
        "quarter-hour that set the day's peak of that type, and per agent counted there its "
        "presence in the four quarter-hours and its sessions in them. IVR ports: the minute "
        "that set the day's peak and the sessions overlapping it. Times in UTC.",
    )
    def evidence(self, request, customer_id=None):
        errors: dict[str, list[str]] = {}
        usage_date = None
        raw_date = request.query_params.get("date", "")
        if not raw_date:
            errors["date"] = ["Required, as YYYY-MM-DD."]
        else:
            try:
                usage_date = date.fromisoformat(raw_date)
            except ValueError:
                errors["date"] = ["Not a date; use YYYY-MM-DD."]
        usage_type = request.query_params.get("usage_type", "")
        if not usage_type:
            errors["usage_type"] = [f"Required: one of {', '.join(rules.USAGE_TYPES)}."]
        elif usage_type not in rules.USAGE_TYPES:
            errors["usage_type"] = [
                f"Unknown usage type {usage_type!r}: one of {', '.join(rules.USAGE_TYPES)}."
            ]
        if errors:
            raise ValidationError(errors)
        found = selectors.row_evidence(self.customer, usage_date, usage_type)
        if found is None:
            raise NotFound(
                f"No daily usage row of this customer for {usage_date.isoformat()} and "
                f"{usage_type} (not computed yet, or the customer's agent model has the "
                "other usage types)."
            )
        return Response(evidence_body(found))
