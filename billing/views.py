"""Invoice pages: every invoice a person may see (the partner's list, with filters and
export), a customer's invoices, one invoice laid out like the vendor's (with CSV/XLSX
export, print stylesheet and PDF), and the customer's billing details."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import DecimalField, ExpressionWrapper, F
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from billing import rules, selectors, services
from billing.filters import DisputeFilter, InvoiceFilter
from billing.forms import BillingDetailsForm, DisputeOpenForm, DisputeResolveForm
from billing.models import Dispute, Invoice
from billing.tables import DisputeTable, InvoiceTable, LateRowPaginator
from orgs import roles
from orgs.exports import SafeExportMixin
from orgs.tenancy import CHANGE, VIEW, can, get_visible_or_404
from orgs.views_base import CustomerPageMixin, TenantListMixin
from usage.views import evidence_url


class InvoiceListView(LoginRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """Every invoice the person may see: a partner's across all its customers."""

    template_name = "billing/invoice_list.html"
    table_class = InvoiceTable
    filterset_class = InvoiceFilter
    table_pagination = {"per_page": 50, "paginator_class": LateRowPaginator}
    export_formats = ("csv", "xlsx")
    export_name = "invoices"

    def get_queryset(self):
        return selectors.invoices_for(self.request.user)


class CustomerInvoiceListView(CustomerPageMixin, InvoiceListView):
    """One customer's invoices."""

    template_name = "billing/customer_invoices.html"

    def get_queryset(self):
        return selectors.invoices_for(self.request.user).filter(customer=self.customer)

    def get_export_filename(self, export_format):
        return f"invoices-{self.customer.pk}.{export_format}"


class InvoiceMixin(CustomerPageMixin):
    def dispatch(self, request, *args, **kwargs):
        self.invoice_id = kwargs["invoice_id"]
        return super().dispatch(request, *args, **kwargs)

    def get_invoice(self) -> Invoice:
        queryset = selectors.invoice_with_lines(Invoice.objects.filter(customer=self.customer))
        return get_visible_or_404(queryset, self.request.user, self.invoice_id)


def invoice_context(invoice: Invoice, *, links: bool = True) -> dict:
    """What the invoice document shows: lines paired with the evidence of their cycle's
    peak day and their daily-detail links."""
    peaks = selectors.peak_days(invoice) if links else {}
    lines = [
        {
            "line": line,
            "link": line_link(invoice, line) if links else "",
            "evidence": peak_evidence_link(invoice, line, peaks),
            "peak_day": peaks.get((line.usage_type, line.period_start)),
            "unit_price": rules.price_text(line.unit_price, invoice.currency),
            "amount": selectors.money(line.amount, invoice.currency),
        }
        for line in invoice.lines.all()
    ]
    order = invoice.subscription.order
    return {
        "invoice": invoice,
        "lines": lines,
        "bill_to": invoice.bill_to,
        "summary": selectors.summary_rows(invoice),
        "offer_code": invoice.bill_to.get("offer_code") or (order.offer.code if order else ""),
        "offer_name": invoice.bill_to.get("offer_name") or (order.offer.name if order else ""),
    }


class InvoiceDetailView(InvoiceMixin, TemplateView):
    template_name = "billing/invoice_detail.html"

    def get(self, request, *args, **kwargs):
        invoice = self.get_invoice()
        export = request.GET.get("export", "")
        if export == "csv":
            response = HttpResponse(selectors.invoice_csv(invoice), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="{invoice.number}.csv"'
            return response
        if export == "xlsx":
            return xlsx_response(invoice)
        if export:
            response = self.render_to_response(self.get_context_data(invoice=invoice))
            response.status_code = 400
            messages.error(request, _("Export as csv or xlsx."))
            return response
        return self.render_to_response(self.get_context_data(invoice=invoice))

    def get_context_data(self, invoice, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(invoice_context(invoice))
        context.update(invoice_disputes(invoice, self.request.user))
        return context


def line_link(invoice: Invoice, line) -> str:
    """The daily detail of the cycle a line bills, its peak day highlighted."""
    from django.utils.http import urlencode

    if not line.usage_type:
        return ""
    query = urlencode(
        {
            "subscription": invoice.subscription_id,
            "cycle": line.period_start.isoformat(),
            "focus": line.usage_type,
        }
    )
    return f"{reverse('usage-daily', args=[invoice.customer_id])}?{query}#overage-peak"


def peak_evidence_link(invoice: Invoice, line, peaks: dict) -> str:
    """The evidence of the day that set the line's billed quantity (SPEC §6: every figure
    can be explained): the first day of its billing period with the highest Units
    Overage of its usage type."""

    if line.kind == rules.CREDIT or not line.usage_type:
        return ""
    day = peaks.get((line.usage_type, line.period_start))
    return evidence_url(invoice.customer_id, day, line.usage_type) if day else ""


def xlsx_response(invoice: Invoice) -> HttpResponse:
    import tablib

    sheet = tablib.Dataset(headers=list(selectors.LINE_COLUMNS), title=invoice.number[:31])
    for row in selectors.invoice_rows(invoice):
        sheet.append(row)
    summary = tablib.Dataset(headers=["Summary of Charges", "Amount"], title="Summary")
    for row in selectors.summary_rows(invoice):
        summary.append(row)
    book = tablib.Databook((sheet, summary))
    response = HttpResponse(
        book.export("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xlsx"'
    return response


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as a PDF (WeasyPrint), from the same document as the page."""
    from django.contrib.staticfiles import finders
    from weasyprint import HTML

    css_path = finders.find("billing/invoice.css")
    with open(css_path, encoding="utf-8") as css:
        styles = css.read()
    html = render_to_string(
        "billing/invoice_pdf.html", {**invoice_context(invoice, links=False), "styles": styles}
    )
    return HTML(string=html).write_pdf()


def pdf_response(invoice: Invoice) -> HttpResponse:
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


class InvoicePdfView(InvoiceMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        return pdf_response(self.get_invoice())


class BillingDetailsView(CustomerPageMixin, FormView):
    """Billing address, VAT number, PO number and billing contacts: partner admins and
    the customer's full admins edit them; the tax rate only partner admins."""

    template_name = "billing/billing_details.html"
    form_class = BillingDetailsForm

    def may_change(self) -> bool:
        return can(self.request.user, self.customer, CHANGE)

    def may_set_tax_rate(self) -> bool:
        return self.request.user.role in roles.PARTNER_ROLES and self.may_change()

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": services.billing_details_of(self.customer),
            "may_set_tax_rate": self.may_set_tax_rate(),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(can_change=self.may_change(), **kwargs)
        if not context["can_change"]:
            for field in context["form"].fields.values():
                field.disabled = True
        return context

    def post(self, request, *args, **kwargs):
        if not self.may_change():
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        changes = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.billing_details_update(
                actor=self.request.user, customer=self.customer, changes=changes
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.form_invalid(form)
        messages.success(self.request, _("Billing details saved."))
        return redirect("billing:details", customer_id=self.customer.pk)


# --- disputes ----------------------------------------------------------------------------------


def invoice_disputes(invoice: Invoice, person) -> dict:
    """The invoice page's dispute part: its history, the lines its viewer may dispute now
    and the disputes they may settle."""
    history = list(
        selectors.disputes_for(person)
        .filter(invoice=invoice)
        .order_by("created_at", "id")
    )
    may_dispute = services.may_open_dispute(person, invoice) and services.dispute_window_open(
        invoice
    )
    disputed = {d.line_id for d in history if d.is_open}
    lines = [
        line
        for line in invoice.lines.all()
        if rules.line_disputable(line.kind, line.quantity) and line.pk not in disputed
    ]
    settle = {d.pk for d in history if d.is_open and can(person, d, CHANGE)}
    return {
        "disputes": [
            {
                "dispute": d,
                "at_stake": selectors.money(
                    rules.amount_at_stake(d.line.quantity, d.line.unit_price, invoice.currency),
                    invoice.currency,
                ),
                "may_settle": d.pk in settle,
            }
            for d in history
        ],
        "disputable_lines": {line.pk for line in lines} if may_dispute else set(),
        "open_disputed_lines": disputed,
        "dispute_window_end": rules.dispute_window_end(invoice.issued_at.date()),
    }


class DisputeOpenView(InvoiceMixin, FormView):
    """Dispute a line of the invoice: its customer's full admins, within 90 days."""

    template_name = "billing/dispute_open.html"
    form_class = DisputeOpenForm

    def get(self, request, *args, **kwargs):
        self.invoice = self.checked_invoice()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.invoice = self.checked_invoice()
        return super().post(request, *args, **kwargs)

    def checked_invoice(self) -> Invoice:
        invoice = self.get_invoice()
        if not services.may_open_dispute(self.request.user, invoice):
            raise PermissionDenied
        return invoice

    def get_form_kwargs(self):
        disputed = set(
            Dispute.objects.visible_to(self.request.user)
            .filter(invoice=self.invoice, status=Dispute.Status.OPEN)
            .values_list("line_id", flat=True)
        )
        lines = [
            line
            for line in self.invoice.lines.all()
            if rules.line_disputable(line.kind, line.quantity) and line.pk not in disputed
        ]
        initial = {"line": self.request.GET.get("line", "")}
        return {**super().get_form_kwargs(), "lines": lines, "initial": initial}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            invoice=self.invoice,
            window_open=services.dispute_window_open(self.invoice),
            window_end=rules.dispute_window_end(self.invoice.issued_at.date()),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.dispute_open(
                actor=self.request.user,
                invoice=self.invoice,
                line_id=form.cleaned_data["line"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Your dispute is sent to %(partner)s; you will be emailed when it is settled.")
            % {"partner": self.invoice.bill_to.get("partner_name", "")},
        )
        url = reverse("billing:invoice", args=[self.customer.pk, self.invoice.pk])
        return redirect(f"{url}#disputes")


class DisputeListView(TenantListMixin, SafeExportMixin, SingleTableMixin, FilterView):
    """The disputes queue: a partner's people see those of the invoices their partner
    issued, open first; the partner's full admins settle them from here."""

    model = Dispute
    table_class = DisputeTable
    filterset_class = DisputeFilter
    template_name = "billing/dispute_list.html"
    export_formats = ("csv", "xlsx")
    export_name = "disputes"
    paginate_by = 50

    def narrow(self, queryset):
        return (
            queryset.select_related("line", "invoice", "customer")
            .annotate(
                at_stake=ExpressionWrapper(
                    F("line__quantity") * F("line__unit_price"),
                    output_field=DecimalField(max_digits=20, decimal_places=4),
                )
            )
            .order_by(*selectors.OPEN_FIRST)
        )

    def get_table_kwargs(self):
        return {"may_settle": self.request.user.role == roles.Role.PARTNER_FULL_ADMIN}


def _settle_reach(person) -> tuple[str, ...]:
    """A partner's people who see a dispute but may not settle it get 403; for a
    customer's people settling does not exist (404)."""
    return (VIEW,) if person.role in roles.PARTNER_ROLES else (CHANGE,)


class DisputeResolveView(LoginRequiredMixin, FormView):
    """Settle a dispute: the issuing partner's full admins."""

    template_name = "billing/dispute_resolve.html"
    form_class = DisputeResolveForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.dispute = get_visible_or_404(
            Dispute.objects.select_related("line", "invoice", "customer", "opened_by"),
            request.user,
            kwargs["dispute_id"],
            CHANGE,
            reach=_settle_reach(request.user),
        )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        available = rules.credit_available(
            self.dispute.line.quantity, services.credited_before(self.dispute.line_id)
        )
        return {**super().get_form_kwargs(), "available": available}

    def get_context_data(self, **kwargs):
        d = self.dispute
        at_stake = rules.amount_at_stake(d.line.quantity, d.line.unit_price, d.invoice.currency)
        return super().get_context_data(
            dispute=d,
            customer=d.customer,
            at_stake=selectors.money(at_stake, d.invoice.currency),
            unit_price=rules.price_text(d.line.unit_price, d.invoice.currency),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.dispute_resolve(
                actor=self.request.user,
                dispute=self.dispute,
                outcome=data["outcome"],
                credit_quantity=data.get("credit_quantity"),
                note=data.get("note", ""),
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.form_invalid(form)
        messages.success(self.request, _("Dispute settled; both sides are emailed."))
        return redirect("billing:dispute-list")
