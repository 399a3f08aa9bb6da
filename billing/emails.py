"""The platform's emails to an agency's owners about their trial (not in the agency's brand:
they come from the platform, about the agency's own account)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from billing.models import Subscription
from billing.selectors import days_until
from tenants.middleware import agency_url

SUBJECTS = {
    "ending": "Your {agency} trial ends in {days} days",
    "ended": "Your {agency} trial has ended: the workspace is read-only",
}


def trial_notice(subscription: Subscription, kind: str) -> EmailMessage:
    """``kind``: "ending" (a few days before) or "ended". To the owners billing knows."""
    agency = subscription.agency
    days_left = days_until(subscription.trial_ends_at)
    path = reverse("billing:overview", urlconf=settings.ROOT_URLCONF)
    context = {
        "agency": agency,
        "trial_ends_at": subscription.trial_ends_at,
        "days_left": days_left,
        "billing_url": agency_url(agency.subdomain, path),
    }
    return EmailMessage(
        subject=SUBJECTS[kind].format(agency=agency.name, days=days_left),
        body=render_to_string(f"billing/emails/trial_{kind}.txt", context),
        to=subscription.owner_emails,
    )
