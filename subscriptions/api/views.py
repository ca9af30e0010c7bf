"""Orders endpoints: a partner's orders, placing one, and provisioning it (the API
equivalent of the provisioning wizard, through the same `order_provision`)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from orgs import roles
from orgs.api.serializers import CustomerSerializer
from orgs.apikeys import ORDERS_WRITE
from orgs.tenancy import get_visible_or_404
from subscriptions import services
from subscriptions.api.serializers import (
    OrderCreateSerializer,
    OrderSerializer,
    ProvisionResultSerializer,
    ProvisionSerializer,
    SubscriptionSerializer,
)
from subscriptions.models import Order, OrderLine

ORDER_ID = OpenApiParameter("order_id", OpenApiTypes.INT, OpenApiParameter.PATH)


class PartnerOrders:
    """The queryset a person reaches: their partner's orders, nothing for anyone else."""

    def get_queryset(self):
        person = self.request.user
        if person.role not in roles.PARTNER_ROLES:
            return Order.objects.none()
        lines = OrderLine.objects.select_related("sku__overage_of")
        return (
            Order.objects.visible_to(person)
            .select_related("offer", "subscription")
            .prefetch_related(Prefetch("lines", queryset=lines))
        )

    def require_order_writer(self) -> None:
        if not roles.may_place_orders(self.request.user.role):
            raise PermissionDenied(_("Your role may not place or provision orders."))


@extend_schema_view(
    list=extend_schema(
        summary="The partner's orders",
        description="Orders of the caller's partner organisation, newest first.",
    )
)
class OrderViewSet(PartnerOrders, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Orders of the caller's partner organisation. Partner people read them; roles that
    may place orders place and provision them. Another partner's order answers 404."""

    serializer_class = OrderSerializer
    lookup_url_kwarg = "order_id"
    required_scope = ORDERS_WRITE

    @extend_schema(parameters=[ORDER_ID], summary="One order")
    def retrieve(self, request, order_id=None):
        order = get_visible_or_404(self.get_queryset(), request.user, order_id)
        return Response(self.get_serializer(order).data)

    @extend_schema(
        request=OrderCreateSerializer,
        responses={201: OrderSerializer},
        summary="Place an order",
        description="The matching overage SKUs are added at quantity 0 (billed in arrears). "
        "When the requested start date is today or past, the Set up now email goes at once; "
        "otherwise on that date. Errors name the field, e.g. `lines[1].sku`.",
    )
    def create(self, request):
        self.require_order_writer()
        data = OrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order = services.order_place(
            actor=request.user,
            partner=request.user.organization,
            web_order_id=values["web_order_id"],
            offer_code=values["offer"],
            requested_start_date=values["requested_start_date"],
            provisioning_contact_email=values["provisioning_contact_email"],
            currency=values.get("currency"),
            lines=[
                (
                    line["sku"],
                    line["quantity"],
                    line.get("unit_price"),
                    line.get("overage_unit_price"),
                )
                for line in values["lines"]
            ],
        )
        order = self.get_queryset().get(pk=order.pk)
        return Response(self.get_serializer(order).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[ORDER_ID],
        request=ProvisionSerializer,
        responses={201: ProvisionResultSerializer},
        summary="Provision an order",
        description="The API equivalent of the provisioning wizard: creates the customer "
        'organisation (`"organization": "new"`) or maps the order onto an existing one '
        "(its id; the customer admin email must be one of its full admins), and a "
        "subscription with the order's commitments starting on the requested start date.",
    )
    def provision(self, request, order_id=None):
        order = get_visible_or_404(self.get_queryset(), request.user, order_id)
        self.require_order_writer()
        data = ProvisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        subscription = services.order_provision(
            actor=request.user,
            order=order,
            customer_admin_email=values["customer_admin_email"],
            company_name=values["company_name"],
            country=values["country"],
            organization=values["organization"],
            activate=values["activate"],
        )
        body = {
            "customer": CustomerSerializer(subscription.customer).data,
            "subscription": SubscriptionSerializer(subscription).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)
