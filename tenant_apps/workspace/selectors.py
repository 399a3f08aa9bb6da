"""The dashboards' reads: what the home page and /api/v1/dashboard show a client person or
the team. Every part is a fixed number of queries, however many rows there are (tests hold
them to it); "Waiting on you" and "Next actions" come from the inbox app.

Overdue means past due in the current time zone, as the lists count it; "today" is the
viewer's day, in their time zone.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import reduce
from operator import or_
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection, models
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from tenant_apps.activity.descriptions import Reader, action_label, line
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.approvals.models import ApprovalRequest, ApprovalStatus
from tenant_apps.approvals.selectors import overdue, visible_approvals
from tenant_apps.client_requests.models import OPEN_STATUSES, ClientRequest, SlaState
from tenant_apps.client_requests.selectors import visible_requests
from tenant_apps.documents.models import Document
from tenant_apps.documents.selectors import visible_documents
from tenant_apps.history.selectors import reader_for
from tenant_apps.inbox.models import FileRequest
from tenant_apps.inbox.selectors import Section, home_inbox, visible_file_requests
from tenant_apps.invoices.models import UNPAID_STATUSES, Invoice, InvoiceStatus
from tenant_apps.invoices.selectors import invoice_totals, visible_invoices
from tenant_apps.kit.access import Actor, can
from tenant_apps.messaging.models import Thread
from tenant_apps.messaging.selectors import visible_threads
from tenant_apps.people.models import ClientCompany
from tenant_apps.projects.models import Milestone, MilestoneStatus
from tenant_apps.projects.selectors import visible_milestones
from tenant_apps.reports.health import HealthScore, Part, client_health
from tenant_apps.timesheets.selectors import RetainerMonth, client_retainer_month

FEED_SIZE = 10
TODAY_SIZE = 12
PENDING_SHOWN = 8
ATTENTION_SHOWN = 5
MILESTONES_SHOWN = 8
INVOICES_SHOWN = 5


# --- counters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    key: str
    label: str
    count: int
    url: str  # the list it counts, filtered the same way
    warns: bool = False  # any at all is trouble (overdue, breached)

    @property
    def alert(self) -> bool:
        return self.warns and self.count > 0


def _counts(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """How many rows each of ``querysets`` holds, all in one statement."""
    selects, params = [], []
    for queryset in querysets.values():
        sql, query_params = queryset.order_by().values("pk").query.sql_with_params()
        # Django's own SQL for the querysets; values travel as parameters.
        selects.append(f"(SELECT count(*) FROM ({sql}) AS counted)")  # noqa: S608
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", params)
        return dict(zip(querysets, cursor.fetchone(), strict=True))


def _list_url(name: str, **query) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def _counters(specs: list[tuple[str, str, QuerySet, str]], warn=()) -> list[Counter]:
    """``specs``: (key, label, the list's rows, the list's URL); ``warn``: the keys whose
    every row is trouble."""
    counts = _counts({key: rows for key, _, rows, _ in specs})
    return [Counter(key, label, counts[key], url, key in warn) for key, label, _, url in specs]


def client_counters(actor: Actor) -> list[Counter]:
    """Open requests, shared files and pending approvals, each as its list counts them."""
    return _counters(
        [
            (
                "open_requests",
                "Open requests",
                visible_requests(actor).filter(status__in=OPEN_STATUSES),
                _list_url("client_requests:list", status="open"),
            ),
            (
                "shared_files",
                "Shared files",
                visible_documents(actor),
                _list_url("documents:hub"),
            ),
            (
                "pending_approvals",
                "Pending approvals",
                visible_approvals(actor).filter(status=ApprovalStatus.PENDING),
                _list_url("approvals:list", status="pending"),
            ),
        ]
    )


def team_counters(actor: Actor) -> list[Counter]:
    """The open work and what is overdue, across the clients ``actor`` sees."""
    requests = visible_requests(actor).filter(status__in=OPEN_STATUSES)
    approvals = visible_approvals(actor)
    return _counters(
        [
            (
                "open_requests",
                "Open requests",
                requests,
                _list_url("client_requests:list", status="open"),
            ),
            (
                "unassigned_requests",
                "Unassigned",
                requests.filter(owner__isnull=True),
                _list_url("client_requests:list", status="open", owner="none"),
            ),
            (
                "breached_requests",
                "SLA breached",
                requests.filter(sla_state=SlaState.BREACHED),
                _list_url("client_requests:list", status="open", sla_state=SlaState.BREACHED),
            ),
            (
                "pending_approvals",
                "Pending approvals",
                approvals.filter(status=ApprovalStatus.PENDING),
                _list_url("approvals:list", status="pending"),
            ),
            (
                "overdue_requests",
                "Overdue requests",
                requests.filter(due_date__lt=timezone.localdate()),
                _list_url("client_requests:list", overdue="on"),
            ),
            (
                "overdue_approvals",
                "Overdue approvals",
                overdue(approvals),
                _list_url("approvals:list", status="overdue"),
            ),
            (
                "overdue_invoices",
                "Overdue invoices",
                visible_invoices(actor).filter(status=InvoiceStatus.OVERDUE),
                _list_url("invoices:list", status=InvoiceStatus.OVERDUE),
            ),
        ],
        warn={"breached_requests", "overdue_requests", "overdue_approvals", "overdue_invoices"},
    )


# --- activity ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemKind:
    """A kind of item the log speaks of, and how the dashboards show its entries."""

    key: str
    model: type[models.Model]
    visible: Callable[[Actor], QuerySet]  # the items a person may see
    url_name: str  # the item's page, given its id
    actions: dict[str, str]  # action code -> what happened, e.g. "New request"
    status_field: str | None = None  # its current value is the entry's badge
    short_label: Callable[[str], str] = str  # the item's label after what happened to it

    @property
    def object_type(self) -> str:
        return self.model._meta.label_lower

    def status_label(self, value: str | None) -> str:
        if value is None or self.status_field is None:
            return ""
        return dict(self.model._meta.get_field(self.status_field).choices).get(value, value)


# The entries a client may read: these actions, on items of these kinds they may see. Internal
# notes, owner changes and drafts are not among the actions; internal documents and threads,
# and invoices for those who may not read them, are not among the items anyone shows them.
ITEM_KINDS = [
    ItemKind(
        "request",
        ClientRequest,
        visible_requests,
        "client_requests:detail",
        {
            "request.submitted": "New request",
            "request.replied": "New reply",
            "request.status_changed": "Request updated",
        },
        "status",
    ),
    ItemKind(
        "document",
        Document,
        visible_documents,
        "documents:document",
        {"documents.uploaded": "File shared", "documents.version_added": "New version"},
    ),
    ItemKind(
        "approval",
        ApprovalRequest,
        visible_approvals,
        "approvals:detail",
        {"approval.requested": "Approval requested", "approval.completed": "Approval decided"},
        "status",
    ),
    ItemKind(
        "invoice",
        Invoice,
        visible_invoices,
        "invoices:detail",
        {
            "invoice.sent": "Invoice sent",
            "invoice.payment_reported": "Payment reported",
            "invoice.marked_paid": "Invoice paid",
            "invoice.became_overdue": "Invoice overdue",
        },
        "status",
        lambda label: label.removeprefix("Invoice "),  # "Invoice sent: INV-0042"
    ),
    ItemKind(
        "message",
        Thread,
        visible_threads,
        "messaging:thread",
        {"message.posted": "New message"},
    ),
    ItemKind(
        "file_request",
        FileRequest,
        visible_file_requests,
        "inbox:file_request",
        {"file_request.created": "File requested", "file_request.fulfilled": "File received"},
        "status",
    ),
    ItemKind(
        "milestone",
        Milestone,
        visible_milestones,
        "projects:milestone",
        {
            "milestone.posted": "Project milestone",
            "milestone.updated": "Project milestone",
            "milestone.status_changed": "Project milestone",
        },
        "status",
    ),
]
KINDS_BY_TYPE = {kind.object_type: kind for kind in ITEM_KINDS}
# The team's day: the work, not sign-ins, refusals or settings.
WORK_AREAS = [
    "request.",
    "documents.",
    "approval.",
    "invoice.",
    "message.",
    "file_request.",
    "milestone.",
    "client.",
]


@dataclass(frozen=True)
class FeedEntry:
    id: int
    occurred_at: datetime
    kind: str  # an ItemKind key, or "" for an entry about something else
    what: str  # "New request"
    headline: str  # "New request: #12 Logo on invoices"
    summary: str  # "Sofia submitted the request #12 Logo on invoices"
    status: str | None  # the item's status now (its badge), if it has one
    status_label: str
    url: str | None  # the item's page, while it exists
    actor: str
    company: str


def _keys(queryset: QuerySet) -> QuerySet:
    """The ids of ``queryset`` as text, as ActivityEntry.object_id holds them."""
    return queryset.order_by().annotate(key=Cast("pk", CharField())).values("key")


def _with_item_status(entries: QuerySet[ActivityEntry]) -> QuerySet[ActivityEntry]:
    """``entries`` with ``item_status``: the current status of the item each is about (a
    subquery per kind, evaluated only for that kind's entries)."""
    current = [
        When(
            object_type=kind.object_type,
            then=Subquery(
                kind.model.objects.filter(pk=Cast(OuterRef("object_id"), BigIntegerField()))
                .order_by()
                .values(kind.status_field)[:1]
            ),
        )
        for kind in ITEM_KINDS
        if kind.status_field
    ]
    status = Case(*current, default=Value(None), output_field=CharField())
    return entries.annotate(item_status=status)


def feed_entry(entry: ActivityEntry, reader: Reader) -> FeedEntry:
    kind = KINDS_BY_TYPE.get(entry.object_type)
    what = kind.actions.get(entry.action) if kind else None
    gone = kind is not None and kind.status_field is not None and entry.item_status is None
    return FeedEntry(
        id=entry.pk,
        occurred_at=entry.occurred_at,
        kind=kind.key if what else "",
        what=what or action_label(entry.action),
        headline=f"{what}: {kind.short_label(entry.object_label)}" if what else entry.description,
        summary=line(entry, reader).text,
        status=entry.item_status if what else None,
        status_label=kind.status_label(entry.item_status) if what else "",
        url=reverse(kind.url_name, args=[entry.object_id]) if kind and not gone else None,
        actor=(entry.actor.full_name or entry.actor.email) if entry.actor else "The portal",
        company=entry.company.name if entry.company else "",
    )


def client_entries(actor: Actor) -> QuerySet[ActivityEntry]:
    """The log entries of ``actor``'s company that they may read (see ITEM_KINDS), newest
    first; for the team, none."""
    if not actor.is_client:
        return ActivityEntry.objects.none()
    readable = reduce(
        or_,
        (
            Q(
                object_type=kind.object_type,
                action__in=list(kind.actions),
                object_id__in=_keys(kind.visible(actor)),
            )
            for kind in ITEM_KINDS
        ),
    )
    entries = ActivityEntry.objects.filter(readable, company_id=actor.client.company_id)
    return _with_item_status(entries).select_related("actor", "company").order_by("-id")


def client_activity(actor: Actor, *, limit: int = FEED_SIZE) -> list[FeedEntry]:
    """The latest of ``client_entries``, each with its item's status as a badge (one query)."""
    reader = reader_for(actor)
    return [feed_entry(entry, reader) for entry in client_entries(actor)[:limit]]


def start_of_today(zone: ZoneInfo) -> datetime:
    return datetime.combine(timezone.localdate(timezone=zone), time.min, tzinfo=zone)


def todays_activity(
    actor: Actor, zone: ZoneInfo, *, limit: int = TODAY_SIZE
) -> tuple[list[FeedEntry], int]:
    """The team's work logged today in ``zone`` (in the clients ``actor`` sees, for limited
    staff), newest first, and how many entries that is (one query)."""
    entries = ActivityEntry.objects.filter(
        reduce(or_, (Q(action__startswith=area) for area in WORK_AREAS)),
        occurred_at__gte=start_of_today(zone),
    )
    ids = actor.visible_company_ids
    if ids is not None:
        entries = entries.filter(company_id__in=ids)
    rows = list(
        _with_item_status(entries)
        .select_related("actor", "company")
        .annotate(total=Window(Count("id")))
        # By time (the order entries are appended in): the range of today in its index.
        .order_by("-occurred_at", "-id")[:limit]
    )
    reader = reader_for(actor)
    return [feed_entry(entry, reader) for entry in rows], rows[0].total if rows else 0


# --- the team's work -----------------------------------------------------------------------

WORKLOAD_STATES = [
    SlaState.BREACHED,
    SlaState.AT_RISK,
    SlaState.ON_TRACK,
    SlaState.PAUSED,
    SlaState.NONE,
]


@dataclass(frozen=True)
class WorkloadCell:
    state: str
    count: int
    url: str


@dataclass(frozen=True)
class WorkloadRow:
    owner_id: int | None  # None: unassigned
    owner: str
    cells: list[WorkloadCell]
    total: int
    url: str


LIST = "client_requests:list"


def workload(actor: Actor) -> list[WorkloadRow]:
    """Open requests per owner (and unassigned), by SLA state; busiest first (one query)."""
    counts = {state: Count("id", filter=Q(sla_state=state)) for state in WORKLOAD_STATES}
    rows = (
        visible_requests(actor)
        .filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("owner_id", "owner__full_name", "owner__email")
        .annotate(total=Count("id"), **counts)
    )
    result = []
    for row in rows:
        query = {"status": "open", "owner": row["owner_id"] or "none"}
        cells = [
            WorkloadCell(state, row[state], _list_url(LIST, **query, sla_state=state))
            for state in WORKLOAD_STATES
        ]
        result.append(
            WorkloadRow(
                owner_id=row["owner_id"],
                owner=row["owner__full_name"] or row["owner__email"] or "Unassigned",
                cells=cells,
                total=row["total"],
                url=_list_url(LIST, **query),
            )
        )
    # The unassigned last, the busiest first.
    return sorted(result, key=lambda row: (row.owner_id is None, -row.total, row.owner))


@dataclass(frozen=True)
class PendingApprovals:
    approvals: list[ApprovalRequest]  # oldest first, each with ``age_days``
    total: int


def pending_approvals(actor: Actor, *, limit: int = PENDING_SHOWN) -> PendingApprovals:
    """The approvals still waiting for answers, longest waiting first (one query)."""
    rows = list(
        visible_approvals(actor)
        .filter(status=ApprovalStatus.PENDING)
        .annotate(total=Window(Count("id")))
        .order_by("created_at", "id")[:limit]
    )
    now = timezone.now()
    for approval in rows:
        approval.age_days = (now - approval.created_at).days
    return PendingApprovals(rows, rows[0].total if rows else 0)


HEALTH_CACHE_KEY = "workspace:dashboard:health"  # the cache prefixes the agency's schema
HEALTH_FRESH_SECONDS = 600


@dataclass(frozen=True)
class Health:
    scores: dict[int, HealthScore]  # every live client's
    as_of: datetime


def health_scores() -> Health:
    """Every live client's health, computed at most every HEALTH_FRESH_SECONDS: the scores
    read the agency's whole request history (one query, but not a cheap one), and a
    dashboard is opened far more often than a score moves."""
    cached = cache.get(HEALTH_CACHE_KEY)
    if cached is None:
        as_of = timezone.now()
        cached = Health(client_health(as_of=as_of), as_of)
        cache.set(HEALTH_CACHE_KEY, cached, HEALTH_FRESH_SECONDS)
    return cached


@dataclass(frozen=True)
class Attention:
    company_id: int
    company: str
    health: HealthScore

    @property
    def worst(self) -> Part | None:
        """The signal that took the most points, if any did."""
        part = max(self.health.parts, key=lambda part: part.points)
        return part if part.points > 0 else None


def clients_needing_attention(
    actor: Actor, health: Health, *, limit: int = ATTENTION_SHOWN
) -> list[Attention]:
    """Of the clients ``actor`` sees, those with the lowest health scores below 100, lowest
    first (one query: the names of those shown)."""
    ids = actor.visible_company_ids
    lowest = sorted(
        (
            score
            for company_id, score in health.scores.items()
            if score.score < 100 and (ids is None or company_id in ids)
        ),
        key=lambda score: (score.score, score.company_id),
    )[:limit]
    shown = ClientCompany.objects.filter(
        pk__in=[score.company_id for score in lowest], is_archived=False
    )
    names = dict(shown.values_list("pk", "name"))
    # (A company archived since the scores were cached has no name here, and is left out.)
    return [
        Attention(score.company_id, names[score.company_id], score)
        for score in lowest
        if score.company_id in names
    ]


# --- the client's work ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectUpdates:
    milestones: list[Milestone]  # in the team's order
    total: int
    completed: int


def project_updates(actor: Actor, *, limit: int = MILESTONES_SHOWN) -> ProjectUpdates:
    """The milestones of a client's company, in order, with how many there are and how many
    are completed (one query)."""
    rows = list(
        visible_milestones(actor)
        .annotate(
            total=Window(Count("id")),
            completed=Window(Count("id", filter=Q(status=MilestoneStatus.COMPLETED))),
        )
        .order_by("position", "id")[:limit]
    )
    if not rows:
        return ProjectUpdates([], 0, 0)
    return ProjectUpdates(rows, rows[0].total, rows[0].completed)


@dataclass(frozen=True)
class Payments:
    invoices: list[Invoice]  # unpaid, soonest due first
    totals: list[dict]  # per currency, as invoices.selectors.invoice_totals


def payments(actor: Actor, *, limit: int = INVOICES_SHOWN) -> Payments | None:
    """Open invoices and the amounts outstanding, for those who may read invoices (two
    queries); None for the others."""
    if not can(actor, "invoices.view"):
        return None
    invoices = visible_invoices(actor)
    unpaid = invoices.filter(status__in=UNPAID_STATUSES).order_by("due_date", "id")[:limit]
    return Payments(list(unpaid), invoice_totals(invoices))


# --- the dashboards ------------------------------------------------------------------------


@dataclass
class ClientDashboard:
    counters: list[Counter]
    activity: list[FeedEntry]
    waiting_on_you: list
    project_updates: ProjectUpdates
    payments: Payments | None
    retainer: RetainerMonth | None = None  # hours used and remaining this month, if any
    side: str = "client"


@dataclass
class TeamDashboard:
    counters: list[Counter]
    workload: list[WorkloadRow]
    pending_approvals: PendingApprovals
    clients_needing_attention: list[Attention]
    health_as_of: datetime  # how fresh the health scores are
    today: list[FeedEntry]
    today_total: int
    next_actions: list[Section] = field(default_factory=list)
    side: str = "team"


def dashboard(actor: Actor, zone: ZoneInfo) -> ClientDashboard | TeamDashboard | None:
    """``actor``'s dashboard: the client's or the team's; None for someone who is neither.
    ``zone``: the viewer's, whose day "today" is."""
    inbox = home_inbox(actor)
    if actor.is_client:
        return ClientDashboard(
            counters=client_counters(actor),
            activity=client_activity(actor),
            waiting_on_you=inbox["waiting_on_you"],
            project_updates=project_updates(actor),
            payments=payments(actor),
            retainer=client_retainer_month(actor),
        )
    if actor.is_team:
        today, today_total = todays_activity(actor, zone)
        health = health_scores()
        return TeamDashboard(
            counters=team_counters(actor),
            workload=workload(actor),
            pending_approvals=pending_approvals(actor),
            clients_needing_attention=clients_needing_attention(actor, health),
            health_as_of=health.as_of,
            today=today,
            today_total=today_total,
            next_actions=inbox["next_actions"],
        )
    return None
