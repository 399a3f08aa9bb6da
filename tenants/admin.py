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
    readonly_fields = ["schema_name", "created_at"]
    inlines = [DomainInline, CustomDomainInline]

    def get_queryset(self, request):
        return super().get_queryset(request).live()
