"""The Celery task class: tenant-schemas-celery's, holding an agency's tasks while it moves,
and never running one on another schema than the one it was sent for."""

from django.db import connection
from tenant_schemas_celery.app import get_schema_name_from_task
from tenant_schemas_celery.task import TenantTask

from tenants.middleware import MOVING_RETRY_AFTER_SECONDS


class AgencyTask(TenantTask):
    abstract = True

    def __call__(self, *args, **kwargs):
        self._on_own_schema()
        # The agency was read afresh as the task started (tenant-schemas-celery caches none).
        if getattr(connection.tenant, "moving_since", None) and not self.request.is_eager:
            # Sent again for later rather than retried: a move uses no task's retry budget.
            self.apply_async(args, kwargs, countdown=MOVING_RETRY_AFTER_SECONDS)
            return None
        return super().__call__(*args, **kwargs)

    def _on_own_schema(self) -> None:
        """tenant-schemas-celery switches schema in a task_prerun handler; when it cannot read
        the agency (PostgreSQL restarting, the agency deleted since), Celery logs the handler's
        error and runs the task anyway, on the public schema, whose users table is the
        operators'. Switch here instead: the agency is read again, and if that fails too the
        task fails with the error, having run nowhere."""
        schema = get_schema_name_from_task(self, {}) or connection.schema_name
        if connection.schema_name != schema:
            connection.set_tenant(self.get_tenant_for_schema(schema_name=schema))
