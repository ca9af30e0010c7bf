"""The OpenAPI schema's error answers: every operation documents the JSON error body the
API gives (`orgs.api.errors`) for the codes any endpoint can answer, so clients (and the
schemathesis run in CI, tests/test_api_schema_fuzz.py) read the truth from the schema."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: a message, and each field at fault with the reason.",
    "properties": {
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
                "required": ["field", "reason"],
            },
        },
    },
    "required": ["message", "errors"],
}

# Every operation can answer these; an operation that reads a body also 413.
COMMON = {
    "400": "Invalid input (a parameter or the body): each field at fault with the reason.",
    "401": "No valid token or key.",
    "403": "The caller may not do this (role, or the key's scopes).",
    "404": "No such object, or not the caller's.",
    "429": "Too many requests: retry after the `Retry-After` header's seconds.",
}
WITH_BODY = {"413": "The request body is too large."}


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the `Error` component and the error
    answers each operation does not already describe."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = dict(COMMON)
            if "requestBody" in operation or method in ("post", "put", "patch"):
                codes.update(WITH_BODY)
            responses = operation["responses"]
            for code, description in codes.items():
                responses.setdefault(code, {"description": description})
            for code, answer in responses.items():
                if str(code).isdigit() and int(code) >= 400:
                    answer.setdefault("content", {"application/json": {"schema": reference}})
    return result
