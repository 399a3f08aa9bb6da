"""The codes kit writes to the activity log, with their words."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field


class AccessAudit(AuditEvent):
    ACCESS_DENIED = (
        "access.denied",
        "Access refused",
        "{actor} was refused access to {object}",
        "{actor} was refused access",
    )

    # The policy's permission names are code: the team reads them, clients do not.
    fields = nonmember({"permission": Field("Permission", clients=False)})
