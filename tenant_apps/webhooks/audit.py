"""The codes webhooks writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class WebhookAudit(AuditEvent):
    WEBHOOK_CREATED = "webhook.created", "Webhook added", "Added the webhook {object}"
    WEBHOOK_UPDATED = "webhook.updated", "Webhook changed", "Changed the webhook {object}"
    WEBHOOK_DELETED = "webhook.deleted", "Webhook removed", "Removed the webhook {object}"
    WEBHOOK_SECRET_ROTATED = (
        "webhook.secret_rotated",
        "Webhook secret renewed",
        "Renewed the secret of {object}",
    )
    WEBHOOK_PINGED = "webhook.pinged", "Webhook tested", "Sent a test event to {object}"
    WEBHOOK_REDELIVERED = (
        "webhook.redelivered",
        "Webhook redelivered",
        "Sent an event to {object} again",
    )
