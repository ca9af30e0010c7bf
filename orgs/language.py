"""The language switcher (in the header of every page, the login page included).

A signed-in person's choice is saved on their account, like the Account page does; anybody
else's is kept in the language cookie. Either way the page they came from is shown again,
without a link's `?lang=` (orgs.middleware), which would otherwise win over the choice.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs.middleware import LANGUAGE_CODES


def _without_link_language(url: str) -> str:
    parts = urlsplit(url)
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    )
    return urlunsplit(parts._replace(query=query))


@require_POST
def language_switch(request):
    language = request.POST.get("language", "")
    if language not in LANGUAGE_CODES:
        return HttpResponseBadRequest(_("Choose one of the languages offered."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(_without_link_language(next_url))
    person = request.user
    if person.is_authenticated and person.language != language:
        person.language = language
        person.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
    )
    return response
