"""Request notification emails: who hears about what, and what the email says.

Clients hear about their request's progress; the team about work waiting for them.
Nothing from an internal event (a note, an owner change) is ever put in an email.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.db.models import Q
from django.urls import reverse

from branding.emails import branded_email
from branding.selectors import brand_for
from shared_apps.accounts.models import User
from shared_apps.core.formatting import format_deadline
from shared_apps.core.regional import regional_for
from tenant_apps.client_requests.models import ClientRequest, RequestEvent
from tenant_apps.kit.access import OWNER_OR_ADMIN, Actor, can
from tenant_apps.kit.roles import ClientRole
from tenant_apps.people.models import ClientMember, TeamMember
from tenants.middleware import agency_url


def client_recipients(request: ClientRequest, actor: User | None) -> list[User]:
    """The submitter and the company's client admins.

    Approvers, finance and viewers are not emailed about requests they did not submit:
    they can follow them in the portal, and an email per update to everyone is noise.
    """
    members = ClientMember.objects.filter(
        Q(role=ClientRole.ADMIN) | Q(user_id=request.created_by_id),
        company_id=request.company_id,
        user__is_active=True,
    ).select_related("user")
    return [member.user for member in members]


def _active_team():
    return TeamMember.objects.filter(user__is_active=True).select_related("user")


def _works_on(member: TeamMember, request: ClientRequest) -> bool:
    return can(Actor(user=member.user, team=member, client=None), "request.work", request)


def owner_recipients(request: ClientRequest, actor: User | None) -> list[User]:
    """The owner, while they may still work the request."""
    if request.owner_id is None:
        return []
    owner = _active_team().filter(user_id=request.owner_id).first()
    return [owner.user] if owner and _works_on(owner, request) else []


def team_recipients(request: ClientRequest, actor: User | None) -> list[User]:
    """The owner; without one, the owners and admins and the staff assigned to the company.

    Never the person whose action this is: they know already.
    """
    people = owner_recipients(request, actor) or [
        member.user
        for member in _active_team()
        .filter(Q(role__in=OWNER_OR_ADMIN) | Q(assigned_companies=request.company_id))
        .distinct()
    ]
    return [user for user in people if user != actor]


@dataclass(frozen=True)
class Notice:
    recipients: Callable[[ClientRequest, User | None], list[User]]
    subject: str  # subject and headline are str.format()ted with title, company, actor
    headline: str
    due_label: str = ""  # shows the next SLA due time when set


CLIENT_NOTICES = {
    "received": Notice(
        client_recipients,
        "We received your request: {title}",
        "Thank you. We have received your request and the team is on it.",
        "We'll respond by",
    ),
    "answered": Notice(
        client_recipients,
        "New reply to your request: {title}",
        "{actor} replied to your request.",
    ),
    "waiting_on_client": Notice(
        client_recipients,
        "Waiting on you: {title}",
        "We need something from you to carry on. Please reply on the request page.",
    ),
    "resolved": Notice(
        client_recipients,
        "Resolved: {title}",
        "We have resolved your request. If anything is still not right, reply on the "
        "request page and we'll pick it up again.",
    ),
}
TEAM_NOTICES = {
    "received": Notice(
        team_recipients,
        "New request from {company}: {title}",
        "{actor} submitted a new request for {company}.",
        "First response due",
    ),
    "assigned": Notice(
        owner_recipients,
        "Assigned to you: {title}",
        "{actor} made you the owner of this {company} request.",
    ),
    "client_replied": Notice(
        team_recipients,
        "{company} replied: {title}",
        "{actor} at {company} replied.",
    ),
    "at_risk": Notice(
        team_recipients,
        "At risk of missing its SLA: {title}",
        "This {company} request has used over three quarters of its SLA target.",
        "Due",
    ),
    "breached": Notice(
        team_recipients,
        "SLA missed: {title}",
        "This {company} request has missed its SLA target.",
    ),
}


def notices_for(kind: str) -> list[Notice]:
    notices = [table[kind] for table in (CLIENT_NOTICES, TEAM_NOTICES) if kind in table]
    if not notices:
        raise ValueError(f"No notice for {kind!r}")
    return notices


def request_url(request: ClientRequest) -> str:
    """The request's page on the current agency's host."""
    path = reverse("client_requests:detail", args=[request.pk], urlconf=settings.ROOT_URLCONF)
    return agency_url(connection.tenant.subdomain, path)


def _next_due(request: ClientRequest) -> str:
    due = request.resolution_due_at if request.first_response_at else request.response_due_at
    if due is None:
        return ""
    return format_deadline(due)


@dataclass
class NoticeMail:
    """One notice about one request change, rendered once and addressed per recipient."""

    notice: Notice
    request: ClientRequest
    event: RequestEvent | None
    actor: User | None

    def recipients(self) -> list[User]:
        return self.notice.recipients(self.request, self.actor)

    @cached_property
    def context(self) -> dict:
        # Only a client-visible event's words and files are quoted.
        shown = self.event if self.event is not None and not self.event.is_internal else None
        words = {
            "title": self.request.title,
            "company": self.request.company.name,
            "actor": str(self.actor) if self.actor else "Someone",
        }
        files = shown.attachments.filter(is_internal=False).select_related("file") if shown else []
        return {
            "portal_name": brand_for(connection.tenant).portal_name,
            "request": self.request,
            # One line, whatever the title holds: headers cannot span lines.
            "subject": " ".join(
                f"{self.notice.subject.format(**words)} (#{self.request.pk})".split()
            ),
            "headline": self.notice.headline.format(**words),
            "body": shown.body if shown else "",
            "files": [attachment.file.name for attachment in files],
            "due_label": self.notice.due_label,
            "url": request_url(self.request),
        }

    def email(self, recipient: User) -> EmailMultiAlternatives:
        with regional_for(recipient):  # the due time in their zone, as they write it
            due = _next_due(self.request) if self.notice.due_label else ""
            return branded_email(
                subject=self.context["subject"],
                to=[recipient.email],
                text_template="client_requests/emails/notice.txt",
                html_template="client_requests/emails/notice.html",
                context={**self.context, "due": due, "recipient": recipient},
            )
