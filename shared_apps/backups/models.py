from django.db import models
from django.utils import timezone


class PersonErasure(models.Model):
    """A person erased from an agency, kept in the public schema so that restoring an older
    backup of the agency (whose schema still holds the person) erases them again.

    Keyed by the agency's schema name, not a foreign key: the record outlives the agency's
    deletion (a backup taken before may be restored later) and holds no personal data.
    """

    schema_name = models.CharField(max_length=63, db_index=True)
    user_id = models.PositiveIntegerField()  # the person's User id in that schema
    tombstone = models.CharField(max_length=150)  # what they are called now: "Former client 17"
    erased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["erased_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["schema_name", "user_id"], name="backups_one_erasure_per_person"
            )
        ]

    def __str__(self):
        return f"{self.schema_name}: {self.tombstone}"
