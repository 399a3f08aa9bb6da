"""The owner's billing actions: billing's own, then the entry in the agency's activity log."""

from django.db import transaction

from billing import actions as billing
from tenant_apps.activity.actions import activity_record
from tenant_apps.subscription.audit import SubscriptionAudit


def checkout_start(*, agency, plan_key, actor, success_url, cancel_url, request=None) -> str:
    """A Stripe Checkout for ``plan_key``; returns where to send the owner."""
    url = billing.checkout_start(
        agency=agency, plan_key=plan_key, success_url=success_url, cancel_url=cancel_url
    )
    with transaction.atomic():
        activity_record(
            action=SubscriptionAudit.BILLING_CHECKOUT_STARTED,
            actor=actor,
            changes={"plan": plan_key},
            request=request,
        )
    return url


def portal_open(*, agency, actor, return_url, request=None) -> str:
    """A Stripe Customer Portal session; returns where to send the owner."""
    url = billing.portal_open(agency=agency, return_url=return_url)
    with transaction.atomic():
        activity_record(
            action=SubscriptionAudit.BILLING_PORTAL_OPENED, actor=actor, request=request
        )
    return url
