from django.conf import settings
from django.db import connection
from django.urls import reverse

from branding.emails import branded_email
from shared_apps.core.formatting import format_deadline
from shared_apps.core.regional import regional_for
from tenants.middleware import agency_url


def export_ready_email(export):
    """Tell the owner who asked that the export is ready, with the page to download it from
    (signed in as an owner: the link alone opens nothing)."""
    agency = connection.tenant
    path = reverse("agency_archive:export", urlconf=settings.ROOT_URLCONF)
    with regional_for(export.requested_by):
        until = format_deadline(export.expires_at)
    return branded_email(
        subject_template="agency_archive/emails/export_ready_subject.txt",
        to=[export.requested_by.email],
        text_template="agency_archive/emails/export_ready.txt",
        html_template="agency_archive/emails/export_ready.html",
        context={
            "agency_name": agency.name,
            "export_url": agency_url(agency.subdomain, path),
            "until": until,
        },
    )
