"""The codes subscription writes to the activity log, with their words."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field


class SubscriptionAudit(AuditEvent):
    BILLING_CHECKOUT_STARTED = (
        "billing.checkout_started",
        "Checkout started",
        "{actor} started subscribing to the {plan} plan",
        "{actor} started subscribing",
    )
    BILLING_PORTAL_OPENED = (
        "billing.portal_opened",
        "Billing portal opened",
        "{actor} opened the billing portal",
    )
    BILLING_SUBSCRIPTION_CHANGED = (
        "billing.subscription_changed",
        "Subscription changed",
        "The subscription changed",
    )

    fields = nonmember({"plan": Field("Plan")})
