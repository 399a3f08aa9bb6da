"""The codes kit writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class AccessAudit(AuditEvent):
    ACCESS_DENIED = "access.denied", "Access refused", "Was refused access"
