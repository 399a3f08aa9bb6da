"""Notification emails: one per notification, or a day's worth in a digest.

Branded with the agency's name and colour, from the agency's sender name, with a
single-purpose link per item (see ActionLink) so the person can act without a password.
"""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse

from branding.selectors import brand_for
from tenant_apps.notifications.actions import action_link_create
from tenant_apps.notifications.kinds import kind_for
from tenant_apps.notifications.models import Notification
from tenants.middleware import agency_url


def absolute(path: str) -> str:
    """``path`` on the current agency's host (full URLs pass through)."""
    if path.startswith(("http://", "https://")):
        return path
    return agency_url(connection.tenant.subdomain, path)


def action_link_url(secret: str) -> str:
    """The link names the schema, so another agency's host can refuse it by name."""
    token = f"{connection.schema_name}.{secret}"
    return absolute(reverse("notifications:action_link", args=[token]))


def _item(notification: Notification) -> dict:
    """What the email shows for one notification, with a fresh single-purpose link."""
    kind = kind_for(notification.kind)
    secret = action_link_create(
        notification=notification, action=kind.link_action, path=notification.url
    )
    return {
        "notification": notification,
        "action_label": f"{kind.link_action.label} {_noun(notification)}",
        "action_url": action_link_url(secret),
    }


def _noun(notification: Notification) -> str:
    # "View this request", "Approve this version", "Reply to this message"...
    model = notification.object_type.rpartition(".")[2]
    noun = {"clientrequest": "request", "approvalrequest": "version"}.get(model, model)
    return (
        f"to this {noun}" if kind_for(notification.kind).link_action == "reply" else f"this {noun}"
    )


def _message(*, recipient, subject: str, template: str, context: dict) -> EmailMultiAlternatives:
    brand = brand_for(connection.tenant)
    context = {
        **context,
        "brand": brand,
        # Whatever branding offers: a logo when it has one.
        "logo_url": getattr(brand, "logo_url", ""),
        "recipient": recipient,
        "preferences_url": absolute(reverse("notifications:preferences")),
        "subject": " ".join(subject.split()),  # one line: headers cannot span lines
    }
    message = EmailMultiAlternatives(
        subject=context["subject"],
        body=render_to_string(f"notifications/emails/{template}.txt", context),
        from_email=formataddr((brand.portal_name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        to=[recipient.email],
    )
    message.attach_alternative(
        render_to_string(f"notifications/emails/{template}.html", context), "text/html"
    )
    return message


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    return _message(
        recipient=notification.recipient,
        subject=notification.title,
        template="notification",
        context={"item": _item(notification)},
    )


def digest_message(recipient, notifications: list[Notification]) -> EmailMultiAlternatives:
    count = len(notifications)
    return _message(
        recipient=recipient,
        subject=f"Your daily summary: {count} update{'s' if count != 1 else ''}",
        template="digest",
        context={"items": [_item(notification) for notification in notifications]},
    )
