"""The platform's emails to an agency's owners when it is suspended or restored, or its
deletion scheduled or cancelled (from the platform, not in the agency's brand)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from billing.models import Subscription
from operators.suspension import Standing, public_notice
from shared_apps.core.formatting import format_moment
from shared_apps.core.regional import regional_for
from tenants.middleware import agency_url
from tenants.models import Agency

SUBJECTS = {
    Standing.SUSPENDED: "{agency} is suspended",
    Standing.RESTORED: "{agency} is open again",
    Standing.DELETION_SCHEDULED: "{agency} is scheduled for deletion",
    Standing.DELETION_CANCELLED: "{agency} will not be deleted",
}


# A notice overtaken by a later change (suspended, then restored at once) is not sent.
STILL_TRUE = {
    Standing.SUSPENDED: lambda agency: agency.is_suspended,
    Standing.DELETION_SCHEDULED: lambda agency: agency.is_deletion_scheduled,
}


def standing_email(agency: Agency, event: str) -> EmailMessage | None:
    """To the owners billing knows; None when it knows none, or the news is stale."""
    if not STILL_TRUE.get(event, lambda agency: True)(agency):
        return None
    owners = Subscription.objects.filter(agency=agency).values_list("owner_emails", flat=True)
    to = next(iter(owners), None)
    if not to:
        return None
    with regional_for(agency=agency):  # the agency's own zone: owners' are in its schema
        due = format_moment(agency.deletion_due_at) if agency.deletion_due_at else ""
    context = {
        "agency": agency,
        "notice": public_notice(agency.suspension_category),
        "due": due,
        "portal_url": agency_url(agency.subdomain),
        # The owner's full export on the agency's host (tenant_apps.agency_archive).
        "export_url": agency_url(agency.subdomain, "/settings/export/"),
        "support_email": settings.PLATFORM_SUPPORT_EMAIL,
        "owner_asked": agency.deletion_requested_by == "owner",
    }
    return EmailMessage(
        subject=SUBJECTS[event].format(agency=agency.name),
        body=render_to_string(f"operators/emails/{event}.txt", context),
        to=to,
    )
