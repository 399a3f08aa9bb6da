"""The codes subscription writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class SubscriptionAudit(AuditEvent):
    BILLING_CHECKOUT_STARTED = "billing.checkout_started", "Checkout started", "Started subscribing"
    BILLING_PORTAL_OPENED = (
        "billing.portal_opened",
        "Billing portal opened",
        "Opened the billing portal",
    )
    BILLING_SUBSCRIPTION_CHANGED = (
        "billing.subscription_changed",
        "Subscription changed",
        "The subscription changed",
    )
