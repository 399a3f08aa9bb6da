from celery import shared_task

from tenant_apps.documents.models import DocumentVersion, ExtractionState


@shared_task(ignore_result=True)
def version_text_extract(version_id: int) -> None:
    """Extract searchable text from a version (runs in the agency's schema)."""
    DocumentVersion.objects.filter(pk=version_id, extraction=ExtractionState.PENDING).update(
        extraction=ExtractionState.NONE
    )
