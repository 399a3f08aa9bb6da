"""The codes messaging writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class MessagingAudit(AuditEvent):
    THREAD_STARTED = "thread.started", "Conversation started", "Started the conversation {object}"
    MESSAGE_POSTED = "message.posted", "Message", "Wrote in {object}"
    MESSAGE_EDITED = "message.edited", "Message edited", "Edited a message in {object}"
