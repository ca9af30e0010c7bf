"""Meeting site names: one format for the setup wizard and trials, unique across both.

A site is stored as its name (`acme`); its address is `acme.<MEETING_SITE_DOMAIN>`. Trials
sit above this app, so they register their own check (`site_claimants`) instead of being
imported here."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

from subscriptions import rules

# Each claimant answers "is this site name used, other than by `exclude`?" for its own rows.
SiteClaimant = Callable[[str, object], bool]
site_claimants: list[SiteClaimant] = []


def meeting_site_domain() -> str:
    return settings.MEETING_SITE_DOMAIN


def meeting_site_host(name: str) -> str:
    """The site's address: `acme` → `acme.webex.com`."""
    return f"{name}.{meeting_site_domain()}" if name else ""


def meeting_site_name(value: str) -> str:
    """What a person typed (`Acme`, `acme.webex.com`, `https://acme.webex.com/`) as the
    stored site name (`acme`)."""
    name = (value or "").strip().lower()
    for prefix in ("https://", "http://"):
        name = name.removeprefix(prefix)
    name = name.rstrip("/")
    return name.removesuffix(f".{meeting_site_domain()}")


def meeting_site_problem(name: str, *, exclude: object = None) -> str | None:
    """Why the site `name` (already through `meeting_site_name`) cannot be used, or None.
    `exclude` is the subscription or trial that holds it now."""
    if not rules.SUBDOMAIN_PATTERN.match(name):
        return _(
            "Enter the site's name only: 1–63 lower-case letters, digits and hyphens, "
            "not starting or ending in one (its address will be %(example)s)."
        ) % {"example": meeting_site_host("acme")}
    if name in rules.RESERVED_SUBDOMAINS:
        return _("That site name is reserved.")
    if meeting_site_taken(name, exclude=exclude):
        return _("%(site)s is taken: choose another site name.") % {"site": meeting_site_host(name)}
    return None


def meeting_site_taken(name: str, *, exclude: object = None) -> bool:
    from subscriptions.models import Subscription

    subscriptions = Subscription.objects.unscoped().filter(meeting_site_url=name)
    if isinstance(exclude, Subscription):
        subscriptions = subscriptions.exclude(pk=exclude.pk)
    return subscriptions.exists() or any(claimant(name, exclude) for claimant in site_claimants)
