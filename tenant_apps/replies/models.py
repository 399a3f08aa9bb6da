"""Saved replies: text the team keeps to answer clients quickly, with variables filled in
where a reply is written (``fill``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SavedReply(models.Model):
    """Shared with the whole team (``owner`` empty, kept by owners and admins) or one team
    member's own. ``uses`` counts how often it was put into a reply."""

    title = models.CharField(max_length=120)
    body = models.TextField(max_length=5000)
    # Without indexes: an agency keeps at most a few hundred (actions.MAX_REPLIES), and
    # every index is paid by every agency's schema.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    uses = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self):
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None
