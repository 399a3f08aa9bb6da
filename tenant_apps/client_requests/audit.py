"""The codes client requests writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class RequestAudit(AuditEvent):
    SLA_POLICY_UPDATED = "sla.policy_updated", "SLA policy changed", "Changed the SLA policy"
    SLA_HOLIDAY_ADDED = "sla.holiday_added", "Holiday added", "Added the holiday {object}"
    SLA_HOLIDAY_REMOVED = "sla.holiday_removed", "Holiday removed", "Removed the holiday {object}"
    REQUEST_SUBMITTED = "request.submitted", "Request submitted", "Submitted the request {object}"
    REQUEST_ASSIGNED = "request.assigned", "Request assigned", "Changed the owner of {object}"
    REQUEST_STATUS_CHANGED = (
        "request.status_changed",
        "Request status changed",
        "Changed the status of {object}",
    )
    REQUEST_UPDATED = (
        "request.updated",
        "Request planning changed",
        "Changed the planning of {object}",
    )
    REQUEST_REPLIED = "request.replied", "Request replied", "Replied on {object}"
    REQUEST_NOTE_ADDED = "request.note_added", "Internal note", "Wrote an internal note on {object}"
    REQUEST_FILES_ADDED = "request.files_added", "Request files added", "Added files to {object}"
    REQUEST_TYPE_CREATED = (
        "request_type.created",
        "Request type added",
        "Added the request type {object}",
    )
    REQUEST_TYPE_UPDATED = (
        "request_type.updated",
        "Request type changed",
        "Changed the request type {object}",
    )
