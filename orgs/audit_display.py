"""The audit log in words: who did what to which object, and what changed, before → after.

The log stores machine values (action codes, model labels, field names, ids, choice
codes); this module turns a page of entries into what a person reads, resolving ids and
choices through the models themselves so a new model or field reads well unaided.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# What an action did, in words; an unknown code reads from its own name.
ACTION_WORDS = {
    "organization.create": _("created the organisation"),
    "organization.update": _("changed the organisation"),
    "customer.update": _("changed the customer's settings"),
    "person.create": _("added the person"),
    "person.invite": _("invited the person"),
    "person.change_role": _("changed the role"),
    "person.remove": _("removed the person"),
    "person.update": _("changed the person"),
    "order.place": _("placed the order"),
    "order.setup_email": _("sent the Set up now email"),
    "order.resend": _("resent the Set up now email"),
    "order.change_contact": _("changed the provisioning contact"),
    "order.provision": _("provisioned the order"),
    "order.close": _("closed the order"),
    "subscription.create": _("created the subscription"),
    "subscription.activate": _("activated the subscription"),
    "trial.start": _("started the trial"),
    "trial.request_consent": _("asked the customer's consent"),
    "trial.accept_consent": _("accepted the trial"),
    "trial.decline_consent": _("declined the trial"),
    "trial.extend": _("extended the trial"),
    "trial.cancel": _("cancelled the trial"),
    "trial.delete": _("deleted the trial"),
    "trial.convert": _("converted the trial to paid"),
    "trial.request_conversion": _("asked the distributor to convert the trial"),
    "trial.expire": _("marked the trial expired"),
    "trial.end_grace": _("ended the trial's grace period"),
    "trial.ship_devices": _("recorded devices shipped"),
    "trial.return_devices": _("recorded devices returned"),
    "dispute.open": _("disputed an invoice line"),
    "dispute.accept": _("accepted the dispute"),
    "dispute.reject": _("rejected the dispute"),
    "dispute.credit": _("credited the dispute on an invoice"),
}


def action_words(action: str) -> str:
    if action in ACTION_WORDS:
        return str(ACTION_WORDS[action])
    return action.rsplit(".", 1)[-1].replace("_", " ")


def model_for(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def object_type_words(label: str) -> str:
    model = model_for(label)
    if model is None:
        return label.rsplit(".", 1)[-1]
    return capfirst(model._meta.verbose_name)


def object_type_choices(labels) -> list[tuple[str, str]]:
    return sorted(((label, object_type_words(label)) for label in labels), key=lambda c: c[1])


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "set"
        if self.after is None:
            return "was"
        return "changed"


def _field(model, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    # A reverse relation (an order's "lines", a trial's "services") is recorded as the
    # list of what it held: no field of this model to describe it.
    return None if field.auto_created and not field.concrete else field


def _field_words(model, name: str) -> str:
    field = _field(model, name)
    if field is not None and getattr(field, "verbose_name", None):
        return capfirst(field.verbose_name)
    return capfirst(name.replace("_", " "))


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def changes_of(entry, names: dict[tuple[type, str], str]) -> list[Change]:
    """The entry's changed fields; on a creation, the values it was created with."""
    model = model_for(entry.object_type)
    before, after = entry.before or {}, entry.after or {}

    def words(name: str, value: Any) -> str:
        if _empty(value):
            return "—"
        field = _field(model, name)
        if isinstance(value, list) and not (field is not None and field.choices):
            return ", ".join(str(v) for v in value)
        if field is not None and field.is_relation and field.related_model is not None:
            return names.get((field.related_model, str(value)), f"#{value}")
        if field is not None and field.choices:
            labels = {str(k): v for k, v in field.flatchoices}
            if isinstance(value, list):
                return ", ".join(str(labels.get(str(v), v)) for v in value)
            return str(labels.get(str(value), value))
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    result = []
    for name in list(dict.fromkeys([*before, *after])):
        if entry.before is not None and entry.after is not None:
            if before.get(name) == after.get(name):
                continue
            result.append(
                Change(_field_words(model, name), words(name, before.get(name)),
                       words(name, after.get(name)))
            )
        elif entry.after is not None:
            if _empty(after.get(name)):
                continue
            result.append(Change(_field_words(model, name), None, words(name, after[name])))
        else:
            result.append(Change(_field_words(model, name), words(name, before.get(name)), None))
    return result


def related_names(entries) -> dict[tuple[type, str], str]:
    """Names of the objects the entries' foreign keys point to, one query per model."""
    wanted: dict[type, set[str]] = defaultdict(set)
    for entry in entries:
        model = model_for(entry.object_type)
        for values in (entry.before or {}, entry.after or {}):
            for name, value in values.items():
                field = _field(model, name)
                if (field is not None and field.is_relation and field.related_model
                        and not _empty(value) and not isinstance(value, (list, dict))):
                    wanted[field.related_model].add(str(value))
    names = {}
    for related, pks in wanted.items():
        try:
            found = list(related._base_manager.filter(pk__in=pks))
        except (ValueError, TypeError):
            continue  # ids of another shape than the model's key: shown as #id
        for obj in found:
            names[(related, str(obj.pk))] = str(obj)
    return names
