"""django-tables2 tables of the invoice pages: columns defined once for page and export."""

from __future__ import annotations

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django_tables2.rows import BoundRows

from billing import rules
from billing.models import Dispute, Invoice


class LateRowPaginator(Paginator):
    """Django's paginator, reading a page in two steps: the ids of its rows in the
    table's order, then those rows with their customer by primary key. With one
    statement, a deep page made PostgreSQL join every visible invoice to its customer and
    sort them whole to skip the first ones (page 40 of 48,000: 217 ms on a quiet
    machine); the ids alone come from the `invoice_partner_page` index."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(page_rows(self.object_list, bottom, top), number, self)


# The order of the `invoice_partner_page` and `invoice_customer_recent` indexes: the lists'
# default (newest first).
INDEX_ORDER = ("-issued_at", "-id")
# Pages that start before this offset are read in one statement, as before: PostgreSQL
# walks the index for them by itself (it turns to sorting everything from ~800 rows in).
ONE_STATEMENT_BELOW = 500


def page_rows(rows, bottom: int, top: int):
    """Rows `bottom`..`top` of a django-tables2 table's rows (or of a queryset); from
    ONE_STATEMENT_BELOW on, read as ids first, then the records of those ids (still
    through the scoped queryset), in the same order."""
    bound = isinstance(rows, BoundRows)
    queryset = rows.data.data if bound else rows
    if bottom < ONE_STATEMENT_BELOW or not hasattr(queryset, "values_list"):
        return rows[bottom:top]
    ids = page_ids(queryset, bottom, top)
    by_id = queryset.order_by().in_bulk(ids)
    records = [by_id[pk] for pk in ids if pk in by_id]
    return BoundRows(data=records, table=rows.table) if bound else records


def page_ids(queryset, bottom: int, top: int) -> list:
    """The ids of rows `bottom`..`top` of `queryset`.

    In the index's order on PostgreSQL, the statement runs with sorting off. The tenancy
    filter (the person's own organisation OR a related customer, a hashed subquery)
    is estimated at half the rows whatever they are, which makes walking the index
    look dear: past the first pages PostgreSQL would rather join and sort every visible
    invoice (page 40 of 48,000: ~60 ms on a loaded machine) than read 2,000 index
    entries (~10 ms). Other orders have no index to walk and plan as usual."""
    ids = queryset.values_list("pk", flat=True)[bottom:top]
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or tuple(queryset.query.order_by) != INDEX_ORDER:
        return list(ids)
    with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
        # Local to this transaction (a savepoint if the caller has one): set back after.
        cursor.execute(
            "SELECT current_setting('enable_sort'), set_config('enable_sort', 'off', true)"
        )
        before, _off = cursor.fetchone()
        try:
            return list(ids)
        finally:
            cursor.execute("SELECT set_config('enable_sort', %s, true)", [before])


def _with_id(*fields: str) -> tuple[str, ...]:
    """An order that ends on the id, so equal values keep one order from page to page
    (and the default order is the index's)."""
    return (*fields, "id")


class InvoiceTable(tables.Table):
    number = tables.Column(verbose_name=_("Invoice"))
    customer = tables.Column(
        accessor="customer__name",
        order_by=_with_id("customer__name"),
        verbose_name=_("Customer"),
    )
    period_start = tables.Column(verbose_name=_("Billing period"))
    issued_at = tables.DateTimeColumn(
        verbose_name=_("Issued"), format="Y-m-d", order_by=_with_id("issued_at")
    )
    due_date = tables.DateColumn(
        verbose_name=_("Due date"), format="Y-m-d", order_by=_with_id("due_date")
    )
    subtotal = tables.Column(
        verbose_name=_("Subtotal"), attrs={"td": {"class": "num"}}, order_by=_with_id("subtotal")
    )
    tax_total = tables.Column(
        verbose_name=_("Taxes"), attrs={"td": {"class": "num"}}, order_by=_with_id("tax_total")
    )
    total = tables.Column(
        verbose_name=_("Total"), attrs={"td": {"class": "num"}}, order_by=_with_id("total")
    )
    currency = tables.Column(verbose_name=_("Currency"), order_by=_with_id("currency"))
    status = tables.Column(verbose_name=_("Status"), order_by=_with_id("status"))

    class Meta:
        model = Invoice
        fields = ()
        sequence = (
            "number",
            "customer",
            "period_start",
            "issued_at",
            "due_date",
            "subtotal",
            "tax_total",
            "total",
            "currency",
            "status",
        )
        template_name = "billing/tables/invoices.html"
        attrs = {"class": "striped", "id": "invoices"}
        empty_text = _("No invoice issued yet.")
        order_by = ("-issued_at",)

    def body_html(self) -> str:
        """The page's rows, written straight from the records: django-tables2's per-cell
        rendering cost ten times the rest of the page. Columns in `Meta.sequence` order."""
        records = [row.record for row in self.paginated_rows]
        if not records:
            return format_html(
                '<tr><td colspan="{}">{}</td></tr>', len(self.columns), self.empty_text
            )
        url = reverse("billing:invoice", args=[0, 0]).replace("/0/invoices/0/", "/{}/invoices/{}/")
        statuses = dict(Invoice.Status.choices)
        return format_html_join(
            "\n",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td class="nowrap">{}</td><td>{}</td>'
            '<td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
            "<td>{}</td><td>{}</td></tr>",
            (
                (
                    url.format(r.customer_id, r.pk),
                    r.number,
                    r.customer.name,
                    r.billing_period,
                    f"{r.issued_at:%Y-%m-%d}",
                    f"{r.due_date:%Y-%m-%d}",
                    rules.money_text(r.subtotal, r.currency),
                    rules.money_text(r.tax_total, r.currency),
                    rules.money_text(r.total, r.currency),
                    r.currency,
                    statuses.get(r.status, r.status),
                )
                for r in records
            ),
        )

    def render_number(self, record: Invoice, value):
        url = reverse("billing:invoice", args=[record.customer_id, record.pk])
        return format_html('<a href="{}">{}</a>', url, value)

    def value_number(self, record: Invoice, value):
        return value

    def render_period_start(self, record: Invoice):
        return record.billing_period

    def value_period_start(self, record: Invoice):
        return record.billing_period

    def _money(self, record: Invoice, value):
        return rules.money_text(value, record.currency)

    render_subtotal = value_subtotal = _money
    render_tax_total = value_tax_total = _money
    render_total = value_total = _money

    def value_status(self, value):
        return value

    def order_period_start(self, queryset, is_descending):
        sign = "-" if is_descending else ""
        return queryset.order_by(f"{sign}period_start", f"{sign}id"), True


class DisputeTable(tables.Table):
    """The disputes queue: open first, their age and the amount at stake."""

    created_at = tables.DateTimeColumn(verbose_name=_("Opened"), format="Y-m-d")
    age = tables.Column(
        verbose_name=_("Age (days)"), accessor="created_at", attrs={"td": {"class": "num"}}
    )
    customer = tables.Column(accessor="customer__name", verbose_name=_("Customer"))
    invoice = tables.Column(accessor="invoice__number", verbose_name=_("Invoice"))
    line = tables.Column(accessor="line__sku", verbose_name=_("Invoice line"))
    at_stake = tables.Column(verbose_name=_("Amount at stake"), attrs={"td": {"class": "num"}})
    currency = tables.Column(accessor="invoice__currency", verbose_name=_("Currency"))
    status = tables.Column(verbose_name=_("Status"))
    reason = tables.Column(verbose_name=_("Reason"), orderable=False)
    actions = tables.Column(
        verbose_name="", empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta:
        model = Dispute
        fields = ()
        sequence = (
            "created_at",
            "age",
            "customer",
            "invoice",
            "line",
            "at_stake",
            "currency",
            "status",
            "reason",
            "actions",
        )
        attrs = {"class": "striped", "id": "disputes"}
        row_attrs = {"data-dispute": lambda record: record.pk}
        empty_text = _("No dispute.")

    def __init__(self, *args, may_settle: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.may_settle = may_settle
        self.today = timezone.now()

    def render_age(self, value):
        return (self.today - value).days

    value_age = render_age

    def render_invoice(self, record: Dispute, value):
        url = reverse("billing:invoice", args=[record.customer_id, record.invoice_id])
        return format_html('<a href="{}#disputes">{}</a>', url, value)

    def value_invoice(self, value):
        return value

    def render_line(self, record: Dispute):
        return f"{record.line.position}. {record.line.sku} {record.line.description}"

    def value_line(self, record: Dispute):
        return record.line.sku

    def render_at_stake(self, record: Dispute, value):
        return rules.money_text(value, record.invoice.currency)

    value_at_stake = render_at_stake

    def render_status(self, record: Dispute):
        return record.get_status_display()

    def value_status(self, value):
        return value

    def render_reason(self, value):
        return Truncator(value).chars(80)

    def value_reason(self, value):
        return value

    def render_actions(self, record: Dispute):
        if not (self.may_settle and record.is_open):
            return ""
        url = reverse("billing:dispute-resolve", args=[record.pk])
        return format_html(
            '<a href="{}" role="button" class="small settle">{}</a>', url, _("Settle")
        )
