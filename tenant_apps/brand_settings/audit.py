"""The codes brand settings writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class BrandAudit(AuditEvent):
    BRAND_UPDATED = "brand.updated", "Branding changed", "{actor} changed the portal's branding"
