"""Base mixins for pages: the organisation or customer in the URL is resolved through
tenancy once (404 outside reach, 403 for a read-only admin asking to change), and the
top-level lists (orders, trials, customers, people, audit log) start from the rows the
person reaches, which a subclass can narrow but not skip."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin

from orgs.models import Organization
from orgs.tenancy import CHANGE, VIEW, get_visible_or_404, refuse_overrides, visible_rows

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class OrganizationPageMixin(LoginRequiredMixin):
    """Pages under /orgs/<org_id>/: `self.organization`, any kind of organisation."""

    url_kwarg = "org_id"
    read_action = VIEW
    write_action = CHANGE

    def organization_queryset(self):
        return Organization.objects.all()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        action = self.read_action if request.method in SAFE_METHODS else self.write_action
        self.organization = get_visible_or_404(
            self.organization_queryset(), request.user, kwargs[self.url_kwarg], action
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(organization=self.organization, **kwargs)


class CustomerPageMixin(OrganizationPageMixin):
    """Pages under /customers/<customer_id>/: `self.customer`, a customer organisation."""

    url_kwarg = "customer_id"

    def organization_queryset(self):
        return Organization.objects.customers()

    @property
    def customer(self) -> Organization:
        return self.organization

    def get_context_data(self, **kwargs):
        return super().get_context_data(customer=self.organization, **kwargs)


class TenantListMixin(LoginRequiredMixin):
    """Base of a top-level list page and its CSV/XLSX export: the rows are `model`'s rows
    the person reaches by any action of `list_reach`, narrowed by `narrow()`. Subclasses
    may not define `get_queryset` or `get_table_data` (TypeError at import)."""

    model = None
    list_reach: tuple[str, ...] = (VIEW,)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        refuse_overrides(cls, ("get_queryset", "get_table_data"))

    def narrow(self, queryset):
        """Filters, joins and annotations on the scoped rows."""
        return queryset

    def get_queryset(self):
        return self.narrow(visible_rows(self.model, self.request.user, self.list_reach))
