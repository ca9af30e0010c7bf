"""Customers endpoints: list, read and change a customer's settings."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.response import Response

from orgs import services
from orgs.api.base import TenantViewSet
from orgs.api.serializers import CustomerSerializer, CustomerUpdateSerializer
from orgs.models import Organization, PartnerRelationship
from orgs.tenancy import CHANGE, get_visible_or_404


class CustomerViewSet(mixins.ListModelMixin, TenantViewSet):
    model = Organization
    serializer_class = CustomerSerializer
    lookup_url_kwarg = "customer_id"

    def narrow(self, queryset):
        managing = PartnerRelationship.objects.select_related("partner")
        return queryset.customers().prefetch_related(
            Prefetch("partner_relationships", queryset=managing)
        )

    def retrieve(self, request, customer_id=None):
        customer = get_visible_or_404(self.get_queryset(), request.user, customer_id)
        return Response(self.get_serializer(customer).data)

    @extend_schema(request=CustomerUpdateSerializer, responses=CustomerSerializer)
    def partial_update(self, request, customer_id=None):
        customer = get_visible_or_404(self.get_queryset(), request.user, customer_id, CHANGE)
        changes = CustomerUpdateSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        customer = services.customer_update(
            actor=request.user, customer=customer, **changes.validated_data
        )
        return Response(self.get_serializer(customer).data)
