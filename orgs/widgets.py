"""Form widgets for names that are the same in every language of the portal."""

from __future__ import annotations

from django import forms


class NameSelect(forms.Select):
    """A select of names no language translates: product names as the vendor sells them
    (locale/GLOSSARY.md), IANA time zones. Each option carries HTML's `translate="no"`
    (and `lang` when given), for browsers' translators, screen readers and the tests."""

    def __init__(self, attrs=None, choices=(), lang: str = ""):
        super().__init__(attrs, choices)
        self.lang = lang

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        if option["value"]:
            option["attrs"]["translate"] = "no"
            if self.lang:
                option["attrs"]["lang"] = self.lang
        return option
