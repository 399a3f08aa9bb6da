import logging

from celery import shared_task

from tenant_apps.files.actions import file_preview_save
from tenant_apps.files.models import FilePreview, PreviewState, StoredFile
from tenant_apps.files.previews import Drawn, preview_draw

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def file_preview_make(file_id: int) -> str | None:
    """Draw a stored file's preview and keep it. Runs in the agency's schema (the task
    carries it). Idempotent: a file that has a preview (or no longer exists) is left alone.
    Returns the state it saved, if any."""
    stored = StoredFile.objects.filter(pk=file_id).first()
    if stored is None or FilePreview.objects.filter(file_id=file_id).exists():
        return None
    try:
        drawn = preview_draw(stored)
    except Exception:
        # preview_draw handles what files do; this is for what it did not foresee.
        logger.warning("Preview failed for stored file %s", file_id, exc_info=True)
        drawn = Drawn(PreviewState.FAILED)
    return file_preview_save(stored_file=stored, drawn=drawn).state
