"""Five languages (SPEC §7, README "Languages"): every page the URL configuration has,
rendered for a person of each language, and every email template, show none of the English
catalogue's strings that the language translates differently; links and the switcher pick
the language; exports and the API's field names stay English.

The page walk is generated like tests/test_tenancy.py's: a new page is covered without
anyone adding it here. Pages behind a signed link (exempt from the tenancy walk) are built
by SIGNED_PAGES, and a test fails when an exempt page has no way in here.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable, Iterable
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.template.loader import render_to_string
from django.urls import get_resolver
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from orgs.emails import email_send
from orgs.roles import Role
from tests.conftest import Tenant
from tests.factories import PersonFactory
from tests.test_tenancy import EXEMPT, PARAMETERS, _walk

LANGUAGES = ["nl", "fr", "sl", "hr"]
LOCALE = Path(settings.BASE_DIR) / "locale"
EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalogue(language: str) -> dict[str, str]:
    """Our catalogue of `language` (the compiled .mo of locale/, not Django's own):
    English msgid -> translation, for the entries whose translation differs."""
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as mo:
        entries = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    return {
        msgid: text
        for msgid, text in entries.items()
        if isinstance(msgid, str) and msgid and text and text != msgid
    }


class EnglishFinder:
    """Finds the English catalogue strings in the text a person reads: a text node equal to
    a short string, or containing a sentence (placeholders match any text)."""

    def __init__(self, language: str) -> None:
        self.exact: set[str] = set()
        patterns: list[str] = []
        for msgid in catalogue(language):
            text = " ".join(msgid.replace("%%", "%").split())
            if PLACEHOLDER.search(text):
                parts = PLACEHOLDER.split(text)
                if sum(len(p.strip()) for p in parts) < 8:
                    continue  # "%(n)s above": too little English to tell
                patterns.append(r"[^\n]+?".join(re.escape(p) for p in parts))
            elif len(text) >= 24:
                patterns.append(re.escape(text))
            else:
                self.exact.add(text)
        patterns.sort(key=len, reverse=True)
        self.sentences = re.compile("|".join(patterns)) if patterns else None

    def find(self, texts: Iterable[str]) -> set[str]:
        nodes = [" ".join(t.split()) for t in texts]
        found = {node for node in nodes if node in self.exact}
        if self.sentences is not None:
            found |= {m.group(0) for m in self.sentences.finditer("\n".join(nodes))}
        return found


class ReadableText(HTMLParser):
    """The text nodes and the attributes a person reads (title, label, placeholder, a
    button's value), skipping script/style, any element that declares its own `lang` (the
    switcher names each language in that language) and names marked `translate="no"`."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    READ = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.stack: list[bool] = []  # per open element: is its text skipped?

    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skip = (
            self.skipping()
            or tag in ("script", "style")
            or "lang" in attributes
            or attributes.get("translate") == "no"
        )
        if tag == "html":
            skip = False
        if not skip:
            self.texts += [attributes[a] or "" for a in self.READ if a in attributes]
            if tag == "input" and attributes.get("type") in ("submit", "button"):
                self.texts.append(attributes.get("value") or "")
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.skipping() and data.strip():
            self.texts.append(data)


def readable(html: str) -> list[str]:
    parser = ReadableText()
    parser.feed(html)
    return parser.texts


# ---- every page ----------------------------------------------------------------------

# Not pages a person reads in a language: the API (JSON with the SPEC's English names;
# its error messages are tested below), Django's admin (platform staff), the developer
# outbox (DEBUG only), the switcher (a redirect).
NOT_PAGES = ("api/", "admin/", "dev/outbox/", "i18n/", "logout/")


def _tenant_paths(tenant: Tenant) -> list[str]:
    paths = []
    for route in _walk(get_resolver().url_patterns):
        if route.route.startswith(NOT_PAGES) or any(route.route.startswith(e) for e in EXEMPT):
            continue
        path = "/" + re.sub(
            r"<(?:\w+:)?(?P<name>\w+)>",
            lambda m: str(PARAMETERS[m.group("name")](tenant)),
            route.route,
        )
        paths.append(path)
    return sorted(set(paths))


def _password_reset_link(tenant: Tenant) -> str:
    person = tenant[Role.CUSTOMER_FULL_ADMIN]
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    return f"/password-reset/{uid}/{default_token_generator.make_token(person)}/"


def _setup_now_link(tenant: Tenant) -> str:
    from subscriptions import links

    order = tenant.order
    token = links.setup_token(order_id=order.pk, email=order.provisioning_contact_email)
    return f"/setup-now/{token}/"


def _consent_link(tenant: Tenant) -> str:
    from trials.models import Trial
    from trials.services import consent_token

    trial = tenant.trial
    Trial.objects.unscoped().filter(pk=trial.pk).update(status=Trial.Status.PENDING_CONSENT)
    return f"/trials/consent/{consent_token(trial)}/"


# Exempt pages a person reaches without being signed in, and how to get there.
SIGNED_PAGES: dict[str, Callable[[Tenant], list[str]]] = {
    "login/": lambda t: ["/login/"],
    "password-reset/": lambda t: [
        "/password-reset/",
        "/password-reset/sent/",
        "/password-reset/done/",
        _password_reset_link(t),
    ],
    "setup-now/": lambda t: [_setup_now_link(t)],
    "trials/consent/": lambda t: [_consent_link(t)],
}


def test_every_exempt_page_has_a_way_in():
    missing = [e for e in EXEMPT if not e.startswith(NOT_PAGES) and e not in SIGNED_PAGES]
    assert not missing, f"say in SIGNED_PAGES how to open {missing}"


def _english_on(client, path: str, finder: EnglishFinder) -> tuple[int, set[str]]:
    response = client.get(path, follow=True)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return response.status_code, set()
    return 200, finder.find(readable(response.content.decode()))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_speaks_the_persons_language(client, world, language):
    finder = EnglishFinder(language)
    tenant = world.a
    for person in tenant.people.values():
        person.language = language
        person.save(update_fields=["language"])
    seen, problems = 0, {}
    for role in (Role.PARTNER_FULL_ADMIN, Role.SALES_ADMIN, Role.CUSTOMER_FULL_ADMIN):
        client.force_login(tenant[role])
        for path in _tenant_paths(tenant):
            status, english = _english_on(client, path, finder)
            seen += status == 200
            if english:
                problems[f"{role} {path}"] = sorted(english)
    client.logout()
    for paths in SIGNED_PAGES.values():
        for path in paths(tenant):
            status, english = _english_on(client, f"{path}?lang={language}", finder)
            seen += status == 200
            if english:
                problems[f"anonymous {path}"] = sorted(english)
    assert seen >= 30, f"only {seen} pages rendered: the walk lost its way"
    assert not problems, f"English on {language} pages: {problems}"


def test_the_finder_catches_english(client, world):
    """The walk above can fail: an English page read by a Dutch eye is caught."""
    finder = EnglishFinder("nl")
    client.force_login(world.a[Role.PARTNER_FULL_ADMIN])  # language "en"
    english = finder.find(readable(client.get("/customers/").content.decode()))
    assert {"Customers", "Log out"} <= english


# ---- every email ---------------------------------------------------------------------

SAMPLE_CONTEXT = {
    "customer": "Initech",
    "partner": "Acme Partners",
    "organization": "Initech",
    "services": ["Meetings", "Calling", "Contact Center"],
    "role": "Full admin",
    "access": "Provisioning only",
    "invited_by": "Ada Lovelace",
    "sent_by": "Ada Lovelace",
    "web_order_id": "WO-1",
    "offer": "Flex 3.0 Contact Center",
    "provisioning_contact_email": "it@initech.example",
    "requested_start_date": "2026-12-01",
    "deadline": "2026-12-08",
    "end_date": "2026-12-31",
    "grace_end": "2027-01-30",
    "devices_due": "2027-01-14",
    "cycle_start": "2026-11-09",
    "cycle_end": "2026-12-08",
    "alerts": [
        {
            "usage_type": "Premium Named Agent",
            "is_overage": False,
            "threshold": 90,
            "usage_date": "2026-11-20",
            "units_used": 5,
            "units_commitment": 5,
            "units_overage": 0,
        },
        {
            "usage_type": "IVR Port",
            "is_overage": True,
            "threshold": 0,
            "usage_date": "2026-11-21",
            "units_used": 30,
            "units_commitment": 28,
            "units_overage": 2,
        },
    ],
    **{
        name: f"http://testserver/{name}/"
        for name in (
            "setup_url",
            "set_password_url",
            "reset_url",
            "home_url",
            "trial_url",
            "consent_url",
            "order_url",
            "requests_url",
            "daily_detail_url",
            "settings_url",
        )
    },
    "site_url": "http://testserver",
}
TEMPLATES = sorted(p.name.removesuffix(".subject.txt") for p in EMAILS.glob("*.subject.txt"))


def render_parts(template: str, language: str) -> tuple[str, str, str]:
    with translation.override(language):
        return (
            render_to_string(f"emails/{template}.subject.txt", SAMPLE_CONTEXT),
            render_to_string(f"emails/{template}.txt", SAMPLE_CONTEXT),
            render_to_string(f"emails/{template}.html", SAMPLE_CONTEXT),
        )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_email_speaks_the_language(template, language):
    subject, text, html = render_parts(template, language)
    english_subject, english_text, _html = render_parts(template, "en")
    finder = EnglishFinder(language)
    found = finder.find([subject, *text.splitlines(), *readable(html)])
    assert not found, f"{template} in {language}: {found}"
    assert subject != english_subject and text != english_text


def test_email_words_from_data_follow_the_recipient():
    """Labels and dates travel as English and ISO data, and read in the recipient's words."""
    _subject, text, _html = render_parts("trial_started", "nl")
    assert "Bellen" in text and "Calling" not in text
    assert "31-12-2026" in text and "2026-12-31" not in text


def test_one_message_per_language(db, django_capture_on_commit_callbacks):
    PersonFactory(email="anna@x.example", language="nl")
    PersonFactory(email="bram@x.example", language="nl")
    PersonFactory(email="chloe@x.example", language="fr")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        email_send(
            to=["anna@x.example", "Bram@x.example", "chloe@x.example", "new@x.example"],
            template="setup_now",
            context={**SAMPLE_CONTEXT, "setup_url": settings.SITE_URL + "/setup-now/abc/"},
        )
    by_recipients = {tuple(message.to): message for message in mail.outbox}
    assert set(by_recipients) == {
        ("anna@x.example", "bram@x.example"),
        ("chloe@x.example",),
        ("new@x.example",),
    }
    dutch = by_recipients[("anna@x.example", "bram@x.example")]
    assert dutch.subject.startswith("Nu instellen")
    assert "/setup-now/abc/?lang=nl" in dutch.body
    assert by_recipients[("chloe@x.example",)].subject.startswith("Configurer maintenant")
    unknown = by_recipients[("new@x.example",)]
    # Nobody knows the newcomer's language: English, and the page follows the browser.
    assert unknown.subject.startswith("Set up now") and "lang=" not in unknown.body


# ---- who sees which language ---------------------------------------------------------


def test_signed_in_person_sees_their_choice_over_the_browser(client, world):
    person = world.a[Role.PARTNER_FULL_ADMIN]
    person.language = "sl"
    person.save(update_fields=["language"])
    client.force_login(person)
    response = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="fr", follow=True)
    assert "Stranke" in response.content.decode()


def test_login_page_follows_the_browser_then_the_link(client, db):
    assert "Se connecter" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    # A link from an email to a Croatian person: Croatian, kept for the next page.
    body = client.get("/login/?lang=hr", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Prijava" in body
    body = client.get("/password-reset/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ponovno postavite lozinku" in body


def test_unknown_link_language_is_ignored(client, db):
    body = client.get("/login/?lang=xx", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Aanmelden" in body


def test_switcher_saves_a_signed_in_persons_choice(client, world):
    person = world.a[Role.CUSTOMER_FULL_ADMIN]
    client.force_login(person)
    response = client.post("/i18n/language/", {"language": "hr", "next": "/account/?lang=nl&x=1"})
    assert response.status_code == 302
    assert response["Location"] == "/account/?x=1"
    person.refresh_from_db()
    assert person.language == "hr"
    assert "Vaš račun" in client.get("/account/").content.decode()


def test_switcher_for_a_visitor_sets_the_cookie(client, db):
    response = client.post("/i18n/language/", {"language": "sl", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "Prijava" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"language": "de", "next": "/"}, 400),
        ({"language": "nl", "next": "https://evil.example/"}, 302),
    ],
)
def test_switcher_refuses_bad_input(client, db, data, status):
    response = client.post("/i18n/language/", data)
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == "/"


def test_api_errors_speak_the_token_persons_language(api, world):
    from orgs.apikeys import person_token_create

    person = world.a[Role.PARTNER_FULL_ADMIN]
    person.language = "fr"
    person.save(update_fields=["language"])
    _token, key = person_token_create(person=person)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    customer = world.a.customer.pk
    response = api.get(f"/api/v1/customers/{customer}/usage/daily/?from=2026-01-05&to=2026-01-01")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "to", "reason": "Se situe avant « from »."}]


# ---- exports stay English ------------------------------------------------------------


def test_exports_keep_english_headers_and_labels(client, world):
    person = world.a[Role.PARTNER_FULL_ADMIN]
    person.language = "nl"
    person.save(update_fields=["language"])
    client.force_login(person)
    page = client.get("/customers/").content.decode()
    assert "Klanten" in page
    export = client.get("/customers/?_export=csv").content.decode()
    header = export.splitlines()[0]
    assert header.startswith("Customer,Status,Services,") and "Klant" not in export


# ---- dates and numbers -----------------------------------------------------------------
# (the demo's people in the four languages: tests/test_demo.py)


@pytest.mark.parametrize(
    ("language", "pattern"),
    [
        ("en", "%Y-%m-%d"),
        ("nl", "%-d-%-m-%Y"),
        ("fr", "%d/%m/%Y"),
        ("sl", "%-d. %-m. %Y"),
        ("hr", "%-d.%m.%Y."),
    ],
)
def test_pages_write_dates_in_the_readers_language(client, world, language, pattern):
    from trials.models import Trial

    trial = world.a.trial
    end = date(2026, 3, 7)
    Trial.objects.unscoped().filter(pk=trial.pk).update(end_date=end)
    person = world.a[Role.PARTNER_FULL_ADMIN]
    person.language = language
    person.save(update_fields=["language"])
    client.force_login(person)
    body = client.get(f"/trials/{trial.pk}/").content.decode()
    assert end.strftime(pattern) in body
    if language != "en":
        assert end.isoformat() not in body


def test_drf_messages_speak_croatian_too(api, world):
    """DRF ships no Croatian: its messages are in our catalogues (orgs/api/messages.py)."""
    from orgs.apikeys import person_token_create

    person = world.a[Role.PARTNER_FULL_ADMIN]
    person.language = "hr"
    person.save(update_fields=["language"])
    _token, key = person_token_create(person=person)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.patch(
        f"/api/v1/customers/{world.a.customer.pk}/", {"surge_percent": "many"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "surge_percent", "reason": "Potreban je valjan cijeli broj."}
    ]


def test_no_translated_string_hides_inside_an_f_string():
    """makemessages (xgettext) does not read inside f-strings: a `_("...")` there never
    reaches the catalogues and stays English on every page (the usage charts' legend did)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    names = {"_", "gettext", "gettext_lazy", "pgettext", "ngettext", "npgettext"}
    hidden = []
    for app in ("orgs", "subscriptions", "usage", "trials", "billing", "pages", "portal"):
        for path in sorted((root / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if not isinstance(node, ast.JoinedStr):
                    continue
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call) and getattr(inner.func, "id", "") in names:
                        hidden.append(f"{path.relative_to(root)}:{inner.lineno}")
    assert hidden == []


def test_the_usage_chart_legend_speaks_the_readers_language():
    from django.utils import translation

    from usage.charts import ChartDay, usage_chart

    with translation.override("nl"):
        html = usage_chart(
            [ChartDay(date(2024, 6, 9), 4, 5), ChartDay(date(2024, 6, 10), 7, 5)],
            start=date(2024, 6, 9), end=date(2024, 7, 8), title="t", chart_id="c",
        )
    assert "Gebruikt binnen het vastgelegde aantal" in html and "Cijfers per dag" in html
    assert "Used within commitment" not in html and 'style="' not in html
