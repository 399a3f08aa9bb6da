"""Emails of conversations: the note that tells someone their emailed reply was not posted."""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from django.template.loader import render_to_string

from branding.selectors import brand_for
from tenants.middleware import agency_url


def refusal_notice(*, to: str, refusal) -> EmailMessage:
    """Plain text to ``to``, in the agency's name: why their emailed reply was not posted.

    It quotes nothing of the conversation: the sender may not be someone allowed to read it.
    Marked Auto-Submitted so that no auto-responder answers it back.
    """
    brand = brand_for(connection.tenant)
    context = {
        "brand": brand,
        "reason": refusal.value,
        "portal_url": agency_url(connection.tenant.subdomain, "/"),
    }
    return EmailMessage(
        subject=f"Your reply was not posted to {brand.portal_name}",
        body=render_to_string("messaging/emails/reply_refused.txt", context),
        from_email=formataddr((brand.portal_name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        to=[to],
        headers={"Auto-Submitted": "auto-replied"},
    )
