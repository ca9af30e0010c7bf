"""django-tables2 tables of the usage pages: each defines its columns once for the page
and its CSV/XLSX export."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from usage import rules
from usage.models import CycleUsage

# Figures read right-aligned, header and cells alike.
NUMERIC = {"th": {"class": "num"}, "td": {"class": "num"}}


class DailyDetailTable(tables.Table):
    """The reconciliation table (SPEC §5): exactly the SPEC's columns, in its order. The
    page shows types and comments in the reader's language; exports keep the SPEC's
    English names so that files compare across languages."""

    # The SPEC's headers (selectors.DAILY_DETAIL_COLUMNS), translated on the page; the
    # export renders in English (orgs.exports), so its headers are exactly the SPEC's.
    usage_date = tables.DateColumn(verbose_name=_("Usage Date"), format="Y-m-d")
    usage_type = tables.Column(verbose_name=_("Usage Type"))
    units_used = tables.Column(verbose_name=_("Units Used"), attrs=NUMERIC)
    units_commitment = tables.Column(verbose_name=_("Units Commitment"), attrs=NUMERIC)
    units_substituted = tables.Column(verbose_name=_("Units Substituted"), attrs=NUMERIC)
    units_overage = tables.Column(verbose_name=_("Units Overage"), attrs=NUMERIC)
    usage_unit = tables.Column(verbose_name=_("Usage Unit"))
    comment = tables.Column(verbose_name=_("Comment"), empty_values=())

    class Meta:
        template_name = "usage/tables/daily_detail.html"
        orderable = False
        attrs = {"class": "striped", "id": "daily-detail"}
        empty_text = _("No usage computed for this billing cycle yet.")

    def body_html(self) -> str:
        """The rows, written straight from the records: a cycle has up to 93 rows, and
        per-cell rendering through django-tables2 templates cost more than the rest of the
        page. tests/browser/test_usage.py holds these rows equal to the CSV export's."""
        words: dict[str, str] = {}

        def word(value: str) -> str:
            if value not in words:
                words[value] = gettext(value) if value else ""
            return words[value]

        # Each row opens its evidence (the witnesses of Units Used): one reverse() for
        # the whole table, the day and type filled in per row.
        template = reverse("usage-evidence", args=[0, "0001-01-01", "usage-type"])
        # From an invoice line (?focus=<usage type>): that type's peak row is the one to
        # look at.
        focus = getattr(self, "focus_type", "")
        focused = mark_safe(' id="overage-peak"')

        def row_class(r) -> str:
            if r.comment != rules.OVERAGE_PEAK:
                return ""
            return "peak focus" if r.usage_type == focus else "peak"

        rows = [
            (
                row_class(r),
                focused if r.comment == rules.OVERAGE_PEAK and r.usage_type == focus else "",
                r.usage_type,
                date_format(r.usage_date, "SHORT_DATE_FORMAT"),
                word(r.usage_type),
                template.replace("/0/", f"/{r.customer_id}/", 1)
                .replace("0001-01-01", r.usage_date.isoformat())
                .replace("usage-type", slugify(r.usage_type)),
                gettext("Evidence of %(usage_type)s on %(day)s")
                % {
                    "usage_type": word(r.usage_type),
                    "day": date_format(r.usage_date, "SHORT_DATE_FORMAT"),
                },
                r.units_used,
                r.units_commitment,
                r.units_substituted,
                r.units_overage,
                word(r.usage_unit),
                word(r.comment),
            )
            for r in (row.record for row in self.rows)
        ]
        if not rows:
            return format_html(
                '<tr><td colspan="{}">{}</td></tr>', len(self.columns), self.empty_text
            )
        return format_html_join(
            "\n",
            '<tr class="{}"{} data-usage-type="{}"><td class="nowrap">{}</td><td>{}</td>'
            '<td class="num"><a href="{}" class="evidence" title="{}">{}</a></td>'
            '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
            "<td>{}</td><td>{}</td></tr>",
            rows,
        )

    def value_usage_date(self, record) -> str:
        return record.usage_date.isoformat()

    def value_usage_type(self, record) -> str:
        return record.usage_type

    def value_usage_unit(self, record) -> str:
        return record.usage_unit

    def value_comment(self, record) -> str:
        return record.comment


STATUS_LABELS = {
    "over": _("Over commitment"),
    "near": _("Near commitment"),
    "under": _("Within commitment"),
}


class UsageOverviewTable(tables.Table):
    """The partner usage view: one row per customer and usage type."""

    customer_name = tables.Column(verbose_name=_("Customer"))
    usage_type = tables.Column(verbose_name=_("Usage Type"))
    last_usage_date = tables.DateColumn(
        verbose_name=_("Latest day"), format="Y-m-d", attrs={"td": {"class": "nowrap"}}
    )
    day_used = tables.Column(verbose_name=_("Used that day"), attrs=NUMERIC)
    day_commitment = tables.Column(verbose_name=_("Commitment that day"), attrs=NUMERIC)
    percent = tables.Column(
        # xgettext:no-python-format
        verbose_name=_("% of commitment"),
        attrs=NUMERIC,
    )
    overage = tables.Column(verbose_name=_("Billed overage so far"), attrs=NUMERIC)
    overage_day = tables.DateColumn(
        verbose_name=_("Overage peak day"), format="Y-m-d", attrs={"td": {"class": "nowrap"}}
    )
    forecast = tables.Column(
        verbose_name=_("Forecast billed overage"), attrs=NUMERIC
    )
    forecast_low = tables.Column(verbose_name=_("Forecast low"), attrs={"td": {"class": "num"}})
    forecast_high = tables.Column(verbose_name=_("Forecast high"), attrs={"td": {"class": "num"}})
    forecast_uncertain = tables.BooleanColumn(
        verbose_name=_("Forecast uncertain"), visible=False, orderable=False
    )
    status = tables.Column(verbose_name=_("Status"))
    cycle = tables.Column(verbose_name=_("Billing cycle"), empty_values=(), orderable=False)
    daily = tables.Column(
        verbose_name="", empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta:
        template_name = "usage/tables/overview.html"
        attrs = {"class": "striped", "id": "usage-overview"}
        empty_text = _("No customer has an active subscription.")
        order_by = ("customer_name",)

    def body_html(self) -> str:
        """The page's rows, written straight from the records (much cheaper than
        django-tables2's per-cell rendering)."""
        records = [row.record for row in self.paginated_rows]
        if not records:
            return format_html(
                '<tr><td colspan="{}">{}</td></tr>', len(self.columns), self.empty_text
            )
        customer_url = reverse("customer-detail", args=[0]).replace("/0/", "/{}/")
        daily_url = reverse("usage-daily", args=[0]).replace("/0/", "/{}/")
        label = gettext("Daily details of %(customer)s")
        uncertain = gettext("Uncertain: too little history yet")
        daily = gettext("Daily details")
        return format_html_join(
            "\n",
            '<tr class="status-{}"><td><a href="{}">{}</a></td><td>{}</td>'
            '<td class="nowrap">{}</td>'
            '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
            '<td class="num">{}</td><td class="nowrap">{}</td><td class="num">{}{}</td>'
            '<td class="num">{}</td><td class="num">{}</td>'
            '<td><span class="status {}">{}</span></td><td class="nowrap">{}</td>'
            '<td><a href="{}?cycle={}" aria-label="{}">{}</a></td></tr>',
            (
                (
                    r.status,
                    customer_url.format(r.customer_id),
                    r.customer_name,
                    gettext(r.usage_type),
                    r.last_usage_date.isoformat(),
                    r.day_used,
                    r.day_commitment,
                    f"{r.percent} %" if r.day_commitment else "—",
                    r.overage,
                    r.overage_day.isoformat() if r.overage_day else "—",
                    r.forecast,
                    format_html(' <small class="muted" title="{}">?</small>', uncertain)
                    if r.forecast_uncertain
                    else "",
                    r.forecast_low,
                    r.forecast_high,
                    r.status,
                    STATUS_LABELS[r.status],
                    f"{date_format(r.cycle_start, 'SHORT_DATE_FORMAT')} – "
                    f"{date_format(r.cycle_end, 'SHORT_DATE_FORMAT')}",
                    daily_url.format(r.customer_id),
                    r.cycle_start.isoformat(),
                    label % {"customer": r.customer_name},
                    daily,
                )
                for r in records
            ),
        )

    def value_customer_name(self, record: CycleUsage) -> str:
        return record.customer_name

    def value_usage_type(self, record: CycleUsage) -> str:
        return record.usage_type

    def value_percent(self, record: CycleUsage) -> str:
        return "" if record.day_commitment == 0 else str(record.percent)

    def value_status(self, value: str) -> str:
        return str(STATUS_LABELS[value])

    def render_cycle(self, record: CycleUsage) -> str:
        return f"{record.cycle_start:%Y-%m-%d} – {record.cycle_end:%Y-%m-%d}"

    def value_cycle(self, record: CycleUsage) -> str:
        return self.render_cycle(record)
