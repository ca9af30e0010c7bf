"""Pages of the subscriptions app: partners' orders, the Set up now provisioning wizard
and the customer's setup wizard. Thin: parse input, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from orgs import roles
from orgs.exports import SafeExportMixin
from orgs.tenancy import can, get_visible_or_404
from orgs.views_base import TenantListMixin
from subscriptions import forms, rules, services
from subscriptions.filters import OrderFilter
from subscriptions.models import Order, Subscription
from subscriptions.selectors import partner_orders
from subscriptions.tables import OrderTable

# Orders -------------------------------------------------------------------------------


class PartnerOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role not in roles.PARTNER_ROLES:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class OrderListView(
    PartnerOnlyMixin, TenantListMixin, SafeExportMixin, SingleTableMixin, FilterView
):
    model = Order
    table_class = OrderTable
    filterset_class = OrderFilter
    template_name = "subscriptions/order_list.html"
    export_formats = ("csv", "xlsx")
    export_name = "orders"
    paginate_by = 50

    def narrow(self, queryset):
        return partner_orders(self.request.user, queryset)

    def get_context_data(self, **kwargs):
        may_order = roles.may_place_orders(self.request.user.role)
        return super().get_context_data(may_order=may_order, **kwargs)


class OrderCreateView(PartnerOnlyMixin, TemplateView):
    """Place an order: the same `order_place` as POST /api/v1/orders/."""

    template_name = "subscriptions/order_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not roles.may_place_orders(request.user.role):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            {"form": forms.OrderForm(), "lines": forms.OrderLineFormSet(prefix="lines")}
        )

    def post(self, request, *args, **kwargs):
        form = forms.OrderForm(request.POST, partner=request.user.organization)
        lines = forms.OrderLineFormSet(request.POST, prefix="lines")
        # Both validated, so every problem of the page shows at once.
        form_valid, lines_valid = form.is_valid(), lines.is_valid()
        if form_valid and lines_valid:
            chosen = [
                (line["sku"], line["quantity"]) for line in lines.cleaned_data if line.get("sku")
            ]
            try:
                order = services.order_place(
                    actor=request.user,
                    partner=request.user.organization,
                    web_order_id=form.cleaned_data["web_order_id"],
                    offer_code=form.cleaned_data["offer"],
                    requested_start_date=form.cleaned_data["requested_start_date"],
                    provisioning_contact_email=form.cleaned_data["provisioning_contact_email"],
                    lines=chosen,
                )
            except ValidationError as error:
                attach_order_errors(form, lines, error)
            else:
                messages.success(request, _("Order %(id)s placed.") % {"id": order.web_order_id})
                return redirect("order-detail", order_id=order.pk)
        return self.render_to_response({"form": form, "lines": lines})


def attach_order_errors(form, lines, error: ValidationError) -> None:
    """Put a service's field errors (`lines[1].sku`) on the matching form fields; also used
    by the trial conversion form, which has the same lines."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    filled = [i for i, line in enumerate(lines.forms) if line.cleaned_data.get("sku")]
    for field, problems in error.message_dict.items():
        if field.startswith("lines[") and "]." in field:
            index, name = field[6:].split("].", 1)
            lines.forms[filled[int(index)]].add_error(name, problems)
        elif field in form.fields:
            form.add_error(field, problems)
        else:
            form.add_error(None, problems)


class OrderDetailView(PartnerOnlyMixin, TemplateView):
    template_name = "subscriptions/order_detail.html"

    def get_order(self) -> Order:
        return get_visible_or_404(
            partner_orders(self.request.user), self.request.user, self.kwargs["order_id"]
        )

    def get_context_data(self, **kwargs):
        order = self.get_order()
        may_change = order.is_open and roles.may_place_orders(self.request.user.role)
        deadline = (
            rules.close_deadline(order.offer.code, order.setup_email_sent_at)
            if order.setup_email_sent_at
            else None
        )
        return super().get_context_data(
            order=order,
            lines=order.lines.select_related("sku"),
            subscription=Subscription.objects.unscoped().filter(order=order).first(),
            customer_visible=can(self.request.user, order.customer),
            may_change=may_change,
            deadline=deadline,
            contact_form=forms.ContactForm(
                initial={"provisioning_contact_email": order.provisioning_contact_email}
            ),
            **kwargs,
        )


class OrderWriteView(PartnerOnlyMixin, View):
    """POST-only actions on an order: 404 outside reach, 403 for roles that may not."""

    def post(self, request, order_id):
        order = get_visible_or_404(partner_orders(request.user), request.user, order_id)
        if not roles.may_place_orders(request.user.role):
            raise PermissionDenied
        try:
            self.act(request, order)
        except ValidationError as error:
            for problems in error.message_dict.values():
                for problem in problems:
                    messages.error(request, problem)
        return redirect("order-detail", order_id=order.pk)


class OrderContactView(OrderWriteView):
    def act(self, request, order: Order) -> None:
        form = forms.ContactForm(request.POST)
        if not form.is_valid():
            raise ValidationError({"provisioning_contact_email": _("Enter a valid email.")})
        services.order_contact_update(
            actor=request.user,
            order=order,
            provisioning_contact_email=form.cleaned_data["provisioning_contact_email"],
        )
        messages.success(request, _("Provisioning contact saved."))


class OrderResendView(OrderWriteView):
    def act(self, request, order: Order) -> None:
        services.order_setup_email_send(actor=request.user, order=order)
        messages.success(
            request,
            _("Set up now email sent to %(email)s.") % {"email": order.provisioning_contact_email},
        )
