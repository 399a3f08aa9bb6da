from celery import shared_task

from tenant_apps.kit.tasks import for_each_agency
from tenant_apps.retention.actions import retention_apply


@shared_task(ignore_result=True)
def retention_sweep() -> None:
    """Beat task, in the public schema: apply each agency's retention settings in its schema."""
    for_each_agency(retention_apply_agency.name)


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def retention_apply_agency() -> dict[str, int]:
    """Apply the retention settings of the agency whose schema the task runs in. Safe to run
    again: what went is gone, and a run that removes nothing writes nothing."""
    return retention_apply()
