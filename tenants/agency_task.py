"""The Celery task class: tenant-schemas-celery's, holding an agency's tasks while it moves."""

from django.db import connection
from tenant_schemas_celery.task import TenantTask

from tenants.middleware import MOVING_RETRY_AFTER_SECONDS


class AgencyTask(TenantTask):
    abstract = True

    def __call__(self, *args, **kwargs):
        # The agency was read afresh as the task started (tenant-schemas-celery caches none).
        if getattr(connection.tenant, "moving_since", None) and not self.request.is_eager:
            # Sent again for later rather than retried: a move uses no task's retry budget.
            self.apply_async(args, kwargs, countdown=MOVING_RETRY_AFTER_SECONDS)
            return None
        return super().__call__(*args, **kwargs)
