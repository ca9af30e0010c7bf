"""The daily detail as CSV (`?format=csv`): exactly the reconciliation table's headers."""

from __future__ import annotations

import csv
import io

from rest_framework import renderers

from orgs.exports import neutralise
from usage.selectors import DAILY_DETAIL_COLUMNS


class DailyDetailCsvRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([header for header, _field in DAILY_DETAIL_COLUMNS])
        for row in (data or {}).get("results", []):
            writer.writerow([neutralise(row[name]) for _header, name in DAILY_DETAIL_COLUMNS])
        return out.getvalue().encode(self.charset)
