"""The codes saved replies write to the activity log, with their words and links."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field, Item, link_items


class ReplyAudit(AuditEvent):
    REPLY_SAVED = "reply.saved", "Saved reply added", "{actor} added the saved reply {object}"
    REPLY_CHANGED = (
        "reply.changed",
        "Saved reply changed",
        "{actor} changed the saved reply {object}",
    )
    REPLY_REMOVED = (
        "reply.removed",
        "Saved reply removed",
        "{actor} removed the saved reply {object}",
    )

    fields = nonmember(
        {
            "title": Field("Title"),
            "body": Field("Text"),
            "shared": Field("Shared with the team"),
        }
    )


link_items(
    Item(
        "replies.savedreply",
        "replies:detail",
        "tenant_apps.replies.selectors.replies_editable_by",
        clients=False,
    ),
)
