"""A trial's status changes only through `_transition`, and only as `rules.MOVES` allows:
every illegal move is refused with IllegalTransition and leaves the row and the audit
trail untouched; every status write in the trials app goes through the helper."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from orgs.models import AuditLog
from orgs.roles import Role
from tests.factories import TrialFactory
from trials import rules, services
from trials.models import Trial
from trials.services import IllegalTransition
from trials.services.common import _transition

ROOT = Path(__file__).resolve().parents[2]
ACTIVE = "Trial active"
STATUSES = [status for status, _label in Trial.Status.choices]
MOVES_OF_EXISTING = {event: move for event, move in rules.MOVES.items() if None not in move.sources}

ILLEGAL = [
    (event, status)
    for event, move in MOVES_OF_EXISTING.items()
    for status in STATUSES
    if status not in move.sources
]
LEGAL = [
    (event, status) for event, move in MOVES_OF_EXISTING.items() for status in sorted(move.sources)
]


def test_every_status_is_in_the_table():
    assert set(rules.TRANSITIONS) == set(STATUSES)
    assert {m.target for m in rules.MOVES.values()} <= set(STATUSES)


def test_the_table_refuses_what_spec_forbids():
    assert not rules.may_transition("ended", "active")  # irreversible
    assert not rules.may_transition("converted", "active")
    assert not rules.may_transition("declined", "pending_provisioning")
    assert rules.may_transition("grace", "active")  # extended in grace
    assert len(ILLEGAL) > 40


@pytest.mark.django_db
@pytest.mark.parametrize(("event", "status"), ILLEGAL)
def test_an_illegal_move_is_refused_and_changes_nothing(event, status):
    trial = TrialFactory(status=status)
    audits = AuditLog.objects.count()
    with pytest.raises(IllegalTransition) as refused, _transition(trial, event, actor=None):
        pytest.fail("the body of a refused move must not run")
    assert "status" in refused.value.message_dict
    trial.refresh_from_db()
    assert trial.status == status
    assert AuditLog.objects.count() == audits


@pytest.mark.django_db
@pytest.mark.parametrize(("event", "status"), LEGAL)
def test_a_legal_move_sets_the_status_and_audits_it(event, status):
    trial = TrialFactory(status=status)
    with _transition(trial, event, actor=None) as move:
        move.extra["why"] = "test"
    trial.refresh_from_db()
    assert trial.status == rules.MOVES[event].target
    entry = AuditLog.objects.get(action=f"trial.{event}", object_id=str(trial.pk))
    assert entry.before["status"] == status
    assert entry.after["status"] == rules.MOVES[event].target
    assert entry.after["why"] == "test"


@pytest.mark.django_db
def test_the_status_is_read_under_the_lock_not_from_a_stale_instance():
    trial = TrialFactory(status="pending_provisioning")
    Trial.objects.unscoped().filter(pk=trial.pk).update(status="cancelled")
    with pytest.raises(IllegalTransition):
        services.trial_provision(actor=None, trial=trial)  # the instance still says pending
    assert Trial.objects.unscoped().get(pk=trial.pk).status == "cancelled"


@pytest.mark.django_db
def test_a_new_trial_is_created_by_its_first_move_only():
    existing = TrialFactory(status="active")
    with pytest.raises(IllegalTransition), _transition(existing, "start", actor=None):
        pass


@pytest.mark.parametrize(
    ("call", "status", "message"),
    [
        ("trial_cancel", "active", "Only a pending trial can be cancelled."),
        ("trial_extend", "cancelled", "Only an active or expired trial can be extended."),
        ("trial_extend", "pending_consent", "Only an active or expired trial can be extended."),
        (
            "trial_provision",
            "active",
            "A trial that is “Trial active” cannot become “Trial active”.",
        ),
    ],
)
def test_services_refuse_with_the_moves_own_words(world, call, status, message):
    trial = world.a.trial
    Trial.objects.unscoped().filter(pk=trial.pk).update(status=status)
    trial.refresh_from_db()
    with pytest.raises(IllegalTransition) as refused:
        getattr(services, call)(actor=world.a.people[Role.SALES_FULL_ADMIN], trial=trial)
    assert refused.value.message_dict == {"status": [message]}
    trial.refresh_from_db()
    assert trial.status == status


def test_the_customer_cannot_decline_an_answered_request(world):
    trial = world.a.trial  # active: nothing to answer
    with pytest.raises(IllegalTransition) as refused:
        services.trial_consent_decline(person=world.a.people[Role.CUSTOMER_FULL_ADMIN], trial=trial)
    assert refused.value.message_dict == {"status": ["This trial request was already answered."]}


# ---- the source: every status write goes through _transition --------------------------

# (module, enclosing function, source of the write) -> why it is not a trial's status.
ALLOWED = {
    ("trials/services/common.py", "_transition", "trial.status = rules.MOVES[event].target"): (
        "the helper itself"
    ),
    ("trials/services/common.py", "_transition", "trial.status = ..."): (
        "the helper re-reads the status under the row lock"
    ),
    (
        "trials/services/conversion.py",
        "conversion_process",
        "conversion.status = ConversionRequest.Status.PROCESSED",
    ): "a conversion request's status, not a trial's",
}
WRITES = {"create", "update", "update_or_create", "get_or_create", "bulk_create", "Trial"}


class _StatusWrites(ast.NodeVisitor):
    def __init__(self, source: str):
        self.source, self.stack, self.found = source, [], []

    def visit_FunctionDef(self, node):
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _where(self) -> str:
        return self.stack[-1] if self.stack else "<module>"

    def visit_Assign(self, node):
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "status":
                value = ast.get_source_segment(self.source, node.value) or ""
                value = "..." if "\n" in value else value
                shown = f"{ast.unparse(target)} = {value}"
                self.found.append((self._where(), shown))
        self.generic_visit(node)

    def visit_Call(self, node):
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        if name in WRITES and any(k.arg == "status" for k in node.keywords):
            self.found.append((self._where(), f"{name}(status=...)"))
        if name == "setattr" and len(node.args) > 1 and ast.unparse(node.args[1]) == "'status'":
            self.found.append((self._where(), "setattr(..., 'status', ...)"))
        self.generic_visit(node)


def test_every_status_write_in_trials_goes_through_transition():
    found = []
    for path in sorted((ROOT / "trials").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = path.read_text()
        finder = _StatusWrites(source)
        finder.visit(ast.parse(source))
        module = str(path.relative_to(ROOT))
        found += [(module, where, what) for where, what in finder.found]
    unexplained = [place for place in found if place not in ALLOWED]
    assert not unexplained, f"status written outside _transition: {unexplained}"
    assert set(found) == set(ALLOWED), "ALLOWED names places that no longer exist"
