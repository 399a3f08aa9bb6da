"""A person's own data export: one archive per request, built by a task, downloaded once."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ExportState(models.TextChoices):
    PREPARING = "preparing", "Being prepared"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Could not be prepared"
    EXPIRED = "expired", "No longer available"


class PersonExport(models.Model):
    """One archive of everything about ``person``, asked for by themselves.

    The archive is a StoredFile in the agency's file storage (so its key starts with the
    agency's schema and the orphan sweep leaves it alone); ``size`` and ``sha256`` stay
    after the bytes are removed, as the record of what was handed out. The emailed link's
    secret is never stored: only its SHA-256 (``token_digest``).
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_exports",
        db_index=False,  # person_export_recent leads with it
    )
    state = models.CharField(max_length=12, choices=ExportState, default=ExportState.PREPARING)
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    archive = models.OneToOneField(
        "files.StoredFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # Unique through Meta.constraints: no _like index, it is never matched by prefix.
    token_digest = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 -- NULL: no secret yet; unique but for NULLs
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["person", "-requested_at"], name="person_export_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state=ExportState.PREPARING),
                name="person_export_one_preparing",
            ),
            models.UniqueConstraint(
                fields=["token_digest"], name="data_export_personexport_token_digest_key"
            ),
        ]

    def __str__(self):
        return f"Data export {self.pk}"

    @property
    def is_downloadable(self) -> bool:
        return (
            self.state == ExportState.READY
            and self.downloaded_at is None
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )
