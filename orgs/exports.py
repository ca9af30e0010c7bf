"""CSV and XLSX exports that are safe to open and read right.

- Any text cell that a spreadsheet would take for a formula (it starts with `=`, `+`,
  `-`, `@`, a tab or a carriage return) is prefixed with `'` (OWASP CSV injection), so no
  exported cell is ever a formula.
- Dates are dates: a `DateColumn` exports a date (even over a timestamp field), a
  `DateTimeColumn` a UTC timestamp to the second; in XLSX both are real date cells.
- The XLSX sheet is named after the export ("Customers", "Orders", ...).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import django_tables2 as tables
from django.utils import translation
from django_tables2.export import ExportMixin as TablesExportMixin
from django_tables2.export import TableExport

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value`, made inert for a spreadsheet when it is text starting like a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_value(value, column, export_format: str):
    if isinstance(column, tables.DateColumn | tables.DateTimeColumn) and isinstance(value, str):
        # django-tables2 exports these as isoformat() text: take the value back.
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return neutralise(value)
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        if isinstance(column, tables.DateColumn):
            return moment.date()
        moment = moment.replace(tzinfo=None, microsecond=0)
        return moment if export_format == "xlsx" else moment.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value
    return neutralise(value)


class SafeTableExport(TableExport):
    def __init__(self, export_format, table, exclude_columns=None, dataset_kwargs=None):
        self.format = export_format
        super().__init__(export_format, table, exclude_columns, dataset_kwargs)

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        from tablib import Dataset

        excluded = exclude_columns or ()
        columns = [
            bound.column
            for bound in table.columns.iterall()
            if not (bound.column.exclude_from_export or bound.name in excluded)
        ]
        dataset = Dataset(**{"title": "Export", **(dataset_kwargs or {})})
        for i, row in enumerate(table.as_values(exclude_columns=excluded)):
            if i == 0:
                dataset.headers = [neutralise(header) for header in row]
            else:
                dataset.append(
                    [export_value(value, column, self.format)
                     for value, column in zip(row, columns, strict=True)]
                )
        return dataset


class ExportMixin(TablesExportMixin):
    """django-tables2's export, rendered in English: column headers (lazy verbose names)
    and labels (choices, usage types) resolve at export time, inside the override. Exports
    speak the SPEC's English whatever the reader's language: they are a machine contract
    (SPEC §7); pages show the same table translated."""

    def create_export(self, export_format):
        with translation.override("en"):
            return super().create_export(export_format)


class SafeExportMixin(ExportMixin):
    """The English export, with SafeTableExport and a sheet named after the page."""

    export_class = SafeTableExport

    def get_dataset_kwargs(self):
        name = (self.export_name or "export").replace("-", " ").replace("_", " ")
        return {"title": name.capitalize()[:31]}
