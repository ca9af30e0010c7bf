"""Filters for words and dates that reach a template as plain data (an email's JSON
context is built in the sender's request, rendered later in each recipient's language)."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext

register = template.Library()


@register.filter
def translated(value) -> str:
    """A label stored in English (a role, an access, a service), in the active language;
    a list of them joined with commas."""
    if isinstance(value, (list, tuple)):
        return ", ".join(gettext(str(item)) for item in value if item)
    return gettext(str(value)) if value else ""


@register.filter
def local_date(value) -> str:
    """An ISO date (or date) as pages write it in the active language (ISO in English:
    portal/formats); anything else unchanged."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return value
