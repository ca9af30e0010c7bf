from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from orgs.models import AuditLog, Organization, PartnerRelationship, Person, QueuedEmail


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "tier", "country", "is_distributor"]
    list_filter = ["kind", "tier"]
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(UserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "organization", "role", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "organization", "role", "language"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "password1", "password2"]})]


admin.site.register(PartnerRelationship)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organization", "actor_email", "action", "object_repr"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]


@admin.register(QueuedEmail)
class QueuedEmailAdmin(admin.ModelAdmin):
    """The email outbox: what is queued, sent, or failed after every retry."""

    list_display = ["created_at", "status", "template", "recipients", "subject", "attempts",
                    "next_attempt_at", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["subject", "template", "last_error"]
    readonly_fields = [f.name for f in QueuedEmail._meta.fields]
    actions = ["retry_now"]

    @admin.display(description="To")
    def recipients(self, obj: QueuedEmail) -> str:
        return ", ".join(obj.to)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Queue again and deliver now")
    def retry_now(self, request, queryset) -> None:
        from django.db import transaction
        from django.utils import timezone

        from orgs.outbox import wake_worker

        count = queryset.exclude(status=QueuedEmail.Status.SENT).update(
            status=QueuedEmail.Status.QUEUED, next_attempt_at=timezone.now(), attempts=0
        )
        transaction.on_commit(wake_worker)
        self.message_user(request, f"{count} email(s) queued again.")
