"""What waits on whom: a client's "Waiting on you" and the team's "Next actions".

Each source is one query, whatever the number of items (tests hold them to it), limited to
what the actor may see and act on.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, When
from django.urls import reverse
from django.utils import timezone

from shared_apps.core.formatting import format_money
from tenant_apps.approvals.models import ApprovalDecision, ApprovalRequest, ApprovalStatus
from tenant_apps.client_requests.models import ClientRequest, Status
from tenant_apps.documents.models import DocumentVersion
from tenant_apps.inbox.models import FileRequest, FileRequestStatus
from tenant_apps.invoices.models import Invoice, InvoiceStatus
from tenant_apps.kit.access import CLIENT_CONTRIBUTORS, Actor
from tenant_apps.kit.roles import ClientRole
from tenant_apps.messaging.selectors import unread_threads

SECTION_LIMIT = 20
RECENT_UPLOAD_DAYS = 7
RETURNED_APPROVAL_DAYS = 30
TO_PAY = [InvoiceStatus.SENT, InvoiceStatus.PENDING_PAYMENT, InvoiceStatus.OVERDUE]
TO_ANSWER = [Status.NEW, Status.IN_REVIEW, Status.IN_PROGRESS]


@dataclass(frozen=True)
class InboxItem:
    kind: str  # approval, file_request, invoice, request, message, upload
    kind_label: str
    id: int
    title: str
    url: str
    action_label: str
    action_url: str
    due_date: date | None = None
    due_at: datetime | None = None  # a deadline with a time (SLA)
    detail: str = ""
    since: datetime | None = None  # when it started waiting

    @property
    def overdue(self) -> bool:
        if self.due_at is not None:
            return self.due_at < timezone.now()
        return self.due_date is not None and self.due_date < timezone.localdate()

    @property
    def sort_key(self) -> tuple:
        # Soonest due first; undated ones after them, oldest waiting first.
        due = self.due_at.date() if self.due_at else self.due_date
        return (due is None, due or date.max, self.since or timezone.now())


@dataclass
class Section:
    key: str
    label: str
    items: list[InboxItem] = field(default_factory=list)


def _in_companies(actor: Actor, queryset: QuerySet, link: str = "company_id") -> QuerySet:
    ids = actor.visible_company_ids
    return queryset if ids is None else queryset.filter(**{f"{link}__in": ids})


# Items, one builder per kind


def _approval(approval, *, action: str) -> InboxItem:
    url = reverse("approvals:detail", args=[approval.pk])
    return InboxItem(
        kind="approval",
        kind_label="Approval",
        id=approval.pk,
        title=approval.title,
        url=url,
        action_label=action,
        action_url=url,
        due_date=approval.due_date,
        detail=approval.company.name,
        since=approval.completed_at or approval.created_at,
    )


def _file_request(file_request) -> InboxItem:
    url = reverse("inbox:file_request", args=[file_request.pk])
    return InboxItem(
        kind="file_request",
        kind_label="File request",
        id=file_request.pk,
        title=file_request.title,
        url=url,
        action_label="Upload",
        action_url=reverse("inbox:file_request_upload", args=[file_request.pk]),
        due_date=file_request.due_date,
        detail=file_request.description,
        since=file_request.created_at,
    )


def _invoice(invoice) -> InboxItem:
    url = reverse("invoices:detail", args=[invoice.pk])
    reported = invoice.status == InvoiceStatus.PENDING_PAYMENT
    pay_online = invoice.payment_url and not reported
    return InboxItem(
        kind="invoice",
        kind_label="Invoice",
        id=invoice.pk,
        title=f"Invoice {invoice.number}: {format_money(invoice.total, invoice.currency)}",
        url=url,
        action_label="Pay now" if pay_online else "View invoice",
        action_url=invoice.payment_url if pay_online else url,
        due_date=invoice.due_date,
        detail="Payment reported; awaiting confirmation" if reported else invoice.company.name,
        since=invoice.sent_at,
    )


def _request(client_request, *, action: str, due_at=None) -> InboxItem:
    url = reverse("client_requests:detail", args=[client_request.pk])
    return InboxItem(
        kind="request",
        kind_label="Request",
        id=client_request.pk,
        title=f"#{client_request.pk} {client_request.title}",
        url=url,
        action_label=action,
        action_url=url,
        due_date=client_request.due_date,
        due_at=due_at,
        detail=client_request.company.name,
        since=client_request.updated_at,
    )


# Waiting on you (a client person)


def _approvals_to_decide(actor: Actor) -> list[InboxItem]:
    decided = ApprovalDecision.objects.filter(approval=OuterRef("pk"), decided_by=actor.user)
    approvals = (
        ApprovalRequest.objects.filter(
            status=ApprovalStatus.PENDING,
            company_id=actor.client.company_id,
            approver_links__user=actor.user,
        )
        .exclude(Exists(decided))
        .select_related("company")
    )
    return [_approval(approval, action="Review and decide") for approval in approvals]


def _file_requests_open(actor: Actor) -> list[InboxItem]:
    if not actor.has_client_role(*CLIENT_CONTRIBUTORS):
        return []
    file_requests = FileRequest.objects.filter(
        company_id=actor.client.company_id, status=FileRequestStatus.OPEN
    )
    return [_file_request(file_request) for file_request in file_requests]


def _invoices_to_pay(actor: Actor) -> list[InboxItem]:
    if not actor.has_client_role(ClientRole.ADMIN, ClientRole.FINANCE):
        return []
    invoices = Invoice.objects.filter(
        company_id=actor.client.company_id, status__in=TO_PAY
    ).select_related("company")
    return [_invoice(invoice) for invoice in invoices]


def _requests_awaiting_reply(actor: Actor) -> list[InboxItem]:
    if not actor.has_client_role(*CLIENT_CONTRIBUTORS):
        return []
    requests = ClientRequest.objects.filter(
        company_id=actor.client.company_id, status=Status.WAITING_ON_CLIENT
    ).select_related("company")
    return [_request(client_request, action="Reply") for client_request in requests]


def unread_message_threads(actor: Actor) -> list[InboxItem]:
    """Threads with messages the actor has not read (from the messaging app; one query)."""
    items = []
    for thread in unread_threads(actor)[:SECTION_LIMIT]:
        url = reverse("messaging:thread", args=[thread.pk])
        items.append(
            InboxItem(
                kind="message",
                kind_label="Messages",
                id=thread.pk,
                title=thread.title,
                url=url,
                action_label="Read and reply",
                action_url=url,
                detail=f"{thread.unread} unread message{'s' if thread.unread != 1 else ''}",
                since=thread.last_message_at,
            )
        )
    return items


CLIENT_SOURCES = [
    _approvals_to_decide,
    _file_requests_open,
    _invoices_to_pay,
    _requests_awaiting_reply,
    unread_message_threads,
]


def waiting_on(actor: Actor) -> list[InboxItem]:
    """Everything waiting on a client person, soonest due first; one query per source."""
    if not actor.is_client:
        return []
    items = [item for source in CLIENT_SOURCES for item in source(actor)]
    return sorted(items, key=lambda item: item.sort_key)


# Next actions (the team)


def _racing_deadline() -> Case:
    """The SLA deadline a request races now: its first response until there is one."""
    return Case(
        When(first_response_at__isnull=True, then=F("response_due_at")),
        default=F("resolution_due_at"),
    )


def _requests_to_answer(actor: Actor) -> list[InboxItem]:
    """Open requests the actor owns, or nobody does, most urgent SLA first."""
    requests = (
        _in_companies(actor, ClientRequest.objects.filter(status__in=TO_ANSWER))
        .filter(Q(owner=actor.user) | Q(owner__isnull=True))
        .annotate(racing=_racing_deadline())
        .select_related("company")
        .order_by(F("racing").asc(nulls_last=True), "created_at")
    )
    return [
        _request(client_request, action="Answer", due_at=client_request.racing)
        for client_request in requests[:SECTION_LIMIT]
    ]


def _approvals_returned(actor: Actor) -> list[InboxItem]:
    """Approvals the client sent back with changes lately, not yet asked again."""
    since = timezone.now() - timedelta(days=RETURNED_APPROVAL_DAYS)
    asked_again = ApprovalRequest.objects.filter(replaces=OuterRef("pk"))
    approvals = (
        _in_companies(
            actor,
            ApprovalRequest.objects.filter(
                status=ApprovalStatus.CHANGES_REQUESTED, completed_at__gte=since
            ),
        )
        .exclude(Exists(asked_again))
        .select_related("company")
        .order_by("-completed_at")
    )
    return [_approval(approval, action="See the changes") for approval in approvals[:SECTION_LIMIT]]


def _client_uploads(actor: Actor) -> list[InboxItem]:
    """Document versions the clients uploaded in the last days, newest first."""
    since = timezone.now() - timedelta(days=RECENT_UPLOAD_DAYS)
    versions = (
        _in_companies(
            actor,
            DocumentVersion.objects.filter(
                created_at__gte=since, file__uploaded_by__client_member__isnull=False
            ),
            link="document__company_id",
        )
        .select_related("document__company", "file__uploaded_by")
        .order_by("-created_at")
    )
    items = []
    for version in versions[:SECTION_LIMIT]:
        url = reverse("documents:document", args=[version.document_id])
        items.append(
            InboxItem(
                kind="upload",
                kind_label="Client upload",
                id=version.pk,
                title=f"{version.document.name} (version {version.number})",
                url=url,
                action_label="Open",
                action_url=url,
                detail=f"{version.file.uploaded_by} · {version.document.company.name}",
                since=version.created_at,
            )
        )
    return items


def _overdue_requests(actor: Actor) -> list[InboxItem]:
    requests = _in_companies(
        actor,
        ClientRequest.objects.filter(
            status__in=TO_ANSWER, due_date__lt=timezone.localdate()
        ).select_related("company"),
    ).order_by("due_date")
    return [_request(r, action="Open") for r in requests[:SECTION_LIMIT]]


def _overdue_approvals(actor: Actor) -> list[InboxItem]:
    approvals = _in_companies(
        actor,
        ApprovalRequest.objects.filter(
            status=ApprovalStatus.PENDING, due_date__lt=timezone.localdate()
        ).select_related("company"),
    ).order_by("due_date")
    return [_approval(a, action="Chase") for a in approvals[:SECTION_LIMIT]]


def _overdue_invoices(actor: Actor) -> list[InboxItem]:
    invoices = _in_companies(
        actor,
        Invoice.objects.filter(status=InvoiceStatus.OVERDUE).select_related("company"),
    ).order_by("due_date")
    return [_invoice(invoice) for invoice in invoices[:SECTION_LIMIT]]


def next_actions(actor: Actor) -> list[Section]:
    """The team's sections, each one query; empty sections are kept (the page says so)."""
    if not actor.is_team:
        return []
    overdue = [
        *_overdue_requests(actor),
        *_overdue_approvals(actor),
        *_overdue_invoices(actor),
    ]
    return [
        Section("overdue", "Overdue", sorted(overdue, key=lambda item: item.sort_key)),
        Section("requests", "Requests to answer", _requests_to_answer(actor)),
        Section("returned", "Approvals returned with changes", _approvals_returned(actor)),
        Section("uploads", "Files clients uploaded", _client_uploads(actor)),
    ]


def home_inbox(actor: Actor) -> dict:
    """The home page's inbox for ``actor``'s side (the other side's is empty)."""
    return {"waiting_on_you": waiting_on(actor), "next_actions": next_actions(actor)}


# File requests


def visible_file_requests(actor: Actor) -> QuerySet[FileRequest]:
    """File requests of the companies ``actor`` sees, with what a row shows."""
    return _in_companies(
        actor,
        FileRequest.objects.select_related(
            "company", "folder", "requested_by", "requested_from", "document", "fulfilled_by"
        ),
    )
