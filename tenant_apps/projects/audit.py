"""The codes projects writes to the activity log, with their words and links."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, By, Field, Item, link_items
from tenant_apps.projects.models import MilestoneStatus


class ProjectAudit(AuditEvent):
    MILESTONE_POSTED = (
        "milestone.posted",
        "Milestone posted",
        "{actor} posted the milestone {object}",
    )
    MILESTONE_UPDATED = (
        "milestone.updated",
        "Milestone changed",
        "{actor} changed the milestone {object}",
    )
    MILESTONE_STATUS_CHANGED = (
        "milestone.status_changed",
        "Milestone status changed",
        "{actor} moved the milestone {object} to {status}",
        "{actor} changed the status of the milestone {object}",
    )
    MILESTONE_MOVED = (
        "milestone.moved",
        "Milestone moved",
        "{actor} moved the milestone {object}",
    )
    MILESTONE_REMOVED = (
        "milestone.removed",
        "Milestone removed",
        "{actor} removed the milestone {object}",
    )
    WEEKLY_REPORT_SWITCHED = (
        "weekly_report.switched",
        "Weekly client report switched",
        By(
            "enabled",
            {
                True: "{actor} switched on the weekly {client} report",
                False: "{actor} switched off the weekly {client} report",
            },
            "{actor} switched the weekly {client} report on or off",
        ),
    )

    fields = nonmember(
        {
            "status": Field("Status", MilestoneStatus),
            "due_date": Field("Due date"),
            "title": Field("Title"),
            "description": Field("Description"),
            "position": Field("Place"),
            "enabled": Field("Weekly report", {True: "on", False: "off"}),
        }
    )


link_items(
    Item(
        "projects.milestone",
        "projects:milestone",
        "tenant_apps.projects.selectors.visible_milestones",
    ),
)
