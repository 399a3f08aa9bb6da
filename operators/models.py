"""The platform operators' own records, all in the public schema.

Nothing here is an agency's data: agencies are referred to by id and a label written at the
time, so deleting an agency never rewrites what operators did to it.
"""

import hashlib
import json

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from operators.roles import Role


class Operator(models.Model):
    """A platform operator: a user of the public schema with a role. Agency people live in
    their agencies' schemas and can never be operators."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operator"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__email"]

    def __str__(self):
        return f"{self.user.email} ({self.get_role_display()})"


class OperatorLogEntry(models.Model):
    """One line of the operators' append-only, hash-chained log (like an agency's activity
    log): ``entry_hash`` covers the content and ``prev_hash``."""

    occurred_at = models.DateTimeField(db_index=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    operator_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64)
    # The agency acted on, by id and name as they were (the agency may be deleted since).
    agency_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    agency_label = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "operator log entries"

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.operator_label} {self.action}"

    def compute_hash(self) -> str:
        content = {
            "occurred_at": self.occurred_at.isoformat(),
            "operator_id": self.operator_id,
            "operator_label": self.operator_label,
            "action": self.action,
            "agency_id": self.agency_id,
            "agency_label": self.agency_label,
            "reason": self.reason,
            "changes": self.changes,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "prev_hash": self.prev_hash,
        }
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


class AgencyUsageDay(models.Model):
    """One agency's usage on one day, gathered by a periodic task so that the console never
    queries every schema to draw a page."""

    agency = models.ForeignKey("tenants.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    seats = models.PositiveIntegerField(default=0)
    client_companies = models.PositiveIntegerField(default=0)
    client_people = models.PositiveIntegerField(default=0)
    storage_bytes = models.PositiveBigIntegerField(default=0)
    requests_total = models.PositiveIntegerField(default=0)
    requests_last_30_days = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    failed_tasks = models.PositiveIntegerField(default=0)
    webhook_failures = models.PositiveIntegerField(default=0)
    bounced_emails = models.PositiveIntegerField(default=0)
    # Whom to contact, as the agency's people were that day (they live in its schema): the
    # longest-serving active owner, and every active owner and admin as
    # [{"name", "email", "role"}].
    owner_name = models.CharField(max_length=150, blank=True)
    owner_email = models.EmailField(blank=True)
    contacts = models.JSONField(default=list, blank=True)
    gathered_at = models.DateTimeField()

    class Meta:
        ordering = ["agency", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="usage_one_row_per_agency_day")
        ]

    def __str__(self):
        return f"agency {self.agency_id} on {self.day}"


class SupportGrant(models.Model):
    """An agency owner's consent to support access until ``ends_at`` (or revoked)."""

    agency = models.ForeignKey(
        "tenants.Agency", on_delete=models.CASCADE, related_name="support_grants"
    )
    # The owner who granted it, in the agency's schema (ids repeat across schemas).
    granted_by_id = models.BigIntegerField()
    granted_by_label = models.CharField(max_length=254)
    note = models.CharField(max_length=300, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["agency", "ends_at"], name="grant_agency_ends_idx")]

    def __str__(self):
        return f"support access to agency {self.agency_id} until {self.ends_at:%Y-%m-%d %H:%M}"


class ImpersonationSession(models.Model):
    """A support operator acting as one of an agency's people, under a grant, for a reason."""

    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The operator's email then: read on the agency's host, where ``operator`` (a public-schema
    # user) cannot be joined (the agency's own user table shadows it on the search path).
    operator_label = models.CharField(max_length=254, blank=True)
    agency = models.ForeignKey("tenants.Agency", on_delete=models.CASCADE, related_name="+")
    grant = models.ForeignKey(SupportGrant, on_delete=models.PROTECT, related_name="sessions")
    # The person acted as, in the agency's schema.
    target_user_id = models.BigIntegerField()
    target_label = models.CharField(max_length=254)
    reason = models.TextField()
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # How it ended (operators.impersonation.EndedHow), as both logs say.
    ended_how = models.CharField(max_length=32, blank=True)
    # A single-use secret the operator's browser trades for a session on the agency's host.
    handoff_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.operator_id} as {self.target_label} in agency {self.agency_id}"


class Announcement(models.Model):
    """A message from the platform shown in agencies' portals between two times."""

    class Audience(models.TextChoices):
        OWNER = "owner", "Owners"
        ADMIN = "admin", "Admins"
        STAFF = "staff", "Staff"
        CLIENT = "client", "Clients"

    class Level(models.TextChoices):
        INFO = "info", "Information"
        WARNING = "warning", "Warning"

    title = models.CharField(max_length=120)
    body = models.TextField(max_length=2000)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # Empty: everyone. Plan keys of settings.BILLING_PLANS; audiences above.
    plans = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    audiences = ArrayField(
        models.CharField(max_length=10, choices=Audience.choices), default=list, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="announcement_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return self.title


class AnnouncementDismissal(models.Model):
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="dismissals"
    )
    agency = models.ForeignKey("tenants.Agency", on_delete=models.CASCADE, related_name="+")
    user_id = models.BigIntegerField()  # in the agency's schema
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "agency", "user_id"], name="dismissed_once"
            )
        ]

    def __str__(self):
        return f"{self.announcement_id} dismissed by {self.user_id} in agency {self.agency_id}"


class EmailBounce(models.Model):
    """An agency's email that bounced, was rejected or drew a spam complaint, as the ESP's
    tracking webhook reported it (operators.email_events)."""

    # Null: the message carried no agency (a platform email) or the agency is gone.
    agency = models.ForeignKey(
        "tenants.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event_type = models.CharField(max_length=20)  # anymail's: bounced, rejected, complained
    recipient = models.CharField(max_length=254, blank=True)
    description = models.CharField(max_length=300, blank=True)
    # The ESP's id of the event, so a webhook sent again records it once.
    esp_event_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["agency", "occurred_at"], name="bounce_agency_time_idx")]

    def __str__(self):
        return f"{self.event_type} to {self.recipient} ({self.agency_id})"
