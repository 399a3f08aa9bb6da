"""Time the team spends on clients' requests, and the retainers (hours a month) some client
companies buy. A company's month is computed from both (``selectors.retainer_month``)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def hours_text(minutes: int) -> str:
    """Minutes in words: "12 h 30 min", "45 min", "0 h"."""
    hours, rest = divmod(abs(minutes), 60)
    if not hours:
        return f"{rest} min" if rest else "0 h"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


class TimeEntry(models.Model):
    """Minutes one team member worked on one request, on a day (the agency's day). A running
    timer is an entry with ``started_at`` and no ``stopped_at`` (its minutes are 0 until it
    stops); at most one per person."""

    # Indexed: a request's entries are its time page, and a company's month is summed
    # through its requests.
    request = models.ForeignKey(
        "client_requests.ClientRequest", on_delete=models.CASCADE, related_name="+"
    )
    # Led by the one-running-timer constraint's index, which is all it is looked up by.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    worked_on = models.DateField()
    minutes = models.PositiveIntegerField(default=0)
    billable = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The draft invoice billable time was turned into (actions.time_invoice); time on a
    # voided invoice may be invoiced again. No index: looked up through the request's.
    invoice = models.ForeignKey(
        "invoices.Invoice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-worked_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(started_at__isnull=False, stopped_at__isnull=True),
                name="timesheets_one_running_timer",
            ),
        ]

    def __str__(self):
        return f"{self.minutes} min on #{self.request_id}"

    @property
    def is_running(self) -> bool:
        return self.started_at is not None and self.stopped_at is None


class Rollover(models.TextChoices):
    NONE = "none", "Unused hours lapse"
    CARRY = "carry", "Unused hours carry over, up to a cap"


class Retainer(models.Model):
    """A company's hours each month. Keyed by the company (no index of its own): at most one
    per company. Its terms count from ``starts_on`` (the first of the month it was set)."""

    company = models.OneToOneField(
        "people.ClientCompany", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    hours_per_month = models.DecimalField(max_digits=6, decimal_places=2)
    rollover = models.CharField(max_length=8, choices=Rollover.choices, default=Rollover.NONE)
    rollover_cap_hours = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(0))
    starts_on = models.DateField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        hours = format(self.hours_per_month.normalize(), "f")
        return f"{self.company}, {hours} h a month"

    @property
    def minutes_per_month(self) -> int:
        return int(self.hours_per_month * 60)

    @property
    def cap_minutes(self) -> int:
        return int(self.rollover_cap_hours * 60) if self.rollover == Rollover.CARRY else 0
