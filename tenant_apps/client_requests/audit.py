"""The codes client requests writes to the activity log, with their words and links."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field, Item, link_items
from tenant_apps.client_requests.models import Priority, Status

STATUS_WORDS = {**dict(Status.choices), Status.WAITING_ON_CLIENT: "Waiting on {client}"}


class RequestAudit(AuditEvent):
    SLA_POLICY_UPDATED = (
        "sla.policy_updated",
        "SLA policy changed",
        "{actor} changed the response-time policy",
    )
    SLA_HOLIDAY_ADDED = (
        "sla.holiday_added",
        "Holiday added",
        "{actor} added the holiday {object}",
    )
    SLA_HOLIDAY_REMOVED = (
        "sla.holiday_removed",
        "Holiday removed",
        "{actor} removed the holiday {object}",
    )
    REQUEST_SUBMITTED = (
        "request.submitted",
        "Request submitted",
        "{actor} submitted the {request} {object}",
    )
    REQUEST_ASSIGNED = (
        "request.assigned",
        "Request assigned",
        "{actor} gave {object} to {owner}",
        "{actor} changed the owner of {object}",
    )
    REQUEST_STATUS_CHANGED = (
        "request.status_changed",
        "Request status changed",
        "{actor} moved {object} to {status}",
        "{actor} changed the status of {object}",
    )
    REQUEST_UPDATED = (
        "request.updated",
        "Request planning changed",
        "{actor} changed the planning of {object}",
    )
    REQUEST_REPLIED = "request.replied", "Request replied", "{actor} replied on {object}"
    REQUEST_NOTE_ADDED = (
        "request.note_added",
        "Internal note",
        "{actor} wrote an internal note on {object}",
    )
    REQUEST_FILES_ADDED = (
        "request.files_added",
        "Request files added",
        "{actor} added files to {object}",
    )
    REQUEST_TYPE_CREATED = (
        "request_type.created",
        "Request type added",
        "{actor} added the {request} type {object}",
    )
    REQUEST_TYPE_UPDATED = (
        "request_type.updated",
        "Request type changed",
        "{actor} changed the {request} type {object}",
    )
    REQUEST_TAG_CREATED = (
        "request_tag.created",
        "Tag added",
        "{actor} added the tag {object}",
    )
    REQUEST_TAG_DELETED = (
        "request_tag.deleted",
        "Tag removed",
        "{actor} removed the tag {object}",
    )
    REQUEST_TAGGED = (
        "request.tagged",
        "Request tagged",
        "{actor} tagged {object}",
    )
    REQUEST_UNTAGGED = (
        "request.untagged",
        "Request tag removed",
        "{actor} took a tag off {object}",
    )
    SAVED_VIEW_CREATED = (
        "saved_view.created",
        "View saved",
        "{actor} saved the view {object}",
    )
    SAVED_VIEW_DELETED = (
        "saved_view.deleted",
        "View deleted",
        "{actor} deleted the view {object}",
    )
    BULK_STARTED = (
        "request.bulk_started",
        "Bulk change started",
        "{actor} started a bulk change on {object}",
    )

    fields = nonmember(
        {
            "status": Field("Status", STATUS_WORDS),
            "priority": Field("Priority", Priority),
            "due_date": Field("Due date"),
            "owner": Field("Owner", clients=False),
            "type": Field("Type", clients=False),  # its key, not its name
            "files": Field("Files"),
            "internal": Field("Internal", clients=False),
            "date": Field("Date"),
            "name": Field("Name"),
            "description": Field("Description"),
            "fields": Field("Questions"),
            "is_active": Field("Offered", {True: "yes", False: "no"}),
            "timezone": Field("Time zone"),
            "working_days": Field("Working days"),
            "opens": Field("Opens"),
            "closes": Field("Closes"),
            "tag": Field("Tag", clients=False),
            "colour": Field("Colour"),
            "shared": Field("Shared", {True: "yes", False: "no"}),
            "operation": Field("Change"),
            "items": Field("Items"),
        }
    )


link_items(
    Item(
        "client_requests.clientrequest",
        "client_requests:detail",
        "tenant_apps.client_requests.selectors.visible_requests",
    ),
)
