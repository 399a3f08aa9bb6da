from django.contrib import admin

from tenants.models import Agency, Domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "subdomain", "schema_name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "subdomain"]
    readonly_fields = ["schema_name", "created_at"]
    inlines = [DomainInline]

    def get_queryset(self, request):
        return super().get_queryset(request).live()
