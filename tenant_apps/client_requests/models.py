from datetime import time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from tenant_apps.client_requests.sla import BusinessCalendar
from tenant_apps.people.models import ClientCompany


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Status(models.TextChoices):
    NEW = "new", "New"
    IN_REVIEW = "in_review", "In review"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_CLIENT = "waiting_on_client", "Waiting on client"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = [Status.NEW, Status.IN_REVIEW, Status.IN_PROGRESS, Status.WAITING_ON_CLIENT]

# The team's moves. A client's reply to a waiting or resolved request moves it
# back to in progress on its own (see actions.request_reply_add).
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.IN_REVIEW, Status.IN_PROGRESS, Status.WAITING_ON_CLIENT, Status.RESOLVED},
    Status.IN_REVIEW: {Status.IN_PROGRESS, Status.WAITING_ON_CLIENT, Status.RESOLVED},
    Status.IN_PROGRESS: {Status.IN_REVIEW, Status.WAITING_ON_CLIENT, Status.RESOLVED},
    Status.WAITING_ON_CLIENT: {Status.IN_PROGRESS, Status.RESOLVED},
    Status.RESOLVED: {Status.IN_PROGRESS, Status.CLOSED},
    Status.CLOSED: {Status.IN_PROGRESS},
}


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    NONE = "none", "No target"


class FieldKind(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"
    FILE = "file", "File"


class RequestType(models.Model):
    """What kind of request this is, with the intake fields a client fills in.

    ``intake_fields`` is a list of ``{"key", "label", "kind", "required", "choices"}``
    (see FieldKind); answers are validated on submit by forms.IntakeForm.
    """

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200, blank=True)
    is_builtin = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    intake_fields = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-is_builtin", "name"]

    def __str__(self):
        return self.name


class TagColour(models.TextChoices):
    """The fixed palette: each is a background for white text at 6.4:1 or more (WCAG AA)."""

    GREY = "grey", "Grey"
    RED = "red", "Red"
    ORANGE = "orange", "Orange"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    TEAL = "teal", "Teal"
    BLUE = "blue", "Blue"
    PURPLE = "purple", "Purple"
    PINK = "pink", "Pink"


# The hex behind each colour (tags.css holds the same; a test checks both and the contrast).
TAG_HEX = {
    TagColour.GREY: "#4b5563",
    TagColour.RED: "#b91c1c",
    TagColour.ORANGE: "#9a3412",
    TagColour.AMBER: "#854d0e",
    TagColour.GREEN: "#166534",
    TagColour.TEAL: "#115e59",
    TagColour.BLUE: "#1d4ed8",
    TagColour.PURPLE: "#6d28d9",
    TagColour.PINK: "#9d174d",
}


class RequestTag(models.Model):
    """A label the agency defines and the team puts on requests; the team's only."""

    name = models.CharField(max_length=40)
    colour = models.CharField(max_length=8, choices=TagColour.choices, default=TagColour.GREY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="request_tag_name_once"),
        ]

    def __str__(self):
        return self.name


class ClientRequest(models.Model):
    company = models.ForeignKey(
        ClientCompany,
        on_delete=models.PROTECT,
        related_name="requests",
        db_index=False,  # request_company_recent leads with it
    )
    type = models.ForeignKey(RequestType, on_delete=models.PROTECT, related_name="requests")
    title = models.CharField(max_length=200)
    details = models.TextField()
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    wanted_by = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    intake = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # request_owner_status leads with it
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveIntegerField(default=0)
    # SLA, recomputed by every action and by the periodic sla_refresh task, so
    # lists can filter and sort on it in SQL.
    sla_state = models.CharField(max_length=10, choices=SlaState.choices, default=SlaState.NONE)
    response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    at_risk_notified_at = models.DateTimeField(null=True, blank=True)
    # Business seconds (clock paused while waiting on the client) to the first response and to
    # resolution, fixed when each happens; reports take medians of these in SQL.
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True)
    tags = models.ManyToManyField(RequestTag, blank=True, related_name="requests")
    # Title, details and client-visible replies; never internal notes.
    search = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            GinIndex(fields=["search"], name="request_search_gin"),
            # The lists' default order, newest first.
            models.Index(fields=["-created_at", "-id"], name="request_recent"),
            models.Index(fields=["company", "-created_at"], name="request_company_recent"),
            models.Index(fields=["status", "-created_at"], name="request_status_recent"),
            models.Index(fields=["owner", "status"], name="request_owner_status"),
            models.Index(fields=["sla_state"], name="request_sla_state"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_date and self.is_open and self.due_date < timezone.localdate())


class RequestPause(models.Model):
    """A span while the request waited on the client; the SLA clock stops in it."""

    request = models.ForeignKey(ClientRequest, on_delete=models.CASCADE, related_name="pauses")
    paused_at = models.DateTimeField()
    resumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["paused_at"]

    def __str__(self):
        return f"Paused {self.paused_at:%Y-%m-%d %H:%M}"


class EventKind(models.TextChoices):
    CREATED = "created", "Submitted"
    REPLY = "reply", "Reply"
    NOTE = "note", "Internal note"
    STATUS = "status", "Status changed"
    ASSIGNED = "assigned", "Owner changed"
    PRIORITY = "priority", "Priority changed"
    DUE = "due", "Due date changed"
    ATTACHMENT = "attachment", "File added"


class RequestEventQuerySet(models.QuerySet):
    def visible_to_clients(self):
        return self.filter(is_internal=False)


class RequestEvent(models.Model):
    """One line of a request's timeline: a reply, a note, a change or a file."""

    request = models.ForeignKey(
        ClientRequest,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # request_event_timeline leads with it
    )
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(blank=True)
    is_internal = models.BooleanField(default=False)
    change = models.JSONField(default=dict, blank=True)  # {"from": ..., "to": ...}
    created_at = models.DateTimeField(default=timezone.now)

    objects = RequestEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="request_event_timeline")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.request_id}"


class RequestAttachment(models.Model):
    request = models.ForeignKey(ClientRequest, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        RequestEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.OneToOneField("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    is_internal = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Attachment {self.file_id} on {self.request_id}"


def default_working_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class SlaPolicy(models.Model):
    """The agency's business hours and targets; one row per workspace."""

    timezone = models.CharField(max_length=64, default="UTC")
    working_days = ArrayField(models.PositiveSmallIntegerField(), default=default_working_days)
    opens = models.TimeField(default=time(9))
    closes = models.TimeField(default=time(17))

    def __str__(self):
        return f"SLA policy ({self.timezone})"

    def calendar(self, holidays) -> BusinessCalendar:
        return BusinessCalendar(
            timezone=ZoneInfo(self.timezone),
            working_days=frozenset(self.working_days),
            opens=self.opens,
            closes=self.closes,
            holidays=frozenset(holidays),
        )


class SlaTarget(models.Model):
    """First-response and resolution targets for one priority, in business minutes."""

    policy = models.ForeignKey(
        SlaPolicy,
        on_delete=models.CASCADE,
        related_name="targets",
        db_index=False,  # sla_target_per_priority leads with it
    )
    priority = models.CharField(max_length=8, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_per_priority")
        ]

    def __str__(self):
        return f"{self.priority}: {self.first_response_minutes}/{self.resolution_minutes} min"

    @property
    def first_response(self) -> timedelta:
        return timedelta(minutes=self.first_response_minutes)

    @property
    def resolution(self) -> timedelta:
        return timedelta(minutes=self.resolution_minutes)


class Holiday(models.Model):
    policy = models.ForeignKey(
        SlaPolicy,
        on_delete=models.CASCADE,
        related_name="holidays",
        db_index=False,  # holiday_once leads with it
    )
    date = models.DateField()
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["policy", "date"], name="holiday_once")]

    def __str__(self):
        return f"{self.name} ({self.date})"


class RequestNotification(models.Model):
    """One email sent about a request: the record that keeps a retried task from resending.

    ``event`` is None for notices about the request as a whole (received, SLA alerts),
    which go out once per recipient.
    """

    kind = models.CharField(max_length=20)
    request = models.ForeignKey(
        ClientRequest, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(
        RequestEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "request", "event", "recipient"],
                name="request_notification_once",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.kind} on {self.request_id} to {self.recipient_id}"


class SavedView(models.Model):
    """A named set of a list's filters and sort, the person's own or shared with the team.

    ``query`` is the list's query string as cleaned lists of values ({"status": ["open"]}),
    kept as given so a view still opens after a filter's choices change (the form then says
    what no longer fits). ``list`` names the list (only "requests" for now).
    """

    list = models.CharField(max_length=20, default="requests")
    name = models.CharField(max_length=60)
    # Unindexed: saved_view_name_once_per_person leads with it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    shared = models.BooleanField(default=False)
    query = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "owner", "list", Lower("name"), name="saved_view_name_once_per_person"
            ),
        ]

    def __str__(self):
        return self.name


class BulkOperation(models.TextChoices):
    ASSIGN = "assign", "Assign owner"
    STATUS = "status", "Set status"
    PRIORITY = "priority", "Set priority"
    DUE_DATE = "due_date", "Set due date"
    ADD_TAG = "add_tag", "Add tag"


class BulkJob(models.Model):
    """One bulk change on many requests: what, to which, and how far it got.

    Items run one by one, each in its own transaction with its progress (``done``,
    ``refused``), so a job stopped anywhere resumes where it was and no item is half-changed.
    ``refused`` is a list of {"id", "title", "reason"}.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"

    # Unindexed: a person's few jobs, and every index is paid by every agency's schema.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    operation = models.CharField(max_length=10, choices=BulkOperation.choices)
    value = models.JSONField(null=True, blank=True)  # owner id, status, priority, date, tag id
    request_ids = ArrayField(models.PositiveIntegerField())
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)  # items handled, changed or refused
    changed = models.PositiveIntegerField(default=0)
    refused = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_operation_display()} on {len(self.request_ids)} requests"

    @property
    def total(self) -> int:
        return len(self.request_ids)

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 100
