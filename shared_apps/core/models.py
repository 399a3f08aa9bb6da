import uuid

from django.db import models
from django.db.models.functions import Now


class OutboxTask(models.Model):
    """A Celery task queued by a change, kept until a worker starts it
    (shared_apps.core.tasks): written in the change's transaction, marked once published,
    deleted when the task starts (and published again if it has not started in time)."""

    # Sent as the Celery task id, so a worker's log names the row it came from and the
    # worker deletes the row by it as the task starts.
    task_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    name = models.CharField(max_length=200)
    args = models.JSONField()
    # Celery message headers; "_schema_name" is the schema the task runs in.
    headers = models.JSONField()
    created_at = models.DateTimeField(db_default=Now())
    # When it was last handed to Redis (null: not yet); a row still here long after is lost.
    published_at = models.DateTimeField(null=True)
    # Not to run before (Celery's eta), if it was queued with a countdown.
    eta = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"
