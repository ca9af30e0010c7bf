"""Pages of the subscriptions app: partners' orders, the Set up now wizard and the
customer's setup wizard."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.views.generic import DetailView, TemplateView

from orgs import roles
from orgs.tenancy import get_visible_or_404
from subscriptions import links
from subscriptions.models import Order


def partner_orders(person):
    if person.role not in roles.PARTNER_ROLES:
        return Order.objects.none()
    return Order.objects.visible_to(person).select_related("offer", "partner", "customer")


class OrderDetailView(LoginRequiredMixin, DetailView):
    template_name = "subscriptions/order_detail.html"
    context_object_name = "order"

    def get_object(self, queryset=None):
        return get_visible_or_404(
            partner_orders(self.request.user), self.request.user, self.kwargs["order_id"]
        )


class SetupNowView(TemplateView):
    """The Set up now link's landing page: opening it never consumes it."""

    template_name = "subscriptions/setup_link.html"

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    def get_context_data(self, **kwargs):
        try:
            order, link = links.order_for_token(self.kwargs["token"])
        except links.LinkProblem as problem:
            self.template_name = "subscriptions/setup_link_dead.html"
            return super().get_context_data(problem=problem.reason, **kwargs)
        if order is None:
            raise Http404
        return super().get_context_data(order=order, link=link, **kwargs)
