"""Scoping cannot be bypassed quietly: the views, wizards, API modules and template tags
of every app reach tenant rows only through tenancy (`visible_to`, the base list views
and viewsets, `get_visible_or_404`, `can`).

This reads their source. `Model.objects` of a tenant model (one built on
`TenantQuerySet`) and any `unscoped()` fail the test unless the place is in ALLOWED with
the reason it is safe. Selectors and services are not read: they take a scoped
queryset or an already checked object from the view.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

from orgs.tenancy import TenantQuerySet

ROOT = Path(__file__).resolve().parent.parent

# (module path, enclosing function or class, what) -> why it is safe.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("orgs/views_base.py", "OrganizationPageMixin.organization_queryset", "Organization.objects"): (
        "the queryset dispatch() hands to get_visible_or_404, which scopes it"
    ),
    ("orgs/views_base.py", "CustomerPageMixin.organization_queryset", "Organization.objects"): (
        "the queryset dispatch() hands to get_visible_or_404, which scopes it"
    ),
    ("orgs/api/views.py", "CustomerViewSet.narrow", "PartnerRelationship.objects"): (
        "prefetched for the customers already scoped: each one's managing partner"
    ),
    ("subscriptions/views.py", "OrderDetailView.get_context_data", "unscoped()"): (
        "the subscription of an order the person already reached (get_visible_or_404)"
    ),
    ("billing/views.py", "InvoiceMixin.get_invoice", "Invoice.objects"): (
        "narrowed to the page's customer and handed to get_visible_or_404, which scopes it"
    ),
    ("billing/templatetags/billing_tags.py", "estimated_invoices", "PartnerRelationship.objects"): (
        "which customers of the (already scoped) page the person's own partner manages"
    ),
    ("trials/api/views.py", "CustomerTrialViewSet", "Trial.objects"): (
        "narrowed to the URL's customer by CustomerScopedViewSet and by visible_to in get_queryset"
    ),
}


def tenant_models() -> set[str]:
    names = set()
    for model in apps.get_models():
        if isinstance(model._default_manager.all(), TenantQuerySet):
            names.add(model.__name__)
    return names


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for config in apps.get_app_configs():
        app_dir = Path(config.path)
        if ROOT not in app_dir.parents:
            continue  # Django's and third parties' apps
        for pattern in ("views.py", "views_base.py", "wizards.py", "api/*.py", "templatetags/*.py"):
            files.extend(sorted(app_dir.glob(pattern)))
    return files


# What may follow `Model.objects` in these modules: scoping, or nothing at all.
SCOPING = {"visible_to", "none"}


class _Finder(ast.NodeVisitor):
    """`Model.objects` of a tenant model not followed by SCOPING and not the queryset
    handed to `get_visible_or_404` (which scopes it), and every `unscoped()`."""

    def __init__(self, models: set[str]):
        self.models, self.stack, self.found, self.fine = models, [], [], set()

    def _scoped(self, node):
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_Call(self, node: ast.Call):
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name == "get_visible_or_404" and node.args:
            self.fine.update(id(n) for n in ast.walk(node.args[0]))
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute):
        where = ".".join(self.stack) or "<module>"
        if node.attr in SCOPING | {"unscoped"} and self._is_objects(node.value):
            self.fine.add(id(node.value))
        if self._is_objects(node) and id(node) not in self.fine:
            self.found.append((where, f"{node.value.id}.objects", node.lineno))
        if node.attr == "unscoped":
            self.found.append((where, "unscoped()", node.lineno))
        self.generic_visit(node)

    def _is_objects(self, node) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "objects"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.models
        )


def bypasses(path: Path, models: set[str]) -> list[tuple[str, str, str, int]]:
    finder = _Finder(models)
    finder.visit(ast.parse(path.read_text(), filename=str(path)))
    relative = path.relative_to(ROOT).as_posix()
    return [(relative, where, what, line) for where, what, line in finder.found]


def test_the_scan_reads_the_modules_it_should():
    names = {p.relative_to(ROOT).as_posix() for p in scanned_files()}
    assert {"orgs/views.py", "subscriptions/wizards.py", "trials/api/views.py"} <= names
    assert "usage/templatetags/usage_tags.py" in names
    assert {"Organization", "Order", "Trial", "DailyUsage", "AuditLog"} <= tenant_models()


def test_views_api_and_template_tags_never_bypass_tenancy():
    models = tenant_models()
    found = [b for path in scanned_files() for b in bypasses(path, models)]
    unexplained = [
        f"{path}:{line} {what} in {where}"
        for path, where, what, line in found
        if (path, where, what) not in ALLOWED
    ]
    assert not unexplained, (
        "reach tenant rows through visible_to / the base list views / get_visible_or_404, "
        "or add the place to ALLOWED with the reason it is safe:\n" + "\n".join(unexplained)
    )


def test_every_allowance_is_still_needed():
    models = tenant_models()
    found = {(p, w, what) for path in scanned_files() for p, w, what, _l in bypasses(path, models)}
    stale = [key for key in ALLOWED if key not in found]
    assert not stale, f"remove these from ALLOWED: {stale}"


def test_the_scan_catches_a_bypass(tmp_path):
    source = tmp_path / "views.py"
    source.write_text(
        "from trials.models import Trial\n"
        "class TrialListView:\n"
        "    def get_queryset(self):\n"
        "        return Trial.objects.filter(status='active')\n"
        "def rows():\n"
        "    return Thing.stuff.unscoped()\n"
    )
    finder = _Finder(tenant_models())
    finder.visit(ast.parse(source.read_text()))
    assert finder.found == [
        ("TrialListView.get_queryset", "Trial.objects", 4),
        ("rows", "unscoped()", 6),
    ]
