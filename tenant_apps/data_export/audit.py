"""The codes a person's own data export writes to the activity log, with their words."""

from enum import nonmember

from tenant_apps.activity.events import HIDDEN, AuditEvent, Field


class DataExportAudit(AuditEvent):
    DATA_EXPORT_REQUESTED = (
        "data_export.requested",
        "Own data export asked for",
        "{actor} asked for an export of their own data",
    )
    DATA_EXPORT_READY = (
        "data_export.ready",
        "Own data export prepared",
        "An export of {person}'s own data was prepared and emailed to them",
        "An export of a person's own data was prepared",
    )
    DATA_EXPORT_FAILED = (
        "data_export.failed",
        "Own data export failed",
        "An export of {person}'s own data could not be prepared",
        "An export of a person's own data could not be prepared",
    )
    DATA_EXPORT_DOWNLOADED = (
        "data_export.downloaded",
        "Own data export downloaded",
        "{actor} downloaded the export of their own data",
    )
    DATA_EXPORT_REMOVED = (
        "data_export.removed",
        "Own data export removed",
        "An export of {person}'s own data was removed after its link's time",
        "An export of a person's own data was removed",
    )

    fields = nonmember(
        {
            "person": Field("Person"),
            "size": Field("Size in bytes", clients=False),
            "sha256": HIDDEN,
        }
    )
