import logging

from celery import shared_task

from tenant_apps.files.actions import file_preview_save, stored_bytes_settle
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


# Retried with backoff while the database is still away (about an hour in all); after that
# files_sweep_orphans is the backstop.
@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=12)
def stored_file_settle(key: str) -> bool:
    """Keep or delete bytes stored by a transaction whose commit was cut off (see
    ``atomic_storing``). Idempotent: a second run finds them kept, or already gone."""
    return stored_bytes_settle(key=key)
