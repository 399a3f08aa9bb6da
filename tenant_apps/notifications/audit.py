"""The codes notifications writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class NotificationAudit(AuditEvent):
    NOTIFICATIONS_PREFERENCES_UPDATED = (
        "notifications.preferences_updated",
        "Notification settings changed",
        "Changed their notification settings",
    )
    ACTION_LINK_USED = (
        "action_link.used",
        "Emailed link used",
        "Opened {object} from an emailed link",
    )
    ACTION_LINK_REVOKED = (
        "action_link.revoked",
        "Emailed link withdrawn",
        "Withdrew an emailed link",
    )
