import hashlib
import json

from django.conf import settings
from django.db import models

from tenant_apps.activity.descriptions import change_lines, describe


class ActivityEntry(models.Model):
    """One line of an agency's append-only, hash-chained activity log.

    ``entry_hash`` covers this entry's content and ``prev_hash``, so changing
    or deleting any entry breaks every link after it (see verify_activity_log).
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (actor, id) in Meta
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64)  # (action, id) in Meta
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # The client company the entry concerns (the target's, else the actor's), so the
    # workspace log can be filtered by client without joining through memberships.
    company = models.ForeignKey(
        "people.ClientCompany",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (company, id) in Meta
    )
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "activity entries"
        # One per filter of the log, each ending in id so a newest-first page of a
        # person's, a client's or an action's entries is an index range scan.
        indexes = [
            models.Index(fields=["actor", "id"], name="activity_actor_id_idx"),
            models.Index(fields=["company", "id"], name="activity_company_id_idx"),
            models.Index(fields=["action", "id"], name="activity_action_id_idx"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    @property
    def description(self) -> str:
        return describe(self.action, self.object_label, self.changes)

    @property
    def change_lines(self) -> list[str]:
        return change_lines(self.action, self.changes)

    def compute_hash(self) -> str:
        content = {
            "occurred_at": self.occurred_at.isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_label": self.object_label,
            "changes": self.changes,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "prev_hash": self.prev_hash,
        }
        # Left out when empty so entries written before the field existed still verify.
        if self.company_id is not None:
            content["company_id"] = self.company_id
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()
