"""Slovenian short dates in numbers (7. 3. 2026): Django's default abbreviates the month,
and its Slovenian catalogue leaves those abbreviations in English."""

SHORT_DATE_FORMAT = "j. n. Y"
SHORT_DATETIME_FORMAT = "j. n. Y H:i"
