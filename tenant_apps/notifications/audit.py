"""The codes notifications writes to the activity log, with their words."""

from enum import nonmember

from tenant_apps.activity.events import HIDDEN, AuditEvent, Field


class NotificationAudit(AuditEvent):
    NOTIFICATIONS_PREFERENCES_UPDATED = (
        "notifications.preferences_updated",
        "Notification settings changed",
        "{actor} changed their notification settings",
    )
    ACTION_LINK_USED = (
        "action_link.used",
        "Emailed link used",
        "{actor} used an emailed link",
    )
    ACTION_LINK_REVOKED = (
        "action_link.revoked",
        "Emailed link withdrawn",
        "{actor} withdrew an emailed link of {object}",
        "{actor} withdrew an emailed link",
    )

    fields = nonmember({"link": Field("Link", clients=False), "link_id": HIDDEN})
