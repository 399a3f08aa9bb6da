"""The codes projects writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class ProjectAudit(AuditEvent):
    MILESTONE_POSTED = "milestone.posted", "Milestone posted", "Posted the milestone {object}"
    MILESTONE_UPDATED = "milestone.updated", "Milestone changed", "Changed the milestone {object}"
    MILESTONE_STATUS_CHANGED = (
        "milestone.status_changed",
        "Milestone status changed",
        "Changed the status of the milestone {object}",
    )
    MILESTONE_MOVED = "milestone.moved", "Milestone moved", "Moved the milestone {object}"
    MILESTONE_REMOVED = "milestone.removed", "Milestone removed", "Removed the milestone {object}"
    WEEKLY_REPORT_SWITCHED = (
        "weekly_report.switched",
        "Weekly client report switched",
        "Switched the weekly client report on or off",
    )
