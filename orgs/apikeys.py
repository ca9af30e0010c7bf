"""API authentication in one place: personal tokens and partner API keys.

Both are random secrets shown once and stored as their SHA-256 only (a leaked table gives
no working key); the first characters are kept to recognise a key in lists. Callers send
`Authorization: Bearer <key>` (or `Token <key>`).

- A **personal token** (one per person) acts as its person: their role, their reach.
- A **partner key** belongs to a partner organisation, has a name and scopes, and acts
  with a partner full admin's reach, limited to its scopes: `read` (GET), `usage:write`
  (post usage events), `orders:write` (place and provision orders). Anything else it
  tries answers 403. It stops working when revoked or when the full admin who created it
  leaves that role (create a new one then).
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from orgs import roles
from orgs.audit import audit_record
from orgs.models import ApiToken, Person

READ = "read"
USAGE_WRITE = "usage:write"
ORDERS_WRITE = "orders:write"
SCOPES = (READ, USAGE_WRITE, ORDERS_WRITE)
SCOPE_LABELS = {
    READ: "read: read customers, orders, trials and usage",
    USAGE_WRITE: "usage:write: post agent, IVR and digital usage events",
    ORDERS_WRITE: "orders:write: place and provision orders",
}
LAST_USED_RESOLUTION_SECONDS = 60


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_secret(kind: str) -> str:
    return ("sbp_" if kind == ApiToken.Kind.PARTNER else "sbt_") + secrets.token_urlsafe(32)


@transaction.atomic
def person_token_create(*, person: Person) -> tuple[ApiToken, str]:
    """A new personal token for `person`, replacing any earlier one; (row, secret)."""
    now = timezone.now()
    ApiToken.objects.live().filter(person=person, kind=ApiToken.Kind.PERSON).update(
        revoked_at=now
    )
    key = _new_secret(ApiToken.Kind.PERSON)
    token = ApiToken.objects.create(
        kind=ApiToken.Kind.PERSON, person=person, organization=person.organization,
        prefix=key[:10], key_hash=_hash(key),
    )
    return token, key


def person_tokens_revoke(*, person: Person) -> int:
    """Revoke every personal token of `person` (their password was reset, say)."""
    return ApiToken.objects.live().filter(person=person, kind=ApiToken.Kind.PERSON).update(
        revoked_at=timezone.now()
    )


def may_manage_keys(person: Person) -> bool:
    return (
        getattr(person, "is_authenticated", False)
        and person.role == roles.Role.PARTNER_FULL_ADMIN
        and person.organization_id is not None
    )


@transaction.atomic
def partner_key_create(*, actor: Person, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    if not may_manage_keys(actor):
        raise PermissionDenied("Only partner full admins manage API keys.")
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = ["Give the key a name, e.g. the system that uses it."]
    elif len(name) > 100:
        errors["name"] = ["At most 100 characters."]
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        errors["scopes"] = [
            f"Unknown scope {unknown[0]!r}." if unknown else "Choose at least one scope."
        ]
    if errors:
        raise ValidationError(errors)
    key = _new_secret(ApiToken.Kind.PARTNER)
    token = ApiToken.objects.create(
        kind=ApiToken.Kind.PARTNER, person=actor, organization=actor.organization, name=name,
        scopes=sorted(set(scopes)), prefix=key[:10], key_hash=_hash(key),
    )
    audit_record(actor=actor, organization=actor.organization, action="api_key.create",
                 obj=token, after={"name": name, "scopes": token.scopes})
    return token, key


@transaction.atomic
def partner_key_revoke(*, actor: Person, key_id) -> ApiToken:
    from django.http import Http404

    if not may_manage_keys(actor):
        raise Http404  # as for anything outside a person's reach

    token = ApiToken.objects.filter(
        pk=key_id, kind=ApiToken.Kind.PARTNER, organization_id=actor.organization_id
    ).first()
    if token is None:
        raise Http404
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, organization=actor.organization, action="api_key.revoke",
                     obj=token, before={"name": token.name, "scopes": token.scopes})
    return token


def authenticate_key(key: str) -> tuple[Person, ApiToken] | None:
    """The (person to act as, token) for `key`, or None if it is unknown or revoked."""
    if not key or len(key) > 200:
        return None
    token = (
        ApiToken.objects.live().select_related("person", "person__organization")
        .filter(key_hash=_hash(key)).first()
    )
    if token is None:
        return None
    person = token.person
    if not person.is_active:
        return None
    if token.kind == ApiToken.Kind.PARTNER and not (
        person.role == roles.Role.PARTNER_FULL_ADMIN
        and person.organization_id == token.organization_id
    ):
        return None
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return person, token


class KeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>` or `Token <key>`: personal tokens and partner keys."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: send 'Bearer <key>'."
            )
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid key.") from None
        found = authenticate_key(key)
        if found is None:
            _throttle_anonymous(request)  # guessing keys counts as anonymous traffic
            raise exceptions.AuthenticationFailed("Invalid or revoked key.")
        from orgs.api.authentication import activate_language

        return activate_language(found)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class KeyScopes(permissions.BasePermission):
    """Partner keys do only what their scopes allow: `read` for safe methods; the view's
    `required_scope` for the others (a view without one takes no partner key writes)."""

    message = "This API key's scopes do not allow this request."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or token.kind != ApiToken.Kind.PARTNER:
            return True
        if request.method in permissions.SAFE_METHODS:
            needed = READ
        else:
            needed = getattr(view, "required_scope", None)
        if needed is None or needed not in token.scopes:
            self.message = (
                f"This API key lacks the {needed!r} scope."
                if needed
                else "API keys cannot make this request; use a person's session or token."
            )
            return False
        return True


class ClientRateThrottle(throttling.SimpleRateThrottle):
    """One budget per API key or token (per person for a browser session), and one per
    address for anonymous callers: `client` and `anonymous` in DEFAULT_THROTTLE_RATES."""

    def __init__(self):  # the scope depends on the request; rates are read per request
        pass

    def allow_request(self, request, view):
        user = getattr(request, "_user", None)  # not request.user: no re-authentication
        self.scope = "client" if user is not None and user.is_authenticated else "anonymous"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        token = getattr(request, "_auth", None)
        user = getattr(request, "_user", None)
        if isinstance(token, ApiToken):
            ident = f"key-{token.pk}"
        elif user is not None and user.is_authenticated:
            ident = f"person-{user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _throttle_anonymous(request) -> None:
    throttle = ClientRateThrottle()
    if not throttle.allow_request(request, None):
        raise exceptions.Throttled(throttle.wait())


class AnonymousRateLimit(permissions.BasePermission):
    """First of the permission checks: DRF runs throttles only after them, so without
    this an anonymous caller would be answered 401 as often as it likes."""

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            _throttle_anonymous(request)
        return True


class KeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """The OpenAPI description of KeyAuthentication."""

    target_class = "orgs.apikeys.KeyAuthentication"
    name = "bearerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner API key (scoped) or a personal token: "
            "`Authorization: Bearer <key>`.",
        }
