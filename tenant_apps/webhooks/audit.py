"""The codes webhooks writes to the activity log, with their words and links."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field, Item, link_items


class WebhookAudit(AuditEvent):
    WEBHOOK_CREATED = "webhook.created", "Webhook added", "{actor} added the webhook {object}"
    WEBHOOK_UPDATED = "webhook.updated", "Webhook changed", "{actor} changed the webhook {object}"
    WEBHOOK_DELETED = "webhook.deleted", "Webhook removed", "{actor} removed the webhook {object}"
    WEBHOOK_SECRET_ROTATED = (
        "webhook.secret_rotated",
        "Webhook secret renewed",
        "{actor} renewed the secret of the webhook {object}",
    )
    WEBHOOK_PINGED = (
        "webhook.pinged",
        "Webhook tested",
        "{actor} sent a test event to the webhook {object}",
    )
    WEBHOOK_REDELIVERED = (
        "webhook.redelivered",
        "Webhook redelivered",
        "{actor} sent an event to the webhook {object} again",
    )

    fields = nonmember(
        {
            "url": Field("Address"),
            "events": Field("Events"),
            "grace_hours": Field("Old secret kept for (hours)"),
            "event": Field("Event"),
            "description": Field("Description"),
            "is_active": Field("Active"),
            "kind": Field("Sends to", "tenant_apps.webhooks.models.EndpointKind"),
            "company": Field("Client"),
        }
    )


link_items(
    Item(
        "webhooks.endpoint",
        "webhooks:detail",
        "tenant_apps.webhooks.selectors.visible_endpoints",
        clients=False,
    ),
)
