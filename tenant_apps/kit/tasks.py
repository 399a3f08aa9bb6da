"""Beat fan-out for the agency side (queueing one task: shared_apps.core.tasks)."""

from django_tenants.utils import tenant_context
from tenant_schemas_celery.task import headers_with_schema

from shared_apps.core.tasks import task_named
from tenants.models import Agency


def for_each_agency(task_name: str, *args) -> int:
    """Beat fan-out, run in the public schema: queue ``task_name`` once in the schema of
    every agency in service (live, not suspended: nobody is emailed about a workspace they
    cannot open; the sweeps catch up once it is restored). Returns how many were queued."""
    queued = 0
    for agency in Agency.objects.serving().iterator():
        with tenant_context(agency):
            task_named(task_name).apply_async(args, headers=headers_with_schema({}))
        queued += 1
    return queued
