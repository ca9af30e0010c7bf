"""CSV/XLSX exports of the list pages speak the SPEC's English whatever the reader's
language: they are a machine contract, like the vendor's own export (SPEC §7). Pages
show the same table's headers and labels translated."""

from __future__ import annotations

from django.utils import translation
from django_tables2.export import ExportMixin as TablesExportMixin


class ExportMixin(TablesExportMixin):
    """django-tables2's export, rendered in English: column headers (lazy verbose names)
    and labels (choices, usage types) resolve at export time, inside the override."""

    def create_export(self, export_format):
        with translation.override("en"):
            return super().create_export(export_format)
