"""API errors as JSON that name the field and the reason:
`{"message": "...", "errors": [{"field": "lines[0].sku", "reason": "..."}]}`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def flatten_errors(detail: Any, path: str = "") -> Iterator[dict[str, str]]:
    """Turn DRF's nested error detail into a flat list of {field, reason}."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                # Lists of nested serializers report {index: errors}: name them lines[0].
                yield from flatten_errors(value, f"{path}[{key}]")
                continue
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            yield from flatten_errors(value, f"{path}.{name}" if path and name else path or name)
    elif isinstance(detail, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail):
            for item in detail:
                yield {"field": path, "reason": str(item)}
        else:
            for index, item in enumerate(detail):
                if item:
                    yield from flatten_errors(item, f"{path}[{index}]")
    else:
        yield {"field": path, "reason": str(detail)}


def exception_handler(exc: Exception, context: dict) -> Any:
    from django.core.exceptions import RequestDataTooBig
    from rest_framework.response import Response

    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"message": _("The request body is too large."), "errors": []}, status=413
        )
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = list(flatten_errors(exc.detail))
        fields = sorted({error["field"] for error in errors if error["field"]})
        message = (
            _("Invalid input in %(fields)s; nothing was stored.") % {"fields": ", ".join(fields)}
            if fields
            else errors[0]["reason"]
            if errors
            else _("Invalid input; nothing was stored.")
        )
        response.data = {"message": message, "errors": errors}
    else:
        # Django's Http404 and PermissionDenied arrive without a message: use DRF's
        # ("Not found.", "You do not have permission to perform this action.").
        detail = getattr(exc, "detail", None) or str(exc)
        if not detail and isinstance(response.data, dict):
            detail = response.data.get("detail", "")
        response.data = {"message": str(detail) or response.status_text, "errors": []}
    return response


def not_found(request, exception=None):
    """The site's 404 handler: under /api/ the JSON error body (a path that matches no
    endpoint, such as a negative id, is as absent as another tenant's object); elsewhere
    the page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"message": _("Not found."), "errors": []}, status=404)
    return page_not_found(request, exception)
