from django.contrib import admin

from tenants.models import Agency, CustomDomain, Domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class CustomDomainInline(admin.TabularInline):
    """The agency's own domains, for support to see; owners change them in the portal."""

    model = CustomDomain
    extra = 0
    fields = ["name", "status", "failure", "checked_at", "verified_at", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "subdomain", "schema_name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "subdomain"]
    # Routing, the spare pool, suspension and deletion change only through the operator
    # console, which logs them and tells every process.
    readonly_fields = [
        "schema_name",
        "subdomain",
        "is_spare",
        "is_active",
        "suspended_at",
        "suspension_category",
        "suspension_reason",
        "suspension_message",
        "deletion_requested_at",
        "deletion_requested_by",
        "deletion_due_at",
        "created_at",
    ]
    inlines = [DomainInline, CustomDomainInline]

    def has_add_permission(self, request):
        return False  # agencies sign up

    def has_delete_permission(self, request, obj=None):
        return False  # deletion is a request with a grace period, in the console

    def get_queryset(self, request):
        return super().get_queryset(request).live()
