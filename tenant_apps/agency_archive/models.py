from django.conf import settings
from django.db import models
from django.utils import timezone


class ExportState(models.TextChoices):
    PREPARING = "preparing", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be prepared"


class AgencyExport(models.Model):
    """An owner's request for the agency's full export, built by a task into one archive in
    the agency's file storage, downloadable by owners until ``expires_at``."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        max_length=10, choices=ExportState.choices, default=ExportState.PREPARING
    )
    # The archive, once built; gone (null) once it expired and was removed.
    file = models.ForeignKey(
        "files.StoredFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"Export of {self.requested_at:%Y-%m-%d %H:%M}"

    def downloadable(self, now) -> bool:
        return self.state == ExportState.READY and self.file_id and self.expires_at > now
