"""Project updates: the milestones the team posts for each client company, and the weekly
client report's switch and its deliveries."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenant_apps.people.models import ClientCompany


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    BLOCKED = "blocked", "Blocked"


class Milestone(models.Model):
    """One step of the work for a client, in the order the team gives them (``position``)."""

    company = models.ForeignKey(
        ClientCompany,
        on_delete=models.PROTECT,
        related_name="milestones",
        db_index=False,  # milestone_position_once leads with it
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    due_date = models.DateField(null=True, blank=True)
    # 1, 2, 3… within the company; reordering swaps two in one transaction, so the uniqueness
    # is checked at commit.
    position = models.PositiveIntegerField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["company", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "position"],
                name="milestone_position_once",
                deferrable=models.Deferrable.DEFERRED,
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.due_date
            and self.status != MilestoneStatus.COMPLETED
            and self.due_date < timezone.localdate()
        )


class WeeklyReportSetting(models.Model):
    """Whether the agency's client admins get the weekly report: one row (pk 1) once the
    owner has chosen; without it the report is on."""

    is_enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Weekly client report {'on' if self.is_enabled else 'off'}"


class WeeklyReportDelivery(models.Model):
    """One weekly report emailed: the record that keeps a retried task from sending twice."""

    company = models.ForeignKey(
        ClientCompany,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # weekly_report_once leads with it
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    week = models.DateField(help_text="The Monday of the week reported on.")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "recipient", "week"], name="weekly_report_once"
            )
        ]

    def __str__(self):
        return f"Week of {self.week} to {self.recipient_id} ({self.company_id})"
