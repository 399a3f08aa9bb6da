from django.conf import settings
from django.db import connection
from django.urls import reverse

from branding.emails import branded_email
from shared_apps.core.regional import regional_for
from tenant_apps.data_export.models import PersonExport
from tenants.middleware import agency_url


def person_export_email(export: PersonExport, token: str):
    """The email that hands a person their archive's single-use link."""
    path = reverse("data_export:download", args=[token], urlconf=settings.ROOT_URLCONF)
    with regional_for(export.person):  # the expiry in the person's own time
        return branded_email(
            subject_template="data_export/emails/ready_subject.txt",
            to=[export.person.email],
            text_template="data_export/emails/ready.txt",
            html_template="data_export/emails/ready.html",
            context={
                "export": export,
                "person": export.person,
                "agency_name": connection.tenant.name,
                "download_url": agency_url(connection.tenant.subdomain, path),
                "page_url": agency_url(
                    connection.tenant.subdomain,
                    reverse("data_export:page", urlconf=settings.ROOT_URLCONF),
                ),
            },
        )
