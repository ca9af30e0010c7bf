"""Writing the audit log: every change an admin makes goes through `audit_record`."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.forms.models import model_to_dict

from orgs.models import AuditLog, Organization, Person


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe picture of `obj`'s own fields for the before/after columns."""
    data = model_to_dict(obj, fields=fields)
    return {
        key: value if isinstance(value, (int, float, bool, type(None))) else str(value)
        for key, value in data.items()
    }


def audit_record(
    *,
    actor: Person | None,
    organization: Organization,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        organization=organization,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )


def audited_update(
    *,
    actor: Person | None,
    organization: Organization,
    action: str,
    obj: models.Model,
    changes: dict[str, Any],
    audited: list[str] | None = None,
) -> bool:
    """Set `changes` on `obj`, save just those fields, and audit the `audited` fields
    (default: the changed ones) before and after. Returns whether they changed."""
    fields = audited or list(changes)
    before = snapshot(obj, fields)
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(changes))
    after = snapshot(obj, fields)
    audit_record(
        actor=actor, organization=organization, action=action, obj=obj, before=before, after=after
    )
    return before != after
