"""Reads for a person's own data export: their exports, and each part of their archive.

Every part is chosen by the person's own key (the author, the uploader, the decider, the
recipient, the actor), never by a company, so nothing of a company they are not in can come
in; other people's items appear only as the labels that explain the person's own (a
request's title beside their reply).
"""

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.approvals.models import ApprovalDecision
from tenant_apps.client_requests.models import (
    ClientRequest,
    EventKind,
    RequestAttachment,
    RequestEvent,
)
from tenant_apps.data_export.models import ExportState, PersonExport
from tenant_apps.documents.models import DocumentVersion
from tenant_apps.files.models import StoredFile
from tenant_apps.messaging.models import Message, MessageAttachment
from tenant_apps.notifications.models import Notification
from tenant_apps.people.models import ClientMember, TeamMember
from tenant_apps.security.link_secrets import secret_digest
from tenant_apps.security.models import SignedInSession

RECENT_EXPORTS = 5
# The log's codes that record signing in and out, shown again under sign-ins.
SIGN_IN_CODES = [
    "auth.signed_in",
    "auth.sign_in_failed",
    "auth.locked_out",
    "auth.signed_out",
    "auth.magic_link_used",
]


def exports_of(person) -> QuerySet[PersonExport]:
    return PersonExport.objects.filter(person=person)


def recent_exports(person) -> list[PersonExport]:
    return list(exports_of(person)[:RECENT_EXPORTS])


class ExportLinkRefused(Exception):
    """``reason``: "unknown" (malformed, another agency's, or no such link), "not_yours",
    or "expired" (its time is up, it was used, or the archive is gone)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def export_token(secret: str) -> str:
    """The link's token: the agency's schema and the secret, so another agency's host
    refuses it by name before anything is looked up."""
    return f"{connection.schema_name}.{secret}"


def export_for_token(token: str, person) -> PersonExport:
    """The export ``token`` opens for ``person`` (signed in); raises ExportLinkRefused."""
    schema, _, secret = token.partition(".")
    if not secret or schema != connection.schema_name:
        raise ExportLinkRefused("unknown")
    export = (
        PersonExport.objects.select_related("archive")
        .filter(token_digest=secret_digest(secret))
        .first()
    )
    if export is None:
        raise ExportLinkRefused("unknown")
    if export.person_id != person.pk:
        raise ExportLinkRefused("not_yours")
    if not export.is_downloadable or export.archive is None:
        raise ExportLinkRefused("expired")
    return export


def exports_to_remove(*, downloaded_before, now=None) -> QuerySet[PersonExport]:
    """Ready archives whose link ran out, or that were downloaded before ``downloaded_before``
    (left a while so a download under way, or its S3 redirect, still finds the bytes)."""
    now = now or timezone.now()
    return PersonExport.objects.filter(state=ExportState.READY).filter(
        Q(expires_at__lte=now) | Q(downloaded_at__lte=downloaded_before)
    )


# --- the parts of the archive ---


def _moment(value):
    return value.isoformat() if value else None


def profile_part(person) -> dict:
    """The person's own account, without secrets (password hash, security stamp)."""
    return {
        "id": person.pk,
        "email": person.email,
        "full_name": person.full_name,
        "is_active": person.is_active,
        "date_joined": _moment(person.date_joined),
        "last_login": _moment(person.last_login),
        "time_zone": person.time_zone or None,
        "locale": person.locale or None,
    }


def memberships_part(person) -> dict:
    team = TeamMember.objects.filter(user=person).prefetch_related("assigned_companies").first()
    client = ClientMember.objects.filter(user=person).select_related("company").first()
    return {
        "team": team
        and {
            "role": team.get_role_display(),
            "joined_at": _moment(team.joined_at),
            "sees_all_clients": team.sees_all_clients,
            "assigned_client_companies": [c.name for c in team.assigned_companies.all()],
        },
        "client": client
        and {
            "company": {"id": client.company_id, "name": client.company.name},
            "role": client.get_role_display(),
            "joined_at": _moment(client.joined_at),
        },
    }


def requests_part(person) -> dict:
    """Requests they submitted, and every reply or note they wrote on any request."""
    submitted = ClientRequest.objects.filter(created_by=person).select_related("type", "company")
    written = (
        RequestEvent.objects.filter(actor=person, kind__in=[EventKind.REPLY, EventKind.NOTE])
        .select_related("request")
        .order_by("created_at", "id")
    )
    return {
        "submitted": [
            {
                "id": request.pk,
                "title": request.title,
                "details": request.details,
                "type": request.type.name,
                "client_company": request.company.name,
                "priority": request.get_priority_display(),
                "status": request.get_status_display(),
                "wanted_by": _moment(request.wanted_by),
                "answers": request.intake,
                "submitted_at": _moment(request.created_at),
            }
            for request in submitted.order_by("created_at", "id")
        ],
        "replies_and_notes": [
            {
                "request_id": event.request_id,
                "request_title": event.request.title,
                "kind": event.get_kind_display(),
                "internal": event.is_internal,
                "text": event.body,
                "written_at": _moment(event.created_at),
            }
            for event in written
        ],
    }


def messages_part(person) -> list[dict]:
    written = (
        Message.objects.filter(author=person)
        .select_related(
            "thread__company",
            "thread__request",
            "thread__document",
            "thread__approval",
            "thread__invoice",
        )
        .prefetch_related("revisions")
    )
    return [
        {
            "id": message.pk,
            "conversation": message.thread.title,
            "text": message.body,
            "sent_from": message.get_source_display(),
            "written_at": _moment(message.created_at),
            "edited_at": _moment(message.edited_at),
            "earlier_words": [
                {"text": revision.body, "written_at": _moment(revision.written_at)}
                for revision in message.revisions.all()
            ],
        }
        for message in written
    ]


def uploaded_files(person) -> list[StoredFile]:
    """Every file the person uploaded (each version is its own file); not their archives."""
    archives = PersonExport.objects.filter(archive__isnull=False).values("archive")
    return list(
        StoredFile.objects.filter(uploaded_by=person)
        .exclude(pk__in=archives)
        .order_by("created_at", "id")
    )


def file_uses(files: list[StoredFile]) -> dict[int, str]:
    """What each file was uploaded for, in words, by file id."""
    ids = [stored.pk for stored in files]
    uses = {}
    for version in DocumentVersion.objects.filter(file_id__in=ids).select_related("document"):
        uses[version.file_id] = f"Document {version.document.name}, version {version.number}"
    for attachment in RequestAttachment.objects.filter(file_id__in=ids).select_related("request"):
        uses[attachment.file_id] = (
            f"Attached to request #{attachment.request_id}: {attachment.request.title}"
        )
    for attachment in MessageAttachment.objects.filter(file_id__in=ids).select_related(
        "message__thread__company",
        "message__thread__request",
        "message__thread__document",
        "message__thread__approval",
        "message__thread__invoice",
    ):
        uses[attachment.file_id] = f"Attached to a message in {attachment.message.thread.title}"
    return uses


def decisions_part(person) -> list[dict]:
    decisions = ApprovalDecision.objects.filter(decided_by=person).select_related(
        "approval__version__document", "approval__invoice"
    )
    return [
        {
            "approval": decision.approval.title,
            "about": decision.approval.subject_label,
            "decision": decision.get_decision_display(),
            "comment": decision.comment,
            "sha256_of_what_was_decided": decision.sha256,
            "signed_in_by": decision.get_signed_in_by_display(),
            "ip_address": decision.ip_address,
            "browser": decision.user_agent,
            "decided_at": _moment(decision.decided_at),
        }
        for decision in decisions
    ]


def notifications_part(person) -> list[dict]:
    return [
        {
            "kind": notification.kind,
            "title": notification.title,
            "text": notification.body,
            "about": notification.object_label,
            "link": notification.url,
            "email": notification.get_channel_display(),
            "created_at": _moment(notification.created_at),
            "read_at": _moment(notification.read_at),
        }
        for notification in Notification.objects.filter(recipient=person).order_by(
            "created_at", "id"
        )
    ]


def _entry(entry: ActivityEntry) -> dict:
    return {
        "when": _moment(entry.occurred_at),
        "code": entry.action,
        "what": entry.description,
        "item": entry.object_label,
        "changes": entry.changes,
        "ip_address": entry.ip_address,
        "browser": entry.user_agent,
    }


def sign_ins_part(person) -> dict:
    sessions = SignedInSession.objects.filter(user=person).order_by("created_at", "id")
    events = ActivityEntry.objects.filter(actor=person, action__in=SIGN_IN_CODES).order_by("id")
    return {
        "browsers_signed_in": [
            {
                "device": session.device,
                "browser": session.user_agent,
                "ip_address": session.ip_address,
                "signed_in_at": _moment(session.created_at),
                "last_seen_at": _moment(session.last_seen_at),
            }
            for session in sessions
        ],
        "sign_in_history": [_entry(entry) for entry in events],
    }


def activity_part(person) -> list[dict]:
    entries = ActivityEntry.objects.filter(actor=person).order_by("id")
    return [_entry(entry) for entry in entries.iterator(chunk_size=1000)]
