"""The two wizards: Set up now behind the signed link (an order's provisioning) and the
customer's setup wizard (a pending subscription's settings), over one session state."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from orgs import roles
from orgs.models import Organization
from orgs.regions import region_for_country
from orgs.tenancy import CHANGE
from orgs.views_base import CustomerPageMixin
from subscriptions import forms, links, rules, services, sites
from subscriptions.selectors import pending_subscription


class WizardState:
    """A wizard's answers so far, kept in the session until its last step calls the
    service: leaving half-way writes nothing to the database.

    `key` names the session entry; with `item`, the entry holds the states of several
    wizards (one per order) and this one is `item` within it.
    """

    def __init__(self, session, key: str, item: str | None = None):
        self.session, self.key, self.item = session, key, item

    def load(self) -> dict:
        data = self.session.get(self.key, {})
        return dict(data.get(self.item, {}) if self.item is not None else data)

    def save(self, state: dict) -> None:
        if self.item is None:
            self.session[self.key] = state
            return
        bucket = dict(self.session.get(self.key, {}))
        bucket[self.item] = state
        self.session[self.key] = bucket

    def clear(self) -> None:
        if self.item is None:
            self.session.pop(self.key, None)
            return
        bucket = dict(self.session.get(self.key, {}))
        bucket.pop(self.item, None)
        self.session[self.key] = bucket


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
        return WizardState(self.request.session, WIZARD_SESSION, str(self.order.pk)).load()

    def save_state(self, state: dict | None) -> None:
        stored = WizardState(self.request.session, WIZARD_SESSION, str(self.order.pk))
        if state is None:
            stored.clear()
        else:
            stored.save(state)

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
            partner=self.order.partner,
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


class SetupWizardView(CustomerPageMixin, TemplateView):
    """Shown to the customer's admins until done; Provision activates the subscription."""

    read_action = CHANGE
    write_action = CHANGE
    template_name = "subscriptions/setup_wizard.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.step = request.POST.get("step") or request.GET.get("step") or "details"

    def stored(self) -> WizardState:
        return WizardState(self.request.session, f"setup-wizard-{self.subscription.pk}")

    def get(self, request, *args, **kwargs):
        self.subscription = pending_subscription(request.user, self.customer)
        if self.subscription is None:
            return redirect("customer-detail", customer_id=self.customer.pk)
        if self.step not in SETUP_STEPS:
            raise Http404
        state = self.stored().load()
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
        state = self.stored().load()
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
            self.stored().save(state)
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
        site = sites.meeting_site_name(data.get("meeting_site_url") or "")
        if site:
            problem = sites.meeting_site_problem(site, exclude=self.subscription)
            if problem:
                return ("meeting_site_url", problem)
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
        self.stored().clear()
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
            missing_steps=[(s, SETUP_TITLES[s]) for s in SETUP_FORMS if not _step_done(s, state)],
            number=index + 1,
            total=len(SETUP_STEPS),
            back_step=SETUP_STEPS[index - 1] if index else None,
            country_name=dict(forms.countries).get(state.get("country_of_operation", ""), ""),
            meeting_site=sites.meeting_site_host(state.get("meeting_site_url", "")),
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
