from django.conf import settings
from django.db import models
from django.utils import timezone

from tenant_apps.people.models import ClientCompany


class FileRequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    FULFILLED = "fulfilled", "Uploaded"
    CANCELLED = "cancelled", "Cancelled"


class FileRequest(models.Model):
    """The team asks a client company for a file; a client uploads it into the document hub.

    ``folder`` is where the upload lands (the company's top level without one); ``requested_from``
    names one client person to ask, or nobody in particular (then the company's contributors).
    """

    company = models.ForeignKey(
        ClientCompany,
        on_delete=models.PROTECT,
        related_name="file_requests",
        db_index=False,  # file_request_open leads with it
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)
    folder = models.ForeignKey(
        "documents.Folder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_from = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=FileRequestStatus.choices, default=FileRequestStatus.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "status", "due_date"], name="file_request_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status=FileRequestStatus.FULFILLED, document__isnull=False)
                    | ~models.Q(status=FileRequestStatus.FULFILLED)
                ),
                name="file_request_fulfilled_has_document",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == FileRequestStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_open and self.due_date and self.due_date < timezone.localdate())


class DueStep(models.TextChoices):
    TOMORROW = "tomorrow", "Due tomorrow"
    TODAY = "today", "Due today"
    OVERDUE = "overdue", "Overdue"


class DueReminder(models.Model):
    """One due-date reminder sent about one item: each step once per due date.

    A moved due date arms the steps again; a rerun or a retry of the sweep finds the row
    and sends nothing.
    """

    subject = models.CharField(max_length=40)  # "request", "file_request"
    object_id = models.PositiveBigIntegerField()
    due_date = models.DateField()
    step = models.CharField(max_length=10, choices=DueStep.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "object_id", "due_date", "step"], name="due_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.step} reminder for {self.subject} {self.object_id}"
