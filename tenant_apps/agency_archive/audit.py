"""The codes the agency's full export writes to the activity log."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field


class AgencyArchiveAudit(AuditEvent):
    EXPORT_REQUESTED = (
        "agency_export.requested",
        "Full export requested",
        "{actor} asked for a full export of the workspace",
    )
    EXPORT_READY = (
        "agency_export.ready",
        "Full export ready",
        "The full export of the workspace is ready to download ({size})",
        "The full export of the workspace is ready to download",
    )
    EXPORT_DOWNLOADED = (
        "agency_export.downloaded",
        "Full export downloaded",
        "{actor} downloaded the full export of the workspace",
    )

    fields = nonmember({"size": Field("Size")})
