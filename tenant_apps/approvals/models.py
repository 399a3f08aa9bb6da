from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenant_apps.people.models import ClientCompany


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    SUPERSEDED = "superseded", "Superseded"  # a newer version was uploaded while pending
    CANCELLED = "cancelled", "Cancelled"


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class SignInMethod(models.TextChoices):
    PASSWORD = "password", "Password"
    MAGIC_LINK = "magic_link", "Emailed sign-in link"
    TWO_FACTOR = "two_factor", "Password and two-factor code"
    ACTION_LINK = "action_link", "Single-purpose emailed link"
    API_TOKEN = "api_token", "API token"
    # Sessions begun before sign-in recorded its method, or by a path that does not say.
    UNKNOWN = "unknown", "Not recorded"


# Finished one way or another: nothing more can be decided.
CLOSED_STATUSES = [
    ApprovalStatus.APPROVED,
    ApprovalStatus.CHANGES_REQUESTED,
    ApprovalStatus.SUPERSEDED,
    ApprovalStatus.CANCELLED,
]
# Decided by the approvers (as opposed to superseded or cancelled by the team).
COMPLETED_STATUSES = [ApprovalStatus.APPROVED, ApprovalStatus.CHANGES_REQUESTED]


class ApprovalRequest(models.Model):
    """The team asks named client approvers to approve one exact thing: a document version
    (a deliverable is a document of that kind) or an invoice.

    ``sha256`` is the hash of the bytes asked about, fixed when asked; every decision records
    it again, so a decision can always be shown to concern exactly those bytes.
    """

    company = models.ForeignKey(
        ClientCompany,
        on_delete=models.PROTECT,
        related_name="approvals",
        db_index=False,  # approval_company_status leads with it
    )
    version = models.ForeignKey(
        "documents.DocumentVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approvals",
    )
    invoice = models.ForeignKey(
        "invoices.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approvals",
    )
    sha256 = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ApprovalStatus, default=ApprovalStatus.PENDING)
    approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ApprovalApprover", related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When it stopped being pending: decided, superseded or cancelled.
    completed_at = models.DateTimeField(null=True, blank=True)
    # The earlier request this one asks again (on a newer version, say).
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rerequests"
    )
    # The activity-log entry that fixed the hash and the approvers, for the exported record.
    request_entry = models.OneToOneField(
        "activity.ActivityEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "status", "due_date"], name="approval_company_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(version__isnull=False, invoice__isnull=True)
                    | Q(version__isnull=True, invoice__isnull=False)
                ),
                name="approval_has_one_subject",
            ),
            # One open question per thing at a time; a second would split the answers.
            models.UniqueConstraint(
                fields=["version"],
                condition=Q(status=ApprovalStatus.PENDING),
                name="approval_one_pending_per_version",
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status=ApprovalStatus.PENDING),
                name="approval_one_pending_per_invoice",
            ),
        ]

    def __str__(self):
        return self.title

    @cached_property
    def approver_ids(self) -> frozenset[int]:
        # Through .all(), so a prefetch of approver_links serves it.
        return frozenset(link.user_id for link in self.approver_links.all())

    @property
    def subject_file(self):
        """The subject's StoredFile now: a version's never changes, an invoice's PDF may have
        been replaced since it was asked about (see ``asked_file``)."""
        return self.version.file if self.version_id else self.invoice.pdf

    @property
    def asked_file(self):
        """The StoredFile holding exactly the bytes asked about, or None once they are gone."""
        stored = self.subject_file
        return stored if stored is not None and stored.sha256 == self.sha256 else None

    @property
    def subject_label(self) -> str:
        if self.version_id:
            return f"{self.version.document.name}, version {self.version.number}"
        return str(self.invoice)

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING

    @property
    def is_overdue(self) -> bool:
        return (
            self.is_pending and self.due_date is not None and self.due_date < timezone.localdate()
        )


class ApprovalApprover(models.Model):
    approval = models.ForeignKey(
        ApprovalRequest,
        on_delete=models.CASCADE,
        related_name="approver_links",
        db_index=False,  # approver_once leads with it
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["approval", "user"], name="approver_once"),
        ]

    def __str__(self):
        return f"Approver {self.user_id} of {self.approval_id}"


class ApprovalDecision(models.Model):
    """One approver's immutable decision, with how and where they made it.

    Written once by ``approval_decide`` together with its activity-log entry, whose hash
    chain makes it tamper-evident; the database refuses updates and deletes.
    """

    approval = models.ForeignKey(
        ApprovalRequest,
        on_delete=models.PROTECT,
        related_name="decisions",
        db_index=False,  # decision_once leads with it
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision)
    comment = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64)
    signed_in_by = models.CharField(max_length=20, choices=SignInMethod)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    activity_entry = models.OneToOneField(
        "activity.ActivityEntry", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "decided_by"], name="decision_once"),
        ]

    def __str__(self):
        return f"{self.get_decision_display()} by {self.decided_by_id}"


class ApprovalNotice(models.Model):
    """One notice sent about an approval to one person, recorded with the send so a rerun or
    retried task never sends it twice. ``kind``: "reminder:<step>" (reminders.reminder_step)."""

    approval = models.ForeignKey(
        ApprovalRequest,
        on_delete=models.CASCADE,
        related_name="notices",
        db_index=False,  # approval_notice_once leads with it
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=40)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "recipient", "kind"], name="approval_notice_once"
            ),
        ]

    def __str__(self):
        return f"{self.kind} to {self.recipient_id} about {self.approval_id}"
