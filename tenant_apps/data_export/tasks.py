"""The person export's tasks; each runs in the agency's schema (the task carries it)."""

import logging

from celery import shared_task

from tenant_apps.data_export.actions import (
    person_export_fail,
    person_export_store,
    person_exports_expire,
)
from tenant_apps.data_export.archive import archive_built
from tenant_apps.data_export.models import ExportState, PersonExport
from tenant_apps.kit.tasks import for_each_agency

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def person_export_build(export_id: int) -> bool:
    """Build export ``export_id``'s archive, store it and email its link. Idempotent: an
    export no longer being prepared is left alone, and of two runs at once only one keeps
    its archive. A failure marks the export failed, so its person can ask again. Returns
    whether this run delivered it."""
    export = (
        PersonExport.objects.select_related("person")
        .filter(pk=export_id, state=ExportState.PREPARING)
        .first()
    )
    if export is None:
        return False
    try:
        with archive_built(export.person) as built:
            return person_export_store(export_id=export_id, built=built) is not None
    except Exception:
        logger.exception("Person export %s could not be built", export_id)
        person_export_fail(export_id=export_id)
        return False


@shared_task(ignore_result=True)
def person_exports_expire_all() -> None:
    """Beat task, in the public schema: remove expired archives in each agency's schema."""
    for_each_agency(person_exports_expire_agency.name)


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def person_exports_expire_agency() -> int:
    """Remove this agency's archives whose link ran out or that were downloaded."""
    return person_exports_expire()
