from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from orgs.models import AuditLog, Organization, PartnerRelationship, Person


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
