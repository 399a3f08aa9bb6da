from celery import shared_task

from tenant_apps.agency_archive.actions import agency_export_build as build
from tenant_apps.agency_archive.actions import (
    agency_export_fail,
    agency_exports_expire,
    agency_exports_lost,
)
from tenant_apps.kit.tasks import for_each_agency


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


@shared_task(ignore_result=True)
def agency_exports_sweep() -> None:
    """Beat task (daily), in the public schema: each live agency's exports swept."""
    for_each_agency(agency_exports_sweep_agency.name)


@shared_task(ignore_result=True)
def agency_exports_sweep_agency() -> int:
    """Remove expired exports' files and queue again the builds whose task was lost; returns
    how many were removed."""
    for export_id in agency_exports_lost():
        agency_export_build.delay(export_id)
    return agency_exports_expire()
