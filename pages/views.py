"""The pages that combine every app: the customer list (its filter, table and export) and
the customer's home."""

from __future__ import annotations

from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from orgs.exports import SafeExportMixin
from orgs.models import Organization
from orgs.selectors import people_of
from orgs.tenancy import ADMIN, CHANGE, PROVISION, VIEW, can
from orgs.views_base import CustomerPageMixin, TenantListMixin
from pages.filters import CustomerFilter
from pages.selectors import customers_for_list
from pages.tables import CustomerTable
from subscriptions.models import Subscription


class CustomerListView(TenantListMixin, SafeExportMixin, SingleTableMixin, FilterView):
    model = Organization
    # Trial customers a partner may only provision are listed too (their name links to
    # the trial).
    list_reach = (VIEW, PROVISION)
    table_class = CustomerTable
    filterset_class = CustomerFilter
    template_name = "pages/customer_list.html"
    export_formats = ("csv", "xlsx")
    export_name = "customers"
    paginate_by = 50

    def narrow(self, queryset):
        return customers_for_list(self.request.user, reachable=queryset)


class CustomerDetailView(CustomerPageMixin, TemplateView):
    template_name = "pages/customer_detail.html"

    def get_context_data(self, **kwargs):
        subscriptions = (
            Subscription.objects.visible_to(self.request.user)
            .filter(customer=self.customer)
            .select_related("order__offer")
        )
        return super().get_context_data(
            subscriptions=subscriptions,
            admins=people_of(self.customer),
            can_change=can(self.request.user, self.customer, CHANGE),
            can_manage_people=can(self.request.user, self.customer, ADMIN),
            **kwargs,
        )
