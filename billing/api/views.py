"""Invoice endpoints: read only (writes answer 405). A customer's invoices under the
customer (404 for anyone who cannot see it), and every invoice a person may see."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, viewsets
from rest_framework.response import Response

from billing import selectors
from billing.api.renderers import InvoiceCsvRenderer, InvoicePdfRenderer
from billing.api.serializers import InvoiceSerializer
from billing.filters import InvoiceFilter
from billing.models import Invoice
from orgs.api.base import CustomerScopedViewSet
from orgs.tenancy import get_visible_or_404

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
