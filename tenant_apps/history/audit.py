"""The codes history writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class HistoryAudit(AuditEvent):
    ACTIVITY_EXPORTED = "activity.exported", "Log exported", "Exported the activity log"
