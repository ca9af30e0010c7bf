"""Trials endpoints: the partner's trials (list, start for a new customer) and a
customer's trials (list, start, read, extend, change services, convert, delete), all
through the same services as the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from orgs import roles
from orgs.api.base import CustomerScopedViewSet, TenantViewSet
from orgs.tenancy import CHANGE, PROVISION, VIEW, get_visible_or_404
from trials import selectors, services
from trials.api.serializers import (
    TrialConvertSerializer,
    TrialCustomerStartSerializer,
    TrialSerializer,
    TrialSizesSerializer,
    TrialStartSerializer,
)
from trials.models import Trial


def _require_seller(request) -> None:
    """Refused before the body is read: only sales admins start trials."""
    if not roles.may_sell(request.user.role):
        raise PermissionDenied


TRIAL_ID = OpenApiParameter("trial_id", OpenApiTypes.INT, OpenApiParameter.PATH)


class PartnerTrialViewSet(TenantViewSet):
    """Every trial the caller may see, and starting one for a new customer."""

    model = Trial
    serializer_class = TrialSerializer

    def narrow(self, queryset):
        return selectors.with_trial_details(queryset)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        data = self.get_serializer(page if page is not None else self.get_queryset(), many=True)
        return self.get_paginated_response(data.data) if page is not None else Response(data.data)

    @extend_schema(request=TrialStartSerializer, responses={201: TrialSerializer})
    def create(self, request):
        """Start a trial. A new admin email creates the customer; an existing customer's
        is asked for consent (status `pending_consent`)."""
        _require_seller(request)
        body = TrialStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        trial = services.trial_start(
            actor=request.user,
            partner=request.user.organization,
            company_name=data["company_name"],
            admin_email=data["admin_email"],
            industry=data["industry"],
            country=data["country"],
            sizes=body.sizes(),
            length_days=data["length_days"],
        )
        return Response(TrialSerializer(trial).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[TRIAL_ID])
class CustomerTrialViewSet(CustomerScopedViewSet):
    """A customer's trials run by the caller's partner: list, start, read, extend, change
    services, convert to paid, delete."""

    serializer_class = TrialSerializer
    queryset = Trial.objects.select_related("customer").prefetch_related("services", "devices")
    # Partners with provisioning-only access manage the trial services too.
    reach = (VIEW, PROVISION)
    write_action = PROVISION

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def _trial(self, trial_id, action=CHANGE) -> Trial:
        return get_visible_or_404(self.get_queryset(), self.request.user, trial_id, action)

    @extend_schema(parameters=[], responses=TrialSerializer(many=True))
    def list(self, request, customer_id=None):
        # Paginated like every list of the API (and as the schema says).
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        parameters=[], request=TrialCustomerStartSerializer, responses={201: TrialSerializer}
    )
    def create(self, request, customer_id=None):
        """Add a trial for a customer this partner already serves: it starts at once."""
        _require_seller(request)
        body = TrialCustomerStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        trial = services.trial_start_for_customer(
            actor=request.user,
            partner=request.user.organization,
            customer=self.customer,
            sizes=body.sizes(),
            length_days=body.validated_data["length_days"],
        )
        return Response(TrialSerializer(trial).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, customer_id=None, trial_id=None):
        trial = self._trial(trial_id, action="view")
        return Response(self.get_serializer(trial).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, customer_id=None, trial_id=None):
        services.trial_delete(actor=request.user, trial=self._trial(trial_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=TrialSerializer)
    def extend(self, request, customer_id=None, trial_id=None):
        """New end date = today + 30 days, whatever was left."""
        trial = services.trial_extend(actor=request.user, trial=self._trial(trial_id))
        return Response(self.get_serializer(trial).data)

    @extend_schema(request=TrialSizesSerializer, responses=TrialSerializer)
    def change_services(self, request, customer_id=None, trial_id=None):
        """Replace the trial's services and sizes (add or remove)."""
        trial = self._trial(trial_id)
        body = TrialSizesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        trial = services.trial_change_services(actor=request.user, trial=trial, sizes=body.sizes())
        return Response(self.get_serializer(trial).data)

    @extend_schema(request=TrialConvertSerializer, responses=TrialSerializer)
    def convert(self, request, customer_id=None, trial_id=None):
        """Tier 1: place the order, mapped onto the trial's customer. Tier 2: send the
        request to the distributor (the trial stays as it is until they process it)."""
        trial = self._trial(trial_id)
        body = TrialConvertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        lines = [(line["sku"], line["quantity"]) for line in data["lines"]]
        if trial.partner.tier == 2:
            services.trial_conversion_request(
                actor=request.user, trial=trial, offer_code=data["offer"], lines=lines
            )
        else:
            services.trial_convert(
                actor=request.user,
                trial=trial,
                web_order_id=data["web_order_id"],
                offer_code=data["offer"],
                lines=lines,
                provisioning_contact_email=data["provisioning_contact_email"] or request.user.email,
            )
        trial.refresh_from_db()
        return Response(self.get_serializer(trial).data)
