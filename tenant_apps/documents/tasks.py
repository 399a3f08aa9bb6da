import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from tenant_apps.documents.actions import document_search_refresh
from tenant_apps.documents.extraction import version_text
from tenant_apps.documents.models import DocumentVersion, ExtractionState
from tenant_apps.kit.tasks import for_each_agency

logger = logging.getLogger(__name__)

# A version still pending this long after upload lost its task (a broker outage, a crash).
SWEEP_AFTER = timedelta(minutes=15)


@shared_task(ignore_result=True)
def version_text_extract(version_id: int) -> str | None:
    """Extract a version's searchable text, then rebuild its document's search vector.

    Runs in the agency's schema (the task carries it). Idempotent: a version no longer
    pending is left alone, and the result is written only while it is still pending, so a
    second run, at once or later, changes nothing. Returns the state it wrote, if any.
    """
    version = DocumentVersion.objects.select_related("file").filter(pk=version_id).first()
    if version is None or version.extraction != ExtractionState.PENDING:
        return None
    try:
        text, state = version_text(version.file)
    except Exception:
        # Damaged or hostile files are expected here; they stay downloadable, unsearched.
        logger.warning("Text extraction failed for version %s", version_id, exc_info=True)
        text, state = "", ExtractionState.FAILED
    with transaction.atomic():
        written = DocumentVersion.objects.filter(
            pk=version_id, extraction=ExtractionState.PENDING
        ).update(extracted_text=text, extraction=state)
        if written:
            document_search_refresh(version.document_id)
    return state if written else None


@shared_task(ignore_result=True)
def extraction_sweep() -> None:
    """Beat task, in the public schema: re-queue lost extractions in each live agency."""
    for_each_agency(extraction_sweep_agency.name)


@shared_task(ignore_result=True)
def extraction_sweep_agency() -> int:
    """Queue extraction again for this agency's versions pending too long; returns how many."""
    stale = DocumentVersion.objects.filter(
        extraction=ExtractionState.PENDING, created_at__lt=timezone.now() - SWEEP_AFTER
    ).values_list("pk", flat=True)
    count = 0
    for version_id in stale.iterator():
        version_text_extract.delay(version_id)
        count += 1
    return count
