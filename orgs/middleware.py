"""Which language a page speaks (SPEC §7, README "Languages").

1. A signed-in person: their own choice (Account page, or the switcher in the header).
2. Otherwise a link from an email to a known person carries `?lang=` (orgs.emails): the
   login, password, Set up now, consent and welcome pages follow the link's recipient, and
   the choice is kept in the language cookie for the next pages of that visit.
3. Otherwise the language cookie (the switcher on the login page), then the browser's
   Accept-Language: Django's LocaleMiddleware, which runs before this one.
"""

from django.conf import settings
from django.utils import translation

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def activate(request, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = language


class PersonLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        link_language = request.GET.get("lang", "")
        if link_language not in LANGUAGE_CODES:
            link_language = ""
        signed_in = user is not None and user.is_authenticated
        if signed_in and user.language in LANGUAGE_CODES:
            activate(request, user.language)
        elif link_language:
            activate(request, link_language)
        response = self.get_response(request)
        if link_language and not signed_in:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                link_language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
            )
        return response
