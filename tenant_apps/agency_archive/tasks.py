from celery import shared_task

from tenant_apps.agency_archive.actions import agency_export_build as build
from tenant_apps.agency_archive.actions import agency_export_fail


@shared_task(bind=True, ignore_result=True, max_retries=3)
def agency_export_build(self, export_id: int) -> bool:
    """Build the export ``export_id`` in the agency's schema (the task carries it); safe to run
    twice: a built export is left as it is. Returns whether this run built it. After the last
    retry the export is marked failed, so the page stops saying it is being prepared."""
    try:
        return build(export_id=export_id) is not None
    except Exception as error:
        if self.request.retries >= self.max_retries:
            agency_export_fail(export_id=export_id)
            raise
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
