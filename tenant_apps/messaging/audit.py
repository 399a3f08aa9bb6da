"""The codes messaging writes to the activity log, with their words and links."""

from enum import nonmember

from tenant_apps.activity.events import HIDDEN, AuditEvent, Field, Item, link_items


class MessagingAudit(AuditEvent):
    THREAD_STARTED = (
        "thread.started",
        "Conversation started",
        "{actor} started the conversation {object}",
    )
    MESSAGE_POSTED = "message.posted", "Message", "{actor} wrote in {object}"
    MESSAGE_EDITED = "message.edited", "Message edited", "{actor} edited a message in {object}"

    fields = nonmember(
        {
            "internal": Field("Internal", clients=False),
            "files": Field("Files"),
            "mentions": Field("Mentioned"),
            "source": Field("Sent from", "tenant_apps.messaging.models.Source"),
            "message": HIDDEN,  # an id (webhooks read it)
        }
    )


link_items(
    Item("messaging.thread", "messaging:thread", "tenant_apps.messaging.selectors.visible_threads"),
)
