"""The codes subscription writes to the activity log, with their words."""

from datetime import datetime
from enum import nonmember

from django.utils import timezone
from django.utils.formats import date_format

from billing.plans import plan_named
from shared_apps.core.formatting import format_day_long
from tenant_apps.activity.events import AuditEvent, Field

LIMIT_LABELS = {
    "seats": "team seats",
    "client_companies": "client companies",
    "storage_gb": "storage (GB)",
    "custom_domain": "custom domain",
}


def _plan_words(key: str) -> str:
    plan = plan_named(key) if key else None
    return plan.name if plan else "none (the subscription's plan)"


def _limit_value(value) -> str:
    if value is None:
        return "no limit"
    if isinstance(value, bool):
        return "allowed" if value else "not allowed"
    return str(value)


def _limit_words(limits: dict) -> str:
    if not limits:
        return "none (the plan's)"
    return ", ".join(
        f"{LIMIT_LABELS.get(k, k)} {_limit_value(v)}" for k, v in sorted(limits.items())
    )


def _moment_words(iso: str) -> str:
    return date_format(timezone.localtime(datetime.fromisoformat(iso)), "j M Y")


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
            # Set by a platform operator (operators.agencies_actions).
            "plan_override": Field("Plan set by the platform", _plan_words, clients=False),
            "limit_overrides": Field("Limits set by the platform", _limit_words, clients=False),
            "trial_ends_at": Field("Trial ends", _moment_words, clients=False),
            "category": Field("Why", "tenants.models.SuspensionCategory"),
            "due_at": Field("Deletion date", _day_of),
        }
    )
