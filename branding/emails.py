"""The one way the portal's emails carry an agency's brand.

``branded_email`` sends in the agency's name (the brand's sender name, at the platform's
address) with the brand's reply-to, and gives templates ``brand``, ``portal_name``, an
absolute ``logo_url`` and ``button_style``. HTML templates extend
``branding/email/base.html`` (logo, brand colour, footer). Call it in the agency's schema:
a request on its host, or a task it queued.
"""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string

from branding.selectors import BrandView, brand_for
from tenants.middleware import agency_url


def email_brand_context(brand: BrandView) -> dict:
    agency = connection.tenant
    return {
        "brand": brand,
        "portal_name": brand.portal_name,
        # Mail clients fetch the logo from the agency's host (the view serves it to anyone).
        "logo_url": agency_url(agency.subdomain, brand.logo_url) if brand.logo_url else "",
        "portal_url": agency_url(agency.subdomain),
        # Emails need inline styles; the colour is a validated hex value.
        "button_style": (
            f"display:inline-block;background:{brand.primary_colour};color:#ffffff;"
            "padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600"
        ),
    }


def branded_email(
    *,
    to: list[str],
    text_template: str,
    context: dict,
    subject: str = "",
    subject_template: str = "",
    html_template: str | None = None,
    reply_to: list[str] | None = None,
) -> EmailMultiAlternatives:
    """An email from the current agency, its subject given or rendered from
    ``subject_template``. ``reply_to`` overrides the brand's reply-to."""
    brand = brand_for(connection.tenant)
    context = {**email_brand_context(brand), **context}
    if subject_template:
        subject = render_to_string(subject_template, context)
    brand_reply_to = [brand.email_reply_to] if brand.email_reply_to else None
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # one line, whatever the template's whitespace
        body=render_to_string(text_template, context),
        from_email=formataddr((brand.sender_name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        to=to,
        reply_to=reply_to or brand_reply_to,
    )
    # anymail sends it to the ESP, which echoes it in bounce reports (operators.email_events).
    message.metadata = {"agency": connection.schema_name}
    if html_template:
        message.attach_alternative(render_to_string(html_template, context), "text/html")
    return message


def message_id_set(message: EmailMessage, *about: object) -> None:
    """Give ``message`` a Message-ID made of what it is (``about``: its kind, ids, recipient)
    and the current agency's schema: the same at every attempt. A task killed after the ESP
    took the email and before it recorded the send sends it again under the same id, which
    mailboxes take for the same message (docs/reliability/worker-kill.md)."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    local = ".".join(str(part) for part in (*about, connection.schema_name))
    message.extra_headers["Message-ID"] = f"<{local}@{domain or settings.PLATFORM_DOMAIN}>"
