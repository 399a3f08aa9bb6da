from django.conf import settings
from django.db import models

from tenant_apps.activity import hashing
from tenant_apps.activity.descriptions import change_lines, describe


class ActivityEntry(models.Model):
    """One line of an agency's append-only, hash-chained activity log.

    ``entry_hash`` covers this entry's references, ``personal_digest`` (a salted commitment to
    its personal fields) and ``prev_hash``, so changing or deleting any entry breaks every
    link after it (see verify_activity_log). Erasing a person sets ``personal_salt`` to NULL
    and rewrites the personal fields of the entries naming them, the one UPDATE the table's
    trigger lets through (see hashing.py and migration 0005).
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
    # NULL once a person named by the entry was erased: its personal fields are no longer
    # what personal_digest commits to, and verification reports the entry as erased.
    personal_salt = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001 -- NULL marks an erased entry; the trigger tests it
    personal_digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    # Unique through Meta.constraints: no _like index, it is never matched by prefix.
    entry_hash = models.CharField(max_length=64)

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
        constraints = [
            models.UniqueConstraint(
                fields=["entry_hash"], name="activity_activityentry_entry_hash_key"
            )
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    @property
    def description(self) -> str:
        return describe(self.action, self.object_label, self.changes)

    @property
    def change_lines(self) -> list[str]:
        return change_lines(self.action, self.changes)

    @property
    def is_erased(self) -> bool:
        return self.personal_salt is None

    def personal_fields(self) -> dict:
        return {name: getattr(self, name) for name in hashing.PERSONAL_FIELDS}

    def compute_personal_digest(self) -> str:
        return hashing.personal_digest(self.personal_salt, self.personal_fields())

    def compute_hash(self) -> str:
        references = {name: getattr(self, name) for name in hashing.REFERENCE_FIELDS}
        references["occurred_at"] = self.occurred_at.isoformat()
        return hashing.chain_hash(
            references, personal_digest=self.personal_digest, prev_hash=self.prev_hash
        )

    def seal(self) -> None:
        """Salt and commit to the personal fields, then hash the entry (``prev_hash`` set)."""
        self.personal_salt = hashing.new_salt()
        self.personal_digest = self.compute_personal_digest()
        self.entry_hash = self.compute_hash()

    def verifies(self) -> bool:
        """Its hash matches its content; an erased entry's personal fields are not checked."""
        if not self.is_erased and self.compute_personal_digest() != self.personal_digest:
            return False
        return self.compute_hash() == self.entry_hash
