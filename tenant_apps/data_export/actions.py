"""Writes for a person's own data export: asking, storing the built archive, downloading it
once, and removing it when its link's time is up."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.activity.actions import activity_record
from tenant_apps.data_export.archive import Built
from tenant_apps.data_export.audit import DataExportAudit
from tenant_apps.data_export.emails import person_export_email
from tenant_apps.data_export.models import ExportState, PersonExport
from tenant_apps.data_export.selectors import export_token, exports_to_remove
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import CHUNK_SIZE, file_storage
from tenant_apps.security.link_secrets import link_secret_new

ONLY_YOURSELF = "You can only ask for an export of your own data."
ALREADY_PREPARING = (
    "Your export is already being prepared. We'll email you when it is ready; ask again after that."
)
ARCHIVE_CONTENT_TYPE = "application/zip"


def person_export_request(*, person, actor, request=None) -> PersonExport:
    """Ask for an archive of ``person``'s own data (only ``actor`` themselves may); the task
    builds it after the commit. One at a time: a second while one is prepared is refused."""
    if person.pk != actor.pk:
        raise ValidationError({"person": ONLY_YOURSELF})
    with transaction.atomic():
        try:
            # Its own savepoint: the unique index refuses a second one being prepared, even
            # when two clicks race.
            with transaction.atomic():
                export = PersonExport.objects.create(person=person)
        except IntegrityError:
            raise ValidationError(ALREADY_PREPARING, code="already_preparing") from None
        activity_record(
            action=DataExportAudit.DATA_EXPORT_REQUESTED,
            actor=actor,
            target=export,
            request=request,
        )
        enqueue_on_commit("tenant_apps.data_export.tasks.person_export_build", export.pk)
    return export


def person_export_store(*, export_id: int, built: Built) -> PersonExport | None:
    """Keep the archive ``built`` for export ``export_id`` in the agency's file storage and
    email its person a single-use link, if it is still being prepared (else None: another
    run did it). The bytes go first; they are deleted again if anything after fails."""
    now = timezone.now()
    key = f"{connection.schema_name}/{now:%Y/%m}/{uuid.uuid4().hex}"
    storage = file_storage()
    storage.save(key, iter(lambda: built.file.read(CHUNK_SIZE), b""))
    try:
        with transaction.atomic():
            export = (
                PersonExport.objects.select_for_update(of=("self",))
                .select_related("person")
                .filter(pk=export_id, state=ExportState.PREPARING)
                .first()
            )
            if export is None:
                storage.delete(key)
                return None
            person = export.person
            export.archive = StoredFile.objects.create(
                key=key,
                name=f"your-data-{connection.tenant.subdomain}-{now:%Y-%m-%d}.zip",
                size=built.size,
                sha256=built.sha256,
                content_type=ARCHIVE_CONTENT_TYPE,
                uploaded_by=person,
                created_at=now,
            )
            secret, digest = link_secret_new()
            export.state = ExportState.READY
            export.ready_at = now
            export.size = built.size
            export.sha256 = built.sha256
            export.token_digest = digest
            export.expires_at = now + timedelta(hours=settings.PERSON_EXPORT_LINK_HOURS)
            export.save()
            activity_record(
                action=DataExportAudit.DATA_EXPORT_READY,
                target=export,
                changes={"person": person.email, "size": built.size, "sha256": built.sha256},
            )
            # Inside the transaction: a failed send rolls the row back and the bytes go below.
            person_export_email(export, export_token(secret)).send()
    except BaseException:
        storage.delete(key)
        raise
    return export


def person_export_fail(*, export_id: int) -> bool:
    """Mark an export that could not be built as failed (if it still was being prepared), so
    its person may ask again. Returns whether it did."""
    with transaction.atomic():
        export = (
            PersonExport.objects.select_for_update(of=("self",))
            .select_related("person")
            .filter(pk=export_id, state=ExportState.PREPARING)
            .first()
        )
        if export is None:
            return False
        export.state = ExportState.FAILED
        export.save(update_fields=["state"])
        activity_record(
            action=DataExportAudit.DATA_EXPORT_FAILED,
            target=export,
            changes={"person": export.person.email},
        )
    return True


class AlreadyDownloaded(Exception):
    """The archive was downloaded (or ran out) between the check and the claim."""


def person_export_download(*, export: PersonExport, person, request=None) -> StoredFile:
    """Spend the archive's one download, for its own person; returns the file to send.
    Raises AlreadyDownloaded when another download (or the expiry) came first."""
    with transaction.atomic():
        claimed = PersonExport.objects.filter(
            pk=export.pk,
            person=person,
            state=ExportState.READY,
            downloaded_at__isnull=True,
            expires_at__gt=timezone.now(),
            archive__isnull=False,
        ).update(downloaded_at=timezone.now())
        if not claimed:
            raise AlreadyDownloaded
        activity_record(
            action=DataExportAudit.DATA_EXPORT_DOWNLOADED,
            actor=person,
            target=export,
            request=request,
        )
    return export.archive


# A download's bytes stay this long after it began: a slow stream, or an S3 redirect, still
# finds them.
DOWNLOAD_GRACE = timedelta(hours=1)
# An export still being prepared after this lost its task (a broker outage, a killed worker).
PREPARING_LOST_AFTER = timedelta(days=1)


def person_exports_expire(*, now=None) -> int:
    """Remove the archives whose link ran out or that were downloaded (bytes and file row;
    the export row stays, expired, as the record), and fail exports whose task was lost.
    Returns how many archives were removed. A rerun finds nothing left to do."""
    now = now or timezone.now()
    storage = file_storage()
    removed = 0
    for export_id in exports_to_remove(downloaded_before=now - DOWNLOAD_GRACE, now=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            export = (
                PersonExport.objects.select_for_update(of=("self",))
                .select_related("person", "archive")
                .filter(pk=export_id, state=ExportState.READY)
                .first()
            )
            if export is None:
                continue
            archive = export.archive
            export.state = ExportState.EXPIRED
            export.archive = None
            export.token_digest = None
            export.removed_at = now
            export.save()
            if archive is not None:
                archive.delete()
            activity_record(
                action=DataExportAudit.DATA_EXPORT_REMOVED,
                target=export,
                changes={"person": export.person.email},
            )
        # After the commit: a failure here leaves an orphan for files_sweep_orphans, never a
        # row without its bytes.
        if archive is not None:
            storage.delete(archive.key)
        removed += 1
    lost = PersonExport.objects.filter(
        state=ExportState.PREPARING, requested_at__lt=now - PREPARING_LOST_AFTER
    ).values_list("pk", flat=True)
    for export_id in lost:
        person_export_fail(export_id=export_id)
    return removed
