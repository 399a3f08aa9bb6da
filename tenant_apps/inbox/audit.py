"""The codes inbox writes to the activity log, with their words and links."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field, Item, link_items


class InboxAudit(AuditEvent):
    FILE_REQUEST_CREATED = (
        "file_request.created",
        "File requested",
        "{actor} asked {company} for a file: {object}",
        "{actor} asked for a file: {object}",
    )
    FILE_REQUEST_FULFILLED = (
        "file_request.fulfilled",
        "File request fulfilled",
        "{actor} uploaded {document} for {object}",
        "{actor} uploaded the file asked for: {object}",
    )
    FILE_REQUEST_CANCELLED = (
        "file_request.cancelled",
        "File request cancelled",
        "{actor} cancelled the file request {object}",
    )

    fields = nonmember(
        {
            "company": Field("Client"),
            "due_date": Field("Due date"),
            "document": Field("File"),
        }
    )


link_items(
    Item(
        "inbox.filerequest",
        "inbox:file_request",
        "tenant_apps.inbox.selectors.visible_file_requests",
    ),
)
