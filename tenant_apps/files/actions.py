"""Storing files: the one way bytes get into file storage, and the sweep for leftovers."""

import itertools
import logging
import uuid
from contextlib import contextmanager
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from tenant_schemas_celery.task import headers_with_schema

from billing.limits import storage_check as billing_storage_check
from shared_apps.core.outages import DATABASE_RETRY_AFTER_SECONDS, database_unavailable, disk_full
from shared_apps.core.tasks import enqueue_on_commit, task_named
from tenant_apps.files.models import (
    FilePreview,
    StoredFile,
    page_key,
    preview_owner_key,
)
from tenant_apps.files.previews import IMAGES, Drawn
from tenant_apps.files.selectors import storage_used
from tenant_apps.files.storage import file_storage
from tenant_apps.files.validation import PDF, TEXT, UploadStream, storage_full, upload_accept

logger = logging.getLogger(__name__)
ORPHAN_BATCH_SIZE = 1000


def file_store(*, upload, uploaded_by, max_bytes=None) -> StoredFile:
    """Check ``upload``, stream it into the current agency's private storage, return its row.

    A refusal raises ``ValidationError`` naming the file and the reason; so does a full disk
    (code ``storage_full``). Whatever fails, nothing is left: the object is written
    (atomically) before its row and deleted again if the row cannot be written. One window
    remains: when the caller's transaction rolls back after this returns, the object outlives
    its row; ``manage.py files_sweep_orphans`` removes it later.
    The owning feature records the activity entry, since only it knows what the file is for.
    """
    limit = settings.FILE_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    accepted = upload_accept(upload, max_bytes=limit)
    # The plan's storage limit.
    billing_storage_check(name=accepted.name, size=upload.size, used=storage_used)
    stream = UploadStream(upload, accepted=accepted, max_bytes=limit)
    created_at = timezone.now()
    key = f"{connection.schema_name}/{created_at:%Y/%m}/{uuid.uuid4().hex}"
    storage = file_storage()
    try:
        storage.save(key, stream)
    except OSError as error:
        if not disk_full(error):
            raise
        # Operators must hear of it (Sentry's logging integration too); the person is told.
        logger.error("File storage is full: %s could not be written", key)
        raise storage_full(accepted.name) from error
    try:
        with transaction.atomic():
            stored = StoredFile.objects.create(
                key=key,
                name=accepted.name,
                size=stream.size,
                sha256=stream.sha256,
                content_type=accepted.content_type,
                uploaded_by=uploaded_by,
                created_at=created_at,
            )
    except BaseException:
        storage.delete(key)
        raise
    if accepted.kind in PREVIEWED_KINDS:
        file_preview_queue(stored)
    return stored


@contextmanager
def atomic_storing(uploads, *, uploaded_by, max_bytes=None):
    """A transaction that begins by storing ``uploads`` and yields their rows.

    Storage is not transactional: if the transaction fails (a later file refused, any later
    step raising), the rows roll back but the bytes would stay, so they are deleted here.
    But when the connection is lost while committing, PostgreSQL may or may not have
    committed: the bytes stay, and a task deletes them once the database answers again if
    no row names them (``stored_bytes_settle``).
    """
    stored = []
    committing = False
    try:
        with transaction.atomic():
            for upload in uploads:
                stored.append(
                    file_store(upload=upload, uploaded_by=uploaded_by, max_bytes=max_bytes)
                )
            yield stored
            committing = len(connection.atomic_blocks) == 1  # leaving this block commits
    except BaseException as error:
        if committing and database_unavailable(error):
            _settle_later([stored_file.key for stored_file in stored])
            raise
        storage = file_storage()
        for stored_file in stored:
            storage.delete(stored_file.key)
        raise


def _settle_later(keys: list[str]) -> None:
    """Have a worker settle ``keys`` once the database is back (it is not now). Queued at
    once, not on a commit that failed; a broker that is down too leaves them to
    ``files_sweep_orphans``."""
    headers = headers_with_schema({})  # the agency's; no query
    for key in keys:
        try:
            task_named("tenant_apps.files.tasks.stored_file_settle").apply_async(
                (key,), headers=headers, countdown=DATABASE_RETRY_AFTER_SECONDS, retry=False
            )
        except Exception:
            logger.warning("Could not queue settling %s; files_sweep_orphans will", key)


def stored_bytes_settle(*, key: str) -> bool:
    """Delete the bytes of ``key`` unless a StoredFile row names them (its transaction's
    outcome was unknown when the connection broke; by now it is final). True if deleted."""
    if StoredFile.objects.filter(key=key).exists():
        return False
    file_storage().delete(key)
    return True


PREVIEWED_KINDS = (PDF, TEXT, *IMAGES)


def file_preview_queue(stored_file: StoredFile) -> None:
    """Have ``stored_file``'s preview made by a worker after the commit (once: the task
    skips a file that has one). ``selectors.file_preview`` queues again one that never came."""
    enqueue_on_commit("tenant_apps.files.tasks.file_preview_make", stored_file.pk)


def file_preview_save(*, stored_file: StoredFile, drawn: Drawn) -> FilePreview:
    """Store ``drawn`` as ``stored_file``'s preview, once: pages first (their keys are fixed,
    so a second writer writes the same bytes), then the row; a row already there wins."""
    storage = file_storage()
    for number, png in enumerate(drawn.pages, start=1):
        storage.save(page_key(stored_file.key, number), [png])
    try:
        with transaction.atomic():
            preview, _created = FilePreview.objects.get_or_create(
                file=stored_file,
                defaults={
                    "state": drawn.state,
                    "pages": len(drawn.pages),
                    "page_count": drawn.page_count,
                    "text": drawn.text,
                },
            )
    except IntegrityError:  # a concurrent run saved it between the look and the insert
        preview = FilePreview.objects.get(file=stored_file)
    return preview


def stored_files_delete(*, file_ids) -> int:
    """Delete the rows of ``file_ids`` (nothing may point at them any more: PROTECT says so)
    and, once the transaction commits, their bytes and preview pages: a rollback keeps both.
    Returns how many rows went. Three queries, however many files."""
    keys = [
        key
        for file_key, pages in StoredFile.objects.filter(pk__in=file_ids).values_list(
            "key", "preview__pages"
        )
        for key in (file_key, *(page_key(file_key, n) for n in range(1, (pages or 0) + 1)))
    ]
    deleted = StoredFile.objects.filter(pk__in=file_ids).delete()[1].get(StoredFile._meta.label, 0)

    def delete_bytes():
        storage = file_storage()
        for key in keys:
            storage.delete(key)

    transaction.on_commit(delete_bytes, robust=True)
    return deleted


def file_orphans_delete(*, older_than: datetime) -> int:
    """Delete the current agency's stored objects that no row names, last written before
    ``older_than``; returns how many. Leave uploads in flight alone with a generous cutoff."""
    storage = file_storage()
    stale = (
        key for key, modified in storage.listing(connection.schema_name) if modified < older_than
    )
    deleted = 0
    for batch in itertools.batched(stale, ORPHAN_BATCH_SIZE):
        owners = {key: preview_owner_key(key) for key in batch}
        known = set(
            StoredFile.objects.filter(key__in=set(owners.values())).values_list("key", flat=True)
        )
        for key in batch:
            # A preview page lives as long as its file.
            if owners[key] not in known:
                storage.delete(key)
                deleted += 1
    return deleted
