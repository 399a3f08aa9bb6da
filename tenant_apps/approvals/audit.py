"""The codes approvals writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class ApprovalAudit(AuditEvent):
    APPROVAL_REQUESTED = "approval.requested", "Approval requested", "Asked for approval: {object}"
    APPROVAL_DECIDED = "approval.decided", "Approval decision", "Decided on the approval {object}"
    APPROVAL_COMPLETED = (
        "approval.completed",
        "Approval completed",
        "Completed the approval {object}",
    )
    APPROVAL_SUPERSEDED = (
        "approval.superseded",
        "Approval superseded",
        "Superseded the approval {object} with a new version",
    )
    APPROVAL_CANCELLED = (
        "approval.cancelled",
        "Approval cancelled",
        "Cancelled the approval {object}",
    )
