"""The base every customer-scoped endpoint stands on: the customer in the URL is
resolved through tenancy once, and anything outside the caller's reach is a 404."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets

from orgs.models import Organization
from orgs.tenancy import CHANGE, VIEW, get_visible_or_404

CUSTOMER_ID = OpenApiParameter(
    "customer_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Customer id"
)


@extend_schema(parameters=[CUSTOMER_ID])
class CustomerScopedViewSet(viewsets.GenericViewSet):
    """Subclasses see `self.customer`, already checked; their queryset is narrowed to it.

    `reach` is how the caller must reach the customer at all (seeing it, by default;
    add PROVISION for endpoints that provisioning-only partners use), `write_action` what
    unsafe methods need on it (CHANGE by default).
    """

    reach: tuple[str, ...] = (VIEW,)
    write_action = CHANGE
    customer_field = "customer"

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        action = VIEW if request.method in permissions.SAFE_METHODS else self.write_action
        self.customer = get_visible_or_404(
            Organization.objects.customers(),
            request.user,
            kwargs["customer_id"],
            action,
            reach=self.reach,
        )

    def get_queryset(self):
        return super().get_queryset().filter(**{self.customer_field: self.customer})
