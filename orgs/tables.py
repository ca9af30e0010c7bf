"""django-tables2 tables of the orgs pages; each defines its columns once for the page
and its export."""

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from orgs.models import AuditLog


class AuditLogTable(tables.Table):
    """The audit log in words (orgs.audit_display): when, who, what, which object, and the
    changed fields as before → after."""

    created_at = tables.DateTimeColumn(
        verbose_name=_("When (UTC)"),
        format="SHORT_DATETIME_FORMAT",
        attrs={"td": {"class": "nowrap"}},
    )
    actor = tables.Column(verbose_name=_("Who"), empty_values=())
    action = tables.Column(verbose_name=_("What"))
    object_repr = tables.Column(verbose_name=_("Object"), empty_values=())
    changes = tables.Column(verbose_name=_("Changes"), empty_values=(),
                            attrs={"td": {"class": "changes"}})

    class Meta:
        model = AuditLog
        fields = ["created_at", "actor", "action", "object_repr", "changes"]
        attrs = {"class": "striped", "id": "audit"}
        orderable = False
        empty_text = _("Nothing recorded for these filters.")

    def _related_names(self):
        if not hasattr(self, "_names"):
            from orgs.audit_display import related_names

            self._names = related_names(row.record for row in self.paginated_rows)
        return self._names

    def render_actor(self, record: AuditLog) -> str:
        if record.actor is not None and record.actor.full_name:
            return format_html(
                '{}<br><small class="muted">{}</small>', record.actor.full_name, record.actor_email
            )
        return record.actor_email or _("the system")

    def render_action(self, value) -> str:
        from orgs.audit_display import action_words

        return capfirst(action_words(value))

    def render_object_repr(self, record: AuditLog) -> str:
        from orgs.audit_display import object_type_words

        return format_html(
            '<small class="muted">{}</small><br>{}',
            object_type_words(record.object_type),
            record.object_repr,
        )

    def render_changes(self, record: AuditLog) -> str:
        from orgs.audit_display import changes_of

        changes = changes_of(record, self._related_names())
        if not changes:
            return "—"
        def value(change) -> str:
            if change.kind == "changed":
                return format_html("<del>{}</del> → <ins>{}</ins>", change.before, change.after)
            if change.kind == "set":
                return change.after
            return format_html("<del>{}</del>", change.before)

        return format_html(
            '<ul class="plain changes">{}</ul>',
            format_html_join(
                "", '<li><span class="field">{}</span>: {}</li>',
                ((change.field, value(change)) for change in changes),
            ),
        )
