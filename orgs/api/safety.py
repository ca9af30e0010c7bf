"""What keeps bad input a 4xx JSON answer, never a 500: the JSON parser, the paginator's
bounds and OPTIONS (the exception handler in orgs.api.errors does the rest)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import exceptions, metadata, pagination, parsers

MAX_DEPTH = 32


def _check(value: Any, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels at {path or '$'}.")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, f"{path}.{key}" if path else str(key))
            _check(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]", depth + 1)
    elif isinstance(value, str):
        _check_text(value, path)


def _check_text(value: str, path: str) -> None:
    if "\x00" in value:
        raise exceptions.ValidationError({path or "body": ["Contains a NUL character."]})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise exceptions.ValidationError(
            {(path.encode("utf-8", "replace").decode() or "body"): [
                "Contains an unpaired surrogate (not valid Unicode)."
            ]}
        ) from None


class TooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


class SafeJSONParser(parsers.JSONParser):
    """JSON, refusing nesting deeper than MAX_DEPTH, NUL characters and lone surrogates
    with a 400 that names where they are."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise TooLarge(
                    f"The request body is {length:,} bytes; at most {limit:,} are accepted."
                )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from None
        _check(data, "", 0)
        return data


class BoundedLimitOffsetPagination(pagination.LimitOffsetPagination):
    """`limit` at most MAX_PAGE_SIZE; a huge `limit` or `offset` is clamped, not a 500."""

    max_limit = 1000

    def get_offset(self, request):
        offset = super().get_offset(request)
        return min(offset, 10**12)


class SafeMetadata(metadata.SimpleMetadata):
    """OPTIONS describes the endpoint; it does not build request forms from serializers
    (which fails on endpoints without one)."""

    def determine_actions(self, request, view):
        return {}
