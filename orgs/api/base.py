"""The bases endpoints stand on: the customer in the URL is resolved through tenancy once,
anything outside the caller's reach is a 404, and a top-level list starts from the rows
the caller reaches, which a subclass can narrow but not skip."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets

from orgs.models import Organization
from orgs.tenancy import CHANGE, VIEW, get_visible_or_404, refuse_overrides, visible_rows

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


class TenantViewSet(viewsets.GenericViewSet):
    """Base of a top-level list endpoint (customers, orders, trials): the rows are
    `model`'s rows the caller reaches by any action of `list_reach`, narrowed by
    `narrow()`. Subclasses may not define `get_queryset` (TypeError at import)."""

    model = None
    list_reach: tuple[str, ...] = (VIEW,)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        refuse_overrides(cls, ("get_queryset",))

    def narrow(self, queryset):
        return queryset

    def get_queryset(self):
        return self.narrow(visible_rows(self.model, self.request.user, self.list_reach))
