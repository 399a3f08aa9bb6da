"""Every kind of notification, in one table: its label, who it concerns and its default email.

Kinds are dotted ``<area>.<event>`` strings. Security emails (invitations, sign-in links,
password changes) are not kinds: they always go out and never pass through preferences.
"""

from dataclasses import dataclass

from django.db import models


class Channel(models.TextChoices):
    IMMEDIATELY = "immediately", "Immediately"
    DIGEST = "digest", "Daily digest"
    OFF = "off", "Off"


class Audience(models.TextChoices):
    CLIENT = "client", "Clients"
    TEAM = "team", "Team"
    EVERYONE = "everyone", "Everyone"


class LinkAction(models.TextChoices):
    """What a notification email's single-purpose link lets its person do."""

    VIEW = "view", "View"
    APPROVE = "approve", "Approve"
    REPLY = "reply", "Reply"


@dataclass(frozen=True)
class Kind:
    label: str  # what the preferences page calls it
    default: Channel
    audience: Audience  # whose preferences page lists it
    link_action: LinkAction = LinkAction.VIEW
    # The immediate email comes from the source app's own, richer notice (which asks
    # ``email_wanted`` first); this app keeps the in-app row and the digest.
    emailed_by_source: bool = False


KINDS: dict[str, Kind] = {
    "message.posted": Kind(
        "New messages in your conversations",
        Channel.IMMEDIATELY,
        Audience.EVERYONE,
        LinkAction.REPLY,
    ),
    "message.mentioned": Kind(
        "Someone mentions you", Channel.IMMEDIATELY, Audience.EVERYONE, LinkAction.REPLY
    ),
    "request.replied": Kind(
        "The team replies to your request",
        Channel.IMMEDIATELY,
        Audience.CLIENT,
        LinkAction.REPLY,
        emailed_by_source=True,
    ),
    "request.waiting_on_client": Kind(
        "A request is waiting on you",
        Channel.IMMEDIATELY,
        Audience.CLIENT,
        LinkAction.REPLY,
        emailed_by_source=True,
    ),
    "request.resolved": Kind(
        "A request is resolved", Channel.IMMEDIATELY, Audience.CLIENT, emailed_by_source=True
    ),
    "request.client_replied": Kind(
        "A client replies to a request",
        Channel.IMMEDIATELY,
        Audience.TEAM,
        LinkAction.REPLY,
        emailed_by_source=True,
    ),
    "request.assigned": Kind(
        "A request is assigned to you", Channel.IMMEDIATELY, Audience.TEAM, emailed_by_source=True
    ),
    "request.due": Kind("Request due-date reminders", Channel.IMMEDIATELY, Audience.EVERYONE),
    "approval.requested": Kind(
        "Your approval is requested", Channel.IMMEDIATELY, Audience.CLIENT, LinkAction.APPROVE
    ),
    "approval.decided": Kind("A client decides on an approval", Channel.IMMEDIATELY, Audience.TEAM),
    "invoice.sent": Kind("A new invoice", Channel.IMMEDIATELY, Audience.CLIENT),
    "payment.succeeded": Kind("An invoice is paid online", Channel.IMMEDIATELY, Audience.EVERYONE),
    "payment.failed": Kind("An online payment fails", Channel.IMMEDIATELY, Audience.EVERYONE),
    "payment.refunded": Kind("A payment is refunded", Channel.IMMEDIATELY, Audience.EVERYONE),
    "file_request.created": Kind(
        "A file is requested from you", Channel.IMMEDIATELY, Audience.CLIENT
    ),
    "file_request.due": Kind("Reminders for requested files", Channel.IMMEDIATELY, Audience.CLIENT),
    "file_request.fulfilled": Kind(
        "A client uploads a requested file", Channel.DIGEST, Audience.TEAM
    ),
    "document.uploaded": Kind("A client uploads a file", Channel.DIGEST, Audience.TEAM),
}


def kind_for(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValueError(f"Unknown notification kind {key!r}; add it to KINDS") from None


def kinds_for(*, is_team: bool) -> dict[str, Kind]:
    """The kinds a person of this side can receive, for their preferences page."""
    side = Audience.TEAM if is_team else Audience.CLIENT
    return {key: kind for key, kind in KINDS.items() if kind.audience in (side, Audience.EVERYONE)}
