"""Invoice endpoints: read only (writes answer 405). A customer's invoices under the
customer (404 for anyone who cannot see it), and every invoice a person may see. Disputes
of invoice lines: opened under the invoice, listed and settled at /disputes/."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.response import Response

from billing import selectors, services
from billing.api.renderers import InvoiceCsvRenderer, InvoicePdfRenderer
from billing.api.serializers import (
    DisputeOpenSerializer,
    DisputeResolveSerializer,
    DisputeSerializer,
    InvoiceSerializer,
    dispute_dict,
)
from billing.filters import DisputeFilter, InvoiceFilter
from billing.models import Dispute, Invoice
from billing.selectors import OPEN_FIRST
from orgs import roles
from orgs.api.base import CustomerScopedViewSet, TenantViewSet
from orgs.tenancy import CHANGE, VIEW, get_visible_or_404

INVOICE_ID = OpenApiParameter("invoice_id", OpenApiTypes.INT, OpenApiParameter.PATH)
FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv", "pdf"],
    description="`csv`: one row per line; `pdf`: the invoice document.",
)


class CustomerInvoiceViewSet(mixins.ListModelMixin, CustomerScopedViewSet):
    serializer_class = InvoiceSerializer
    renderer_classes = [
        renderers.JSONRenderer,
        renderers.BrowsableAPIRenderer,
        InvoiceCsvRenderer,
        InvoicePdfRenderer,
    ]

    def get_queryset(self):
        visible = Invoice.objects.visible_to(self.request.user).filter(customer=self.customer)
        return selectors.invoice_with_lines(visible).order_by("-issued_at", "-id")

    def get_renderers(self):
        if getattr(self, "action", None) == "list":
            return [renderers.JSONRenderer(), renderers.BrowsableAPIRenderer()]
        return super().get_renderers()

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors (404, 405) stay JSON even when a file was asked for.
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and isinstance(
            renderer, (InvoiceCsvRenderer, InvoicePdfRenderer)
        ):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(summary="A customer's invoices", description="Newest first.")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[INVOICE_ID, FORMAT],
        responses={200: InvoiceSerializer},
        summary="One invoice",
        description="JSON by default; `?format=csv` or `?format=pdf` for the files.",
    )
    def retrieve(self, request, customer_id=None, invoice_id=None):
        invoice = get_visible_or_404(self.get_queryset(), request.user, invoice_id)
        renderer = request.accepted_renderer
        if isinstance(renderer, InvoiceCsvRenderer):
            response = Response(selectors.invoice_csv(invoice))
            response["Content-Disposition"] = f'attachment; filename="{invoice.number}.csv"'
            return response
        if isinstance(renderer, InvoicePdfRenderer):
            from billing.views import invoice_pdf

            response = Response(invoice_pdf(invoice))
            response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
            return response
        return Response(self.get_serializer(invoice).data)


@extend_schema(
    summary="Every invoice you may see",
    description="A partner's people: the invoices their partner issued to the customers "
    "they reach; a customer's people: their own. Filters: `customer`, `status`, "
    "`period` (a date the billing period contains), `period_from`, `period_to`.",
    parameters=[OpenApiParameter("period", OpenApiTypes.DATE)],
)
class InvoiceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = InvoiceSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = InvoiceFilter

    def get_queryset(self):
        return selectors.invoice_with_lines(selectors.invoices_for(self.request.user))


# --- disputes ---------------------------------------------------------------------------------

DISPUTE_ID = OpenApiParameter("dispute_id", OpenApiTypes.INT, OpenApiParameter.PATH)
DISPUTE_ROWS = (
    "line",
    "invoice__customer",
    "customer",
    "opened_by",
    "resolved_by",
    "credit_invoice",
)


class InvoiceDisputeViewSet(CustomerScopedViewSet):
    """The disputes of one invoice, and opening one (a customer's full admin, within 90
    days of issue)."""

    serializer_class = DisputeSerializer

    def get_invoice(self) -> Invoice:
        return get_visible_or_404(
            Invoice.objects.filter(customer=self.customer).select_related("customer"),
            self.request.user,
            self.kwargs["invoice_id"],
        )

    def get_queryset(self):
        return Dispute.objects.visible_to(self.request.user).filter(customer=self.customer)

    @extend_schema(
        parameters=[INVOICE_ID],
        responses={200: DisputeSerializer(many=True)},
        summary="An invoice's disputes",
        description="Newest first.",
    )
    def list(self, request, customer_id=None, invoice_id=None):
        invoice = self.get_invoice()
        rows = self.get_queryset().filter(invoice=invoice).select_related(*DISPUTE_ROWS)
        return Response([dispute_dict(d) for d in rows])

    @extend_schema(
        parameters=[INVOICE_ID],
        request=DisputeOpenSerializer,
        responses={201: DisputeSerializer},
        summary="Dispute a line of an invoice",
        description="By the customer's full admins, within 90 days of the invoice's issue; "
        "a line has at most one open dispute. Credit lines cannot be disputed.",
    )
    def create(self, request, customer_id=None, invoice_id=None):
        invoice = self.get_invoice()
        if not services.may_open_dispute(request.user, invoice):
            raise PermissionDenied
        body = DisputeOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = services.dispute_open(
            actor=request.user,
            invoice=invoice,
            line_id=body.validated_data["line"],
            reason=body.validated_data["reason"],
        )
        return Response(dispute_dict(dispute), status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "accepted", "rejected"]),
    ]
)
class DisputeViewSet(TenantViewSet):
    """Every dispute you may see (a partner's people: those of the invoices their partner
    issued to the customers they reach; a customer's people: their own), open first; and
    settling one."""

    model = Dispute
    serializer_class = DisputeSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DisputeFilter

    def narrow(self, queryset):
        return queryset.select_related(*DISPUTE_ROWS).order_by(*OPEN_FIRST)

    @extend_schema(summary="Every dispute you may see", description="Open first, oldest first.")
    def list(self, request):
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        data = [dispute_dict(d) for d in (page if page is not None else rows)]
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(parameters=[DISPUTE_ID], summary="One dispute")
    def retrieve(self, request, dispute_id=None):
        dispute = get_visible_or_404(
            Dispute.objects.select_related(*DISPUTE_ROWS), request.user, dispute_id
        )
        return Response(dispute_dict(dispute))

    @extend_schema(
        parameters=[DISPUTE_ID],
        request=DisputeResolveSerializer,
        responses={200: DisputeSerializer},
        summary="Settle a dispute",
        description="By the issuing partner's full admins: `accepted` with `credit_quantity` "
        "(1 up to the line's quantity less earlier credits; the customer's next invoice "
        "carries the credit line), or `rejected` with a `note`.",
    )
    def resolve(self, request, dispute_id=None):
        # A partner's people who see it but may not settle it get 403; the customer's
        # people, for whom settling does not exist, 404.
        reach = (VIEW,) if request.user.role in roles.PARTNER_ROLES else (CHANGE,)
        dispute = get_visible_or_404(
            Dispute.objects.select_related(*DISPUTE_ROWS),
            request.user,
            dispute_id,
            CHANGE,
            reach=reach,
        )
        body = DisputeResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        dispute = services.dispute_resolve(
            actor=request.user,
            dispute=dispute,
            outcome=data["outcome"],
            credit_quantity=data.get("credit_quantity"),
            note=data.get("note", ""),
        )
        return Response(dispute_dict(dispute))
