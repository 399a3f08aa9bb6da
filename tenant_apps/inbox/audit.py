"""The codes inbox writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class InboxAudit(AuditEvent):
    FILE_REQUEST_CREATED = "file_request.created", "File requested", "Asked for a file: {object}"
    FILE_REQUEST_FULFILLED = (
        "file_request.fulfilled",
        "File request fulfilled",
        "Uploaded the file asked for: {object}",
    )
    FILE_REQUEST_CANCELLED = (
        "file_request.cancelled",
        "File request cancelled",
        "Cancelled the file request {object}",
    )
