"""Pages of the trials app: start a trial, a trial's page with its actions, the customer's
consent page, and the distributor's conversion requests. Thin: parse, call a service,
render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from orgs import roles
from orgs.tenancy import CHANGE, PROVISION, VIEW, can, get_visible_or_404
from orgs.views_base import SAFE_METHODS, CustomerPageMixin, TenantListMixin
from subscriptions.forms import OrderLineFormSet
from subscriptions.views import attach_order_errors
from trials import rules, selectors, services
from trials.forms import (
    ConsentForm,
    ConversionForm,
    DeviceReturnForm,
    DeviceShipForm,
    ProcessConversionForm,
    TrialServicesForm,
    TrialStartForCustomerForm,
    TrialStartForm,
)
from trials.models import ConversionRequest, Trial


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


class SellerRequiredMixin(LoginRequiredMixin):
    """Only sales admins and sales full admins start trials."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not roles.may_sell(request.user.role):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class TrialListView(TenantListMixin, TemplateView):
    model = Trial
    template_name = "trials/trial_list.html"

    def narrow(self, queryset):
        return selectors.with_trial_details(queryset)

    def get_context_data(self, **kwargs):
        person = self.request.user
        return super().get_context_data(
            trials=self.get_queryset(),
            may_sell=roles.may_sell(person.role),
            today=services._today(),
            **kwargs,
        )


class TrialStartView(SellerRequiredMixin, FormView):
    template_name = "trials/trial_start.html"
    form_class = TrialStartForm

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            trial = services.trial_start(
                actor=self.request.user,
                partner=self.request.user.organization,
                company_name=data["company_name"],
                admin_email=data["admin_email"],
                industry=data["industry"],
                country=data["country"],
                sizes=form.sizes(),
                length_days=data["length_days"],
            )
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        if trial.status == Trial.Status.PENDING_CONSENT:
            messages.success(
                self.request,
                _("%(customer)s already exists: a consent request was sent to its full admins.")
                % {"customer": trial.customer.name},
            )
        else:
            messages.success(self.request, _("Trial started."))
        return redirect("trial-detail", trial_id=trial.pk)


class CustomerTrialStartView(CustomerPageMixin, FormView):
    """Add a trial to a customer this partner already serves: starts at once."""

    read_action = PROVISION
    write_action = PROVISION
    template_name = "trials/trial_start_customer.html"
    form_class = TrialStartForCustomerForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not roles.may_sell(request.user.role):
            # Resolve the customer first so another tenant's id still answers 404.
            get_visible_or_404(
                self.organization_queryset(), request.user, kwargs["customer_id"], VIEW
            )
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        available = services.services_available(self.customer, self.request.user.organization)
        return {**super().get_form_kwargs(), "available": available}

    def form_valid(self, form):
        try:
            trial = services.trial_start_for_customer(
                actor=self.request.user,
                partner=self.request.user.organization,
                customer=self.customer,
                sizes=form.sizes(),
                length_days=form.cleaned_data["length_days"],
            )
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Trial started; the customer's admins were told."))
        return redirect("trial-detail", trial_id=trial.pk)


class TrialPageMixin(LoginRequiredMixin):
    """Pages under /trials/<trial_id>/: `self.trial`, resolved through tenancy."""

    read_action = VIEW
    write_action = CHANGE

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        action = self.read_action if request.method in SAFE_METHODS else self.write_action
        self.trial = get_visible_or_404(
            selectors.trials_visible(request.user), request.user, kwargs["trial_id"], action
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(trial=self.trial, **kwargs)


class TrialDetailView(TrialPageMixin, TemplateView):
    template_name = "trials/trial_detail.html"

    def get_context_data(self, **kwargs):
        trial = self.trial
        today = services._today()
        person = self.request.user
        return super().get_context_data(
            may_change=can(person, trial, CHANGE),
            conversion_blocked=services.conversion_blocked_reason(trial)
            if trial.status in ("active", "grace")
            else None,
            days_left=rules.days_left(trial.end_date, today),
            grace_end=rules.grace_end(trial.end_date) if trial.end_date else None,
            grace_days_left=rules.grace_days_left(trial.end_date, today),
            devices_due=rules.devices_due_date(trial.end_date) if trial.end_date else None,
            shipped=trial.shipped_devices.all(),
            devices_overdue=bool(
                trial.end_date
                and today > rules.devices_due_date(trial.end_date)
                and trial.shipped_devices.filter(returned_on__isnull=True).exists()
            ),
            ship_form=DeviceShipForm(),
            return_form=DeviceReturnForm(),
            conversion_requests=trial.conversion_requests.all(),
            **kwargs,
        )


class TrialActionView(TrialPageMixin, TemplateView):
    """Resend consent, cancel, provision, extend, ship or return devices (POST). Cancel and
    extend are asked first (GET): extending may shorten the trial, so the confirmation
    shows the new end date, and the POST carries the date that was confirmed."""

    http_method_names = ["get", "post"]
    read_action = CHANGE  # the confirmation page is for those who may act
    template_name = "trials/trial_confirm.html"
    CONFIRMED = ("cancel", "extend")

    def get(self, request, *args, **kwargs):
        if kwargs["action"] not in self.CONFIRMED:
            raise Http404
        return self.render_to_response(self.get_context_data(action=kwargs["action"]))

    def get_context_data(self, **kwargs):
        trial, today = self.trial, services._today()
        new_end = rules.extended_end_date(today)
        left = rules.days_left(trial.end_date, today)
        return super().get_context_data(
            new_end=new_end,
            days_left=left,
            shortened_by=(trial.end_date - new_end).days
            if trial.end_date and trial.end_date > new_end
            else 0,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        action = kwargs["action"]
        trial, actor = self.trial, request.user
        if action == "extend" and request.POST.get("new_end_date") != (
            rules.extended_end_date(services._today()).isoformat()
        ):
            # Not confirmed, or confirmed for another day: ask (again) with today's date.
            return redirect("trial-extend", trial_id=trial.pk)
        if action == "cancel" and request.POST.get("confirm") != "yes":
            return redirect("trial-cancel", trial_id=trial.pk)
        try:
            if action == "resend":
                services.trial_consent_resend(actor=actor, trial=trial)
                messages.success(request, _("The consent email was sent again."))
            elif action == "cancel":
                services.trial_cancel(actor=actor, trial=trial)
                messages.success(request, _("Trial cancelled."))
                return redirect("trial-list")
            elif action == "provision":
                services.trial_provision(actor=actor, trial=trial)
                messages.success(request, _("Trial active."))
            elif action == "extend":
                services.trial_extend(actor=actor, trial=trial)
                messages.success(
                    request,
                    _("Trial extended: it now ends on %(date)s.")
                    % {"date": date_format(trial.end_date, "SHORT_DATE_FORMAT")},
                )
            elif action == "ship":
                form = DeviceShipForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose a model and give a serial number."))
                services.trial_devices_ship(
                    actor=actor,
                    trial=trial,
                    units=[(form.cleaned_data["model"], form.cleaned_data["serial_number"])],
                )
                messages.success(request, _("Shipment recorded."))
            elif action == "return":
                form = DeviceReturnForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Give the serial number."))
                services.trial_device_return(
                    actor=actor, trial=trial, serial_number=form.cleaned_data["serial_number"]
                )
                messages.success(request, _("Return recorded."))
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("trial-detail", trial_id=trial.pk)


class TrialEditView(TrialPageMixin, FormView):
    read_action = CHANGE
    template_name = "trials/trial_edit.html"
    form_class = TrialServicesForm

    def get_initial(self):
        return TrialServicesForm.initial_for(self.trial)

    def form_valid(self, form):
        try:
            services.trial_change_services(
                actor=self.request.user, trial=self.trial, sizes=form.sizes()
            )
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Services saved."))
        return redirect("trial-detail", trial_id=self.trial.pk)


class TrialDeleteView(TrialPageMixin, TemplateView):
    read_action = CHANGE
    template_name = "trials/trial_delete.html"

    def post(self, request, *args, **kwargs):
        services.trial_delete(actor=request.user, trial=self.trial)
        messages.success(request, _("Trial deleted."))
        return redirect("trial-list")


class TrialConvertView(TrialPageMixin, FormView):
    """The paid order of a trial: the order form's fields and lines, its lines prefilled
    from the trial's sizes."""

    read_action = CHANGE
    template_name = "trials/trial_convert.html"
    form_class = ConversionForm

    def get_initial(self):
        return {"provisioning_contact_email": self.request.user.email}

    def get(self, request, *args, **kwargs):
        blocked = services.conversion_blocked_reason(self.trial)
        if blocked:  # said before any form is filled
            return self.render_to_response({"trial": self.trial, "blocked": blocked})
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        trial = self.trial
        kwargs.setdefault(
            "lines",
            OrderLineFormSet(
                prefix="lines",
                initial=rules.conversion_lines(trial.standard_agents, trial.premium_agents),
            ),
        )
        return super().get_context_data(tier_two=trial.partner.tier == 2, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        lines = OrderLineFormSet(request.POST, prefix="lines")
        form_valid, lines_valid = form.is_valid(), lines.is_valid()
        if not (form_valid and lines_valid):
            return self.render_to_response(self.get_context_data(form=form, lines=lines))
        data = form.cleaned_data
        chosen = [(line["sku"], line["quantity"]) for line in lines.cleaned_data if line.get("sku")]
        try:
            if self.trial.partner.tier == 2:
                services.trial_conversion_request(
                    actor=request.user,
                    trial=self.trial,
                    offer_code=data["offer_code"],
                    lines=chosen,
                )
                messages.success(request, _("Conversion request sent to your distributor."))
            else:
                services.trial_convert(
                    actor=request.user,
                    trial=self.trial,
                    web_order_id=data["web_order_id"],
                    offer_code=data["offer_code"],
                    lines=chosen,
                    provisioning_contact_email=data["provisioning_contact_email"]
                    or request.user.email,
                )
                messages.success(request, _("Trial converted to a paid order."))
        except ValidationError as error:
            attach_order_errors(form, lines, error)
            return self.render_to_response(self.get_context_data(form=form, lines=lines))
        return redirect("trial-detail", trial_id=self.trial.pk)


class ConsentView(View):
    """The page a customer's full admin reaches from the consent email. GET only shows
    it; the POST accepts and is what uses the link up."""

    template_name = "trials/consent.html"

    def dispatch(self, request, *args, **kwargs):
        self.trial = services.trial_for_consent_token(kwargs["token"])
        if self.trial is None:
            return render(request, "trials/consent_invalid.html", status=404)
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def _may_accept(self) -> bool:
        person = self.request.user
        return (
            person.organization_id == self.trial.customer_id
            and person.role == roles.Role.CUSTOMER_FULL_ADMIN
        )

    def get(self, request, *args, **kwargs):
        return self._render(ConsentForm())

    def post(self, request, *args, **kwargs):
        form = ConsentForm(request.POST)
        if not self._may_accept():
            raise PermissionDenied
        if request.POST.get("decline"):
            services.trial_consent_decline(person=request.user, trial=self.trial)
            messages.success(
                request,
                _("You declined the trial of %(partner)s; they were told.")
                % {"partner": self.trial.partner.name},
            )
            return redirect("customer-detail", customer_id=self.trial.customer_id)
        if not form.is_valid():
            return self._render(form)
        try:
            services.trial_consent_accept(
                person=request.user, trial=self.trial, access=form.cleaned_data["access"]
            )
        except ValidationError as error:
            _form_errors(form, error)
            return self._render(form)
        messages.success(
            request,
            _("You accepted the trial of %(partner)s.") % {"partner": self.trial.partner.name},
        )
        return redirect("customer-detail", customer_id=self.trial.customer_id)

    def _render(self, form):
        return render(
            self.request,
            self.template_name,
            {"trial": self.trial, "form": form, "may_accept": self._may_accept()},
            status=200 if self._may_accept() else 403,
        )


class ConversionRequestListView(LoginRequiredMixin, TemplateView):
    """A distributor's people see the requests of their tier 2 partners and process them."""

    template_name = "trials/conversion_requests.html"

    def get_context_data(self, **kwargs):
        person = self.request.user
        return super().get_context_data(
            requests=selectors.conversion_requests_for(person),
            form=ProcessConversionForm(),
            may_process=not roles.is_read_only(person.role),
            **kwargs,
        )


class ConversionProcessView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        conversion = get_visible_or_404(
            ConversionRequest.objects.select_related("trial"),
            request.user,
            kwargs["conversion_id"],
            CHANGE,
        )
        form = ProcessConversionForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Give the web order id."))
            services.conversion_process(
                actor=request.user,
                conversion=conversion,
                web_order_id=form.cleaned_data["web_order_id"],
            )
            messages.success(request, _("Order placed; the trial is converted."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("trial-conversion-requests")
