"""API authentication that also speaks the caller's language: the human-readable error
messages of a person's requests are in that person's chosen language, as pages are."""

from __future__ import annotations

from django.utils import translation
from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication


def activate_language(result):
    if result is not None:
        language = getattr(result[0], "language", "")
        if language:
            translation.activate(language)
    return result


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        return activate_language(super().authenticate(request))


class PersonSessionScheme(SessionScheme):
    """The OpenAPI description of the session login above (drf-spectacular matches
    subclasses of the token class, not of the session class)."""

    target_class = "orgs.api.authentication.SessionAuthentication"
