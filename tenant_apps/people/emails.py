from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse

from branding.emails import branded_email
from branding.selectors import brand_for
from tenant_apps.people.models import Invitation
from tenants.middleware import agency_url


def invitation_accept_url(secret: str) -> str:
    """The absolute accept link on the current agency's host."""
    path = reverse("people:invitation_accept", args=[secret], urlconf=settings.ROOT_URLCONF)
    return agency_url(connection.tenant.subdomain, path)


def invitation_email(invitation: Invitation, secret: str) -> EmailMultiAlternatives:
    """The invitation email, sent in the agency's name from the platform's address."""
    agency = connection.tenant
    brand = brand_for(agency)
    context = {
        "invitation": invitation,
        "agency_name": agency.name,
        "portal_name": brand.portal_name,
        "accept_url": invitation_accept_url(secret),
    }
    return branded_email(
        subject=render_to_string("people/emails/invitation_subject.txt", context),
        to=[invitation.email],
        text_template="people/emails/invitation.txt",
        html_template="people/emails/invitation.html",
        context=context,
        reply_to=[invitation.invited_by.email],
    )
