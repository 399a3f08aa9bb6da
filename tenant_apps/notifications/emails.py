"""Notification emails: one per notification, or a day's worth in a digest.

Branded with the agency's name, logo and colour, from its sender name, with a
single-purpose link per item (see ActionLink) so the person can act without a password.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.urls import reverse

from branding.emails import branded_email
from shared_apps.core.regional import regional_for
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


def _message(
    *, recipient, subject: str, template: str, context: dict, reply_to=None
) -> EmailMultiAlternatives:
    """In the agency's brand and name (see branding.emails), to ``recipient``, with times in
    their zone and locale."""
    with regional_for(recipient):
        return branded_email(
            to=[recipient.email],
            subject=subject,
            text_template=f"notifications/emails/{template}.txt",
            html_template=f"notifications/emails/{template}.html",
            context={
                **context,
                "recipient": recipient,
                "preferences_url": absolute(reverse("notifications:preferences")),
            },
            reply_to=reply_to,
        )


@dataclass(frozen=True)
class ReplyRoute:
    """How an email about one kind of object is answered: the recipient's own reply address,
    and the line above which the reply is cut."""

    address: Callable[[Notification], str]
    cut_above: str


# object_type -> its route; apps whose items take email replies register in ready().
REPLY_ROUTES: dict[str, ReplyRoute] = {}


def reply_route_register(object_type: str, route: ReplyRoute) -> None:
    REPLY_ROUTES[object_type] = route


def _reply_by_email(notification: Notification) -> tuple[list[str] | None, str]:
    route = REPLY_ROUTES.get(notification.object_type)
    if route is None:
        return None, ""
    return [route.address(notification)], route.cut_above


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    reply_to, reply_above = _reply_by_email(notification)
    return _message(
        recipient=notification.recipient,
        subject=notification.title,
        template="notification",
        context={"item": _item(notification), "reply_above": reply_above},
        reply_to=reply_to,
    )


def digest_message(recipient, notifications: list[Notification]) -> EmailMultiAlternatives:
    count = len(notifications)
    return _message(
        recipient=recipient,
        subject=f"Your daily summary: {count} update{'s' if count != 1 else ''}",
        template="digest",
        context={"items": [_item(notification) for notification in notifications]},
    )
