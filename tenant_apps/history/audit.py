"""The codes history writes to the activity log, with their words."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field


class HistoryAudit(AuditEvent):
    ACTIVITY_EXPORTED = (
        "activity.exported",
        "Log exported",
        "{actor} exported the activity log",
    )

    fields = nonmember(
        {
            "person": Field("Person"),
            "company": Field("Client"),
            "action": Field("Action"),
            "since": Field("From"),
            "until": Field("To"),
        }
    )
