"""Pages of the subscriptions app: partners' orders, the Set up now provisioning wizard
and the customer's setup wizard. Thin: parse input, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from orgs import roles
from orgs.exports import SafeExportMixin
from orgs.models import Organization
from orgs.regions import region_for_country
from orgs.tenancy import CHANGE, get_visible_or_404
from orgs.views_base import CustomerPageMixin
from subscriptions import forms, links, rules, services
from subscriptions.filters import OrderFilter
from subscriptions.models import Order, Subscription
from subscriptions.tables import OrderTable

# Orders -------------------------------------------------------------------------------


def partner_orders(person):
    """The orders a person reaches: their partner's; nobody else has an order list."""
    if person.role not in roles.PARTNER_ROLES:
        return Order.objects.none()
    return Order.objects.visible_to(person).select_related("offer", "partner", "customer")


class PartnerOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role not in roles.PARTNER_ROLES:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class OrderListView(PartnerOnlyMixin, SafeExportMixin, SingleTableMixin, FilterView):
    table_class = OrderTable
    filterset_class = OrderFilter
    template_name = "subscriptions/order_list.html"
    export_formats = ("csv", "xlsx")
    export_name = "orders"
    paginate_by = 50

    def get_queryset(self):
        return partner_orders(self.request.user)

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
        form = forms.OrderForm(request.POST)
        lines = forms.OrderLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and lines.is_valid():
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
                _attach_errors(form, lines, error)
            else:
                messages.success(request, _("Order %(id)s placed.") % {"id": order.web_order_id})
                return redirect("order-detail", order_id=order.pk)
        return self.render_to_response({"form": form, "lines": lines})


def _attach_errors(form, lines, error: ValidationError) -> None:
    """Put a service's field errors (`lines[1].sku`) on the matching form fields."""
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
            customer_visible=order.customer_id is not None
            and Organization.objects.visible_to(self.request.user)
            .filter(pk=order.customer_id)
            .exists(),
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


# The Set up now provisioning wizard ---------------------------------------------------

WIZARD_SESSION = "provisioning-wizard"
DONE_SESSION = "provisioning-done"
PARTNER_STEPS = ["role", "who", "partner", "admin", "company", "organization", "confirm"]
CUSTOMER_STEPS = ["role", "admin", "company", "organization", "confirm"]
STEP_TITLES = {
    "role": _("Your role"),
    "who": _("Who sets up"),
    "partner": _("Partner organisation"),
    "admin": _("Customer admin"),
    "company": _("Company"),
    "organization": _("Organisation"),
    "confirm": _("Review and confirm"),
}
# Which step to go back to for a service's field error at confirmation.
FIELD_STEPS = {
    "customer_admin_email": "admin",
    "company_name": "company",
    "country": "company",
    "organization": "organization",
    "partner_admin_email": "partner",
    "partner_country": "partner",
}


def _no_referrer(response):
    response["Referrer-Policy"] = "no-referrer"
    return response


@method_decorator(csrf_exempt, name="dispatch")
class SetupNowView(View):
    """The provisioning wizard behind the Set up now link.

    Opening the link (GET, as mail scanners do) reads only. The state lives in the
    session, keyed by order, until the confirm step calls `order_provision`: leaving
    half-way writes nothing, and the link starts again.

    CSRF: with `Referrer-Policy: no-referrer` browsers post `Origin: null`, which
    Django's origin check refuses. The signed token in every URL is a secret a forging
    site cannot know, so it protects these posts instead.
    """

    def dispatch(self, request, token, step="start"):
        self.token, self.step = token, step
        try:
            self.order, self.link = links.order_for_token(token)
        except links.LinkProblem as problem:
            if (
                problem.reason == "used"
                and step == "done"
                and problem.order is not None
                and request.session.get(DONE_SESSION) == problem.order.pk
            ):
                return _no_referrer(self._render("done", order=problem.order))
            response = render(
                request,
                "subscriptions/setup_link_dead.html",
                {"problem": problem.reason, "order": problem.order},
            )
            return _no_referrer(response)
        if step not in ("start", "sent", "done", *PARTNER_STEPS):
            raise Http404
        return _no_referrer(super().dispatch(request, token, step))

    # State ---------------------------------------------------------------------------

    @property
    def state(self) -> dict:
        return self.request.session.get(WIZARD_SESSION, {}).get(str(self.order.pk), {})

    def save_state(self, state: dict | None) -> None:
        wizards = dict(self.request.session.get(WIZARD_SESSION, {}))
        if state is None:
            wizards.pop(str(self.order.pk), None)
        else:
            wizards[str(self.order.pk)] = state
        self.request.session[WIZARD_SESSION] = wizards

    def steps(self) -> list[str]:
        return CUSTOMER_STEPS if self.state.get("role") == "customer" else PARTNER_STEPS

    def url(self, step: str) -> str:
        if step == "start":
            return reverse("setup-now", args=[self.token])
        return reverse("setup-now-step", args=[self.token, step])

    def first_missing(self) -> str | None:
        done = self.state.get("done", [])
        for step in self.steps():
            if step == self.step:
                return None
            if step not in done:
                return step
        return None

    # Pages ---------------------------------------------------------------------------

    def get(self, request, token, step):
        if step == "start":
            return self._render("start")
        if step in ("sent", "done") or step not in self.steps() or "started" not in self.state:
            return redirect(self.url("start"))
        missing = self.first_missing()
        if missing:
            return redirect(self.url(missing))
        return self._render_step(self._form(step, initial=self._initial(step)))

    def post(self, request, token, step):
        if step == "start":
            services.order_wizard_opened(order=self.order)
            self.save_state({"started": True, "done": []})
            return redirect(self.url("role"))
        if step not in self.steps() or "started" not in self.state:
            return redirect(self.url("start"))
        missing = self.first_missing()
        if missing:
            return redirect(self.url(missing))
        form = self._form(step, data=request.POST)
        if not form.is_valid():
            return self._render_step(form)
        if step == "who" and form.cleaned_data["setup_by"] != "me":
            return self._delegate(form)
        if step == "confirm":
            return self._confirm(form)
        state = {**self.state, **form.cleaned_data}
        state["done"] = [*self.state.get("done", []), step]
        if step == "role":
            state["done"] = ["role"]  # the role decides which steps follow
        self.save_state(state)
        steps = self.steps()
        return redirect(self.url(steps[steps.index(step) + 1]))

    def _delegate(self, form):
        setup_by, email = form.cleaned_data["setup_by"], form.cleaned_data["email"]
        try:
            services.order_setup_delegate(
                actor=None,
                order=self.order,
                setup_by=setup_by,
                email=email,
                sent_by=self.link.email,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self._render_step(form)
        self.save_state(None)
        return self._render("sent", email=email, setup_by=setup_by)

    def _confirm(self, form):
        state = self.state
        partner_fields = {}
        if services.partner_needs_creating(self.order.partner) and state.get("role") != "customer":
            partner_fields = {
                "partner_admin_email": state.get("partner_admin_email", ""),
                "partner_name": state.get("partner_name", ""),
                "partner_country": state.get("partner_country", ""),
            }
        try:
            services.order_provision(
                actor=self._actor(),
                order=self.order,
                customer_admin_email=state["customer_admin_email"],
                company_name=state["company_name"],
                country=state["country"],
                organization=state["organization"],
                setup_by=self._setup_by(),
                **partner_fields,
            )
        except ValidationError as error:
            problems = [
                (FIELD_STEPS.get(field), problem)
                for field, messages_ in error.message_dict.items()
                for problem in messages_
            ]
            return self._render_step(form, problems=problems)
        self.save_state(None)
        self.request.session[DONE_SESSION] = self.order.pk
        return redirect(self.url("done"))

    def _actor(self):
        person = self.request.user
        if (
            person.is_authenticated
            and person.organization_id == self.order.partner_id
            and roles.may_place_orders(person.role)
        ):
            return person
        return None

    def _setup_by(self) -> str:
        if self.state.get("role") == "customer":
            return services.SetupBy.CUSTOMER
        if (
            self.order.setup_by == services.SetupBy.COLLEAGUE
            and self.link.email == self.order.delegated_to_email
        ):
            return services.SetupBy.COLLEAGUE
        return services.SetupBy.ME

    # Forms ---------------------------------------------------------------------------

    def _form(self, step: str, **kwargs):
        if step == "role":
            return forms.RoleForm(**kwargs)
        if step == "who":
            return forms.WhoForm(**kwargs)
        if step == "partner":
            if services.partner_needs_creating(self.order.partner):
                return forms.PartnerCreateForm(**kwargs)
            return forms.PartnerReviewForm(**kwargs)
        if step == "admin":
            return forms.AdminEmailForm(**kwargs)
        if step == "company":
            return forms.CompanyForm(**kwargs)
        if step == "organization":
            return forms.OrganizationChoiceForm(suggestions=self._suggestions(), **kwargs)
        return forms.ConfirmForm(**kwargs)

    def _initial(self, step: str) -> dict:
        initial = {key: value for key, value in self.state.items() if key not in ("done",)}
        if step == "role":
            initial.setdefault("role", self.link.role)
        if step == "admin" and self.state.get("role") == "customer":
            initial.setdefault("customer_admin_email", self.link.email)
        if step == "partner":
            initial.setdefault("partner_name", self.order.partner.name)
            initial.setdefault("partner_admin_email", self.link.email)
            initial.setdefault("partner_country", self.order.partner.country.code or "")
        if step == "organization":
            suggestions = self._suggestions()
            initial.setdefault("organization", str(suggestions[0].pk) if suggestions else "new")
        return initial

    def _suggestions(self) -> list[Organization]:
        return services.organization_suggestions(
            customer_admin_email=self.state.get("customer_admin_email", ""),
            company_name=self.state.get("company_name", ""),
        )

    # Rendering -----------------------------------------------------------------------

    def _render(self, template: str, **context):
        if "order" not in context:
            context["order"] = self.order
        return render(self.request, f"subscriptions/setup_now_{template}.html", context)

    def _render_step(self, form, problems=()):
        steps = self.steps()
        index = steps.index(self.step)
        context = {
            "order": self.order,
            "form": form,
            "step": self.step,
            "title": STEP_TITLES[self.step],
            "steps": [(s, STEP_TITLES[s]) for s in steps],
            "number": index + 1,
            "total": len(steps),
            "back_url": self.url(steps[index - 1]) if index else self.url("start"),
            "state": self.state,
            "partner": self.order.partner,
            "partner_needs_creating": services.partner_needs_creating(self.order.partner),
            "problems": [(self.url(step) if step else None, text) for step, text in problems],
        }
        if self.step == "confirm":
            context.update(self._review())
        return render(self.request, "subscriptions/setup_now_step.html", context)

    def _review(self) -> dict:
        state = self.state
        organization = None
        if state.get("organization") not in (None, "new"):
            organization = next(
                (o for o in self._suggestions() if str(o.pk) == state["organization"]), None
            )
        try:
            region = region_for_country(state.get("country", "")).label
        except ValueError:
            region = "—"
        return {
            "lines": self.order.lines.select_related("sku"),
            "existing_organization": organization,
            "region": region,
            "setup_by": self._setup_by(),
        }


# The customer's setup wizard ----------------------------------------------------------

SETUP_STEPS = ["details", "calling", "meeting", "enterprise", "contact_center", "provision"]
SETUP_TITLES = {
    "details": _("Subscription details"),
    "calling": _("Calling settings"),
    "meeting": _("Meeting settings"),
    "enterprise": _("Enterprise settings"),
    "contact_center": _("Contact-center settings"),
    "provision": _("Provision and start billing"),
}
SETUP_FORMS = {
    "calling": forms.CallingForm,
    "meeting": forms.MeetingForm,
    "enterprise": forms.EnterpriseForm,
    "contact_center": forms.ContactCenterForm,
}
SETUP_FIELD_STEPS = {
    "meeting_site_url": "meeting",
    "subdomain": "enterprise",
    "country_of_operation": "contact_center",
}


def pending_subscription(person, customer) -> Subscription | None:
    return (
        Subscription.objects.visible_to(person, CHANGE)
        .filter(customer=customer, status=Subscription.Status.PENDING_SETUP)
        .select_related("order__offer")
        .order_by("start_date", "id")
        .first()
    )


class SetupWizardView(CustomerPageMixin, TemplateView):
    """Shown to the customer's admins until done; Provision activates the subscription."""

    read_action = CHANGE
    write_action = CHANGE
    template_name = "subscriptions/setup_wizard.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.step = request.POST.get("step") or request.GET.get("step") or "details"

    def session_key(self) -> str:
        return f"setup-wizard-{self.subscription.pk}"

    def get(self, request, *args, **kwargs):
        self.subscription = pending_subscription(request.user, self.customer)
        if self.subscription is None:
            return redirect("customer-detail", customer_id=self.customer.pk)
        if self.step not in SETUP_STEPS:
            raise Http404
        state = request.session.get(self.session_key(), {})
        form_class = SETUP_FORMS.get(self.step)
        initial = dict(state)
        initial.setdefault("country_of_operation", self.subscription.country_of_operation.code)
        form = form_class(initial=initial) if form_class else None
        return self.render_to_response(self.get_context_data(form=form, state=state))

    def post(self, request, *args, **kwargs):
        self.subscription = pending_subscription(request.user, self.customer)
        if self.subscription is None:
            return redirect("customer-detail", customer_id=self.customer.pk)
        if self.step not in SETUP_STEPS:
            raise Http404
        state = dict(request.session.get(self.session_key(), {}))
        form_class = SETUP_FORMS.get(self.step)
        if form_class:
            form = form_class(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form, state=state))
            problem = self._check(form.cleaned_data)
            if problem:
                form.add_error(*problem)
                return self.render_to_response(self.get_context_data(form=form, state=state))
            state.update(form.cleaned_data)
            request.session[self.session_key()] = state
        if self.step == "provision":
            return self._provision(state)
        next_step = SETUP_STEPS[SETUP_STEPS.index(self.step) + 1]
        return redirect(f"{self._url()}?step={next_step}")

    def _check(self, data: dict):
        subdomain = data.get("subdomain")
        if subdomain:
            problem = rules.subdomain_problem(subdomain) or (
                None
                if services.subdomain_available(subdomain, exclude=self.subscription.pk)
                else _("That subdomain is taken.")
            )
            if problem:
                return ("subdomain", problem)
        site = data.get("meeting_site_url")
        if site:
            problem = rules.subdomain_problem(site)
            taken = (
                Subscription.objects.unscoped()
                .filter(meeting_site_url=site)
                .exclude(pk=self.subscription.pk)
                .exists()
            )
            if problem or taken:
                return ("meeting_site_url", problem or _("That site URL is taken."))
        return None

    def _provision(self, state: dict):
        missing = [step for step in SETUP_FORMS if not _step_done(step, state)]
        if missing:
            messages.error(self.request, _("Complete every step first."))
            return redirect(f"{self._url()}?step={missing[0]}")
        try:
            with transaction.atomic():
                services.subscription_activate(
                    actor=self.request.user,
                    subscription=self.subscription,
                    country_of_operation=state["country_of_operation"],
                    meeting_site_url=state.get("meeting_site_url", ""),
                    subdomain=state.get("subdomain", ""),
                    calling_settings={
                        key: state[key]
                        for key in ("calling_location", "time_zone", "emergency_number")
                    },
                )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                messages.error(self.request, " ".join(problems))
                step = SETUP_FIELD_STEPS.get(field)
                if step:
                    return redirect(f"{self._url()}?step={step}")
            return redirect(f"{self._url()}?step=provision")
        self.request.session.pop(self.session_key(), None)
        messages.success(self.request, _("Your subscription is active; billing has started."))
        return redirect("customer-detail", customer_id=self.customer.pk)

    def _url(self) -> str:
        return reverse("setup-wizard", args=[self.customer.pk])

    def get_context_data(self, **kwargs):
        state = kwargs.get("state", {})
        index = SETUP_STEPS.index(self.step)
        return super().get_context_data(
            subscription=self.subscription,
            lines=self.subscription.order.lines.select_related("sku")
            if self.subscription.order
            else [],
            step=self.step,
            title=SETUP_TITLES[self.step],
            steps=[(s, SETUP_TITLES[s], _step_done(s, state)) for s in SETUP_STEPS],
            number=index + 1,
            total=len(SETUP_STEPS),
            back_step=SETUP_STEPS[index - 1] if index else None,
            country_name=dict(forms.countries).get(state.get("country_of_operation", ""), ""),
            **kwargs,
        )


def _step_done(step: str, state: dict) -> bool:
    form_class = SETUP_FORMS.get(step)
    return bool(form_class) and all(name in state for name in form_class.base_fields)


class SubdomainCheckView(CustomerPageMixin, View):
    """The setup wizard's "check availability" button: a small JSON answer."""

    read_action = CHANGE

    def get(self, request, *args, **kwargs):
        subdomain = request.GET.get("subdomain", "").strip().lower()
        subscription = pending_subscription(request.user, self.customer)
        problem = rules.subdomain_problem(subdomain)
        if problem is None and not services.subdomain_available(
            subdomain, exclude=subscription.pk if subscription else None
        ):
            problem = _("That subdomain is taken.")
        return JsonResponse(
            {"subdomain": subdomain, "available": problem is None, "reason": problem or ""}
        )
