"""Billing's announcements, written to the agency's activity log."""

from django_tenants.utils import tenant_context

from tenant_apps.activity.actions import activity_record
from tenant_apps.subscription.audit import SubscriptionAudit


def on_subscription_changed(sender, *, agency, subscription, changes, **kwargs):
    # Stripe's webhook arrives on the platform host: the entry belongs in the agency's schema.
    with tenant_context(agency):
        activity_record(
            action=SubscriptionAudit.BILLING_SUBSCRIPTION_CHANGED,
            target=subscription,
            changes=changes,
        )


STANDING_AUDIT = {
    "suspended": SubscriptionAudit.WORKSPACE_SUSPENDED,
    "restored": SubscriptionAudit.WORKSPACE_RESTORED,
    "deletion_scheduled": SubscriptionAudit.WORKSPACE_DELETION_SCHEDULED,
    "deletion_cancelled": SubscriptionAudit.WORKSPACE_DELETION_CANCELLED,
}


def on_agency_standing_changed(sender, *, agency, event, owner, changes, **kwargs):
    # An operator acts on the platform host; the agency's people read it in their own log.
    with tenant_context(agency):
        activity_record(action=STANDING_AUDIT[event], actor=owner, changes=changes)
