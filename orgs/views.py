"""Pages of the orgs app: home, a customer's settings, people and the audit log, the
person's own account and API keys, and the developer outbox. The customer list and the
customer's home combine every app: they are in pages/."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, UpdateView, View
from django_tables2 import SingleTableMixin

from orgs import apikeys, roles, services
from orgs.filters import AuditLogFilter
from orgs.forms import (
    AccountForm,
    ApiKeyForm,
    ChangeRoleForm,
    CustomerSettingsForm,
    InvitePersonForm,
)
from orgs.mail import outbox_message, outbox_messages
from orgs.models import ApiToken, AuditLog, Organization, Person, QueuedEmail
from orgs.tables import AuditLogTable
from orgs.tenancy import ADMIN, CHANGE, get_visible_or_404
from orgs.views_base import CustomerPageMixin, OrganizationPageMixin, TenantListMixin


class HomeView(LoginRequiredMixin, TemplateView):
    """Partners land on their customer list, customers on their own home."""

    template_name = "orgs/consumer_home.html"

    def get(self, request, *args, **kwargs):
        person = request.user
        if person.organization is None:
            return redirect("admin:index") if person.is_staff else redirect("account")
        if person.organization.kind == Organization.Kind.CONSUMER:
            # A trial whose grace ended: its people keep a login but lost the services.
            return self.render_to_response({"consumer": person.organization})
        if person.role in roles.CUSTOMER_ROLES:
            return redirect("customer-detail", customer_id=person.organization_id)
        return redirect("customer-list")


class CustomerSettingsView(CustomerPageMixin, UpdateView):
    """Customer settings, surge % among them (SPEC §3)."""

    read_action = CHANGE
    form_class = CustomerSettingsForm
    template_name = "orgs/customer_settings.html"

    def get_object(self, queryset=None):
        return self.customer

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.request.user.role in roles.CUSTOMER_ROLES:
            del form.fields["surge_percent"]  # the partner sets it (SPEC §3)
        return form

    def form_valid(self, form):
        try:
            services.customer_update(
                actor=self.request.user,
                customer=self.customer,
                **{field: form.cleaned_data[field] for field in form.changed_data},
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Settings saved."))
        return redirect("customer-detail", customer_id=self.customer.pk)


class PeopleView(OrganizationPageMixin, TenantListMixin, FormView):
    """Full admins invite people, change their roles and remove them."""

    model = Person
    list_reach = (ADMIN,)
    read_action = ADMIN
    write_action = ADMIN
    template_name = "orgs/people.html"
    form_class = InvitePersonForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organization": self.organization}

    def narrow(self, queryset):
        return queryset.filter(organization=self.organization).order_by("role", "email")

    def get_context_data(self, **kwargs):
        people = self.get_queryset()
        rows = [
            (
                person,
                ChangeRoleForm(
                    organization=self.organization,
                    initial={"role": person.role},
                    auto_id=f"id_person{person.pk}_%s",  # one id per row
                ),
            )
            for person in people
        ]
        return super().get_context_data(rows=rows, **kwargs)

    def form_valid(self, form):
        try:
            services.person_create(
                actor=self.request.user, organization=self.organization, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error("email" if "email" in error.message_dict else None, error.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("Invitation sent to %(email)s.") % form.cleaned_data)
        return redirect("people", org_id=self.organization.pk)


class PersonView(OrganizationPageMixin, TemplateView):
    """POST only: change a person's role or remove them."""

    read_action = ADMIN
    write_action = ADMIN
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        people = Person.objects.visible_to(request.user, ADMIN).filter(
            organization=self.organization
        )
        person = get_visible_or_404(people, request.user, kwargs["person_id"], ADMIN)
        try:
            if "remove" in request.POST:
                services.person_remove(actor=request.user, person=person)
                messages.success(request, _("%(email)s was removed.") % {"email": person.email})
            else:
                form = ChangeRoleForm(request.POST, organization=self.organization)
                if not form.is_valid():
                    raise ValidationError(form.errors.get_json_data())
                services.person_change_role(
                    actor=request.user, person=person, role=form.cleaned_data["role"]
                )
                messages.success(request, _("Role changed."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("people", org_id=self.organization.pk)


class AuditLogView(OrganizationPageMixin, TenantListMixin, SingleTableMixin, TemplateView):
    model = AuditLog
    read_action = ADMIN
    template_name = "orgs/audit_log.html"
    table_class = AuditLogTable
    table_pagination = {"per_page": 25}

    def narrow(self, queryset):
        entries = queryset.filter(organization=self.organization)
        self.filter = AuditLogFilter(self.request.GET, queryset=entries)
        if not self.filter.is_valid():
            return entries.none()
        return self.filter.qs.select_related("actor")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {**context, "filter": self.filter}


class AccountView(LoginRequiredMixin, UpdateView):
    """A person's own name and language."""

    form_class = AccountForm
    template_name = "orgs/account.html"

    def get_object(self, queryset=None):
        return self.request.user

    def get_success_url(self):
        messages.success(self.request, _("Saved."))
        return reverse("account")

    def get_context_data(self, **kwargs):
        token = (
            ApiToken.objects.live()
            .filter(person=self.request.user, kind=ApiToken.Kind.PERSON)
            .first()
        )
        return super().get_context_data(api_token=token, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (the old one first); the session stays logged in."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)


class AccountTokenView(LoginRequiredMixin, View):
    """Create (shown once) or revoke the person's own API token."""

    def post(self, request):
        if request.POST.get("action") == "revoke":
            apikeys.person_tokens_revoke(person=request.user)
            messages.success(request, _("Your API token was revoked."))
            return redirect("account")
        _token, key = apikeys.person_token_create(person=request.user)
        view = AccountView(request=request, kwargs={}, object=request.user)
        context = view.get_context_data(form=AccountForm(instance=request.user))
        context["new_token"] = key
        return render(request, "orgs/account.html", context)


class ApiKeysView(LoginRequiredMixin, TemplateView):
    """Partner full admins name, scope, create (shown once) and revoke API keys."""

    template_name = "orgs/api_keys.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not apikeys.may_manage_keys(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        keys = (
            ApiToken.objects.filter(
                kind=ApiToken.Kind.PARTNER, organization_id=self.request.user.organization_id
            ).select_related("person")
        )
        kwargs.setdefault("form", ApiKeyForm())
        return super().get_context_data(keys=keys, **kwargs)

    def post(self, request):
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            try:
                token, key = apikeys.partner_key_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return self.render_to_response(
                    self.get_context_data(new_key=key, new_key_row=token)
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ApiKeyRevokeView(LoginRequiredMixin, View):
    def post(self, request, key_id):
        token = apikeys.partner_key_revoke(actor=request.user, key_id=key_id)
        messages.success(request, _("API key “%(name)s” revoked.") % {"name": token.name})
        return redirect("api-keys")


def _outbox_on() -> bool:
    return settings.DEBUG and settings.EMAIL_BACKEND == "orgs.mail.OutboxBackend"


class OutboxView(TemplateView):
    """The local outbox, for developers: only while DEBUG and the outbox backend is on."""

    template_name = "dev/outbox.html"

    def dispatch(self, request, *args, **kwargs):
        if not _outbox_on():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        message_id = kwargs.get("message_id")
        if message_id is None:
            queue = QueuedEmail.objects.exclude(status=QueuedEmail.Status.SENT)[:100]
            counts = {
                row["status"]: row["n"]
                for row in QueuedEmail.objects.values("status").annotate(n=Count("id"))
            }
            return super().get_context_data(
                messages_list=outbox_messages(), queue=queue, counts=counts, **kwargs
            )
        message = outbox_message(message_id)
        if message is None:
            raise Http404
        return super().get_context_data(
            message=message, preview_html=_links_open_the_page(message.html), **kwargs
        )


class OutboxAttachmentView(View):
    """A file an email of the local outbox carries, as it was sent."""

    def get(self, request, message_id: str, index: int):
        if not _outbox_on():
            raise Http404
        message = outbox_message(message_id)
        found = [a for a in message.attachments if a.index == index] if message else []
        if not found:
            raise Http404
        response = HttpResponse(found[0].content, content_type=found[0].content_type)
        response["Content-Disposition"] = content_disposition_header(True, found[0].filename)
        return response


def _links_open_the_page(html: str) -> str:
    """The email's HTML for the preview frame, its links opening the page itself rather
    than the portal inside the frame."""
    base = '<base target="_top">'
    head = html.lower().find("<head>")
    if head == -1:
        return base + html
    return html[: head + len("<head>")] + base + html[head + len("<head>") :]


def csrf_failure(request, reason: str = ""):
    """A refused form (CSRF) in the portal's layout, saying what to do next."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, limited per client address: a flood of resets would send
    mail to people who did not ask for it (PASSWORD_RESET_LIMIT_PER_HOUR)."""

    def post(self, request, *args, **kwargs):
        key = f"password-reset:{request.META.get('REMOTE_ADDR', '')}"
        cache.add(key, 0, timeout=60 * 60)
        try:
            count = cache.incr(key)
        except ValueError:
            count = 1
        if count > settings.PASSWORD_RESET_LIMIT_PER_HOUR:
            form = self.get_form()
            form.is_valid()
            form.add_error(
                None, _("Too many password reset requests from your address. Try again in an hour.")
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)
