import uuid

from django.db import models
from django.db.models.functions import Now


class OutboxTask(models.Model):
    """A Celery task queued by a change, kept until it is handed to the broker
    (shared_apps.core.tasks): written in the change's transaction, deleted once published."""

    # Sent as the Celery task id, so a worker's log names the row it came from.
    task_id = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    args = models.JSONField()
    # Celery message headers; "_schema_name" is the schema the task runs in.
    headers = models.JSONField()
    created_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"
