"""The codes subscription writes to the activity log, with their words."""

from datetime import datetime
from enum import nonmember

from shared_apps.core.formatting import format_day_long
from tenant_apps.activity.events import AuditEvent, Field


def _day_of(value) -> str:
    return format_day_long(datetime.fromisoformat(value)) if value else "none"


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
    # Written by the platform's operators (operators.suspension), through a signal.
    WORKSPACE_SUSPENDED = (
        "workspace.suspended",
        "Workspace suspended",
        "The platform suspended the workspace ({category})",
        "The platform suspended the workspace",
    )
    WORKSPACE_RESTORED = (
        "workspace.restored",
        "Workspace restored",
        "The platform lifted the workspace's suspension",
    )
    WORKSPACE_DELETION_SCHEDULED = (
        "workspace.deletion_scheduled",
        "Workspace deletion scheduled",
        "{actor} asked for the workspace to be deleted on {due_at}",
        "The platform scheduled the workspace's deletion for {due_at}",
        "The workspace's deletion was scheduled",
    )
    WORKSPACE_DELETION_CANCELLED = (
        "workspace.deletion_cancelled",
        "Workspace deletion cancelled",
        "{actor} cancelled the workspace's deletion",
        "The platform cancelled the workspace's deletion",
    )

    fields = nonmember(
        {
            "plan": Field("Plan"),
            "category": Field("Why", "tenants.models.SuspensionCategory"),
            "due_at": Field("Deletion date", _day_of),
        }
    )
