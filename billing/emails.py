"""The platform's emails to an agency's owners about their trial (not in the agency's brand:
they come from the platform, about the agency's own account)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django_tenants.utils import tenant_context

from tenant_apps.kit.roles import TeamRole
from tenant_apps.people.models import TeamMember
from tenants.middleware import agency_url

SUBJECTS = {
    "ending": "Your {agency} trial ends in {days} days",
    "ended": "Your {agency} trial has ended: the workspace is read-only",
}


def owner_emails(agency) -> list[str]:
    with tenant_context(agency):
        owners = TeamMember.objects.filter(role=TeamRole.OWNER, user__is_active=True)
        return sorted(owners.values_list("user__email", flat=True))


def trial_notice(agency, kind: str, *, trial_ends_at, days_left: int) -> EmailMessage:
    """``kind``: "ending" (a few days before) or "ended"."""
    path = reverse("billing:overview", urlconf=settings.ROOT_URLCONF)
    context = {
        "agency": agency,
        "trial_ends_at": trial_ends_at,
        "days_left": days_left,
        "billing_url": agency_url(agency.subdomain, path),
    }
    return EmailMessage(
        subject=SUBJECTS[kind].format(agency=agency.name, days=days_left),
        body=render_to_string(f"billing/emails/trial_{kind}.txt", context),
        to=owner_emails(agency),
    )
