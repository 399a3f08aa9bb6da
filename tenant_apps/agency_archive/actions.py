"""The owner's full export: ask for it, build it (a task), download it, and forget it once it
expired. The archive is the backup's (shared_apps.backups.archive) without the secrets."""

import hashlib
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from shared_apps.backups.archive import EXPORT, archive_write
from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.activity.actions import activity_record
from tenant_apps.agency_archive.audit import AgencyArchiveAudit
from tenant_apps.agency_archive.emails import export_ready_email
from tenant_apps.agency_archive.models import AgencyExport, ExportState
from tenant_apps.agency_archive.secrets import EXPORT_SECRETS
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import CHUNK_SIZE, file_storage

EXPORT_DAYS = 7  # how long a built export can be downloaded


def agency_export_request(*, actor, request=None) -> AgencyExport:
    """Ask for a full export; while one is being prepared, asking again gives that one."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Two clicks at once must not start two builds.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('agency_export_request'))")
        preparing = AgencyExport.objects.filter(state=ExportState.PREPARING).first()
        if preparing is not None:
            return preparing
        export = AgencyExport.objects.create(requested_by=actor)
        activity_record(
            action=AgencyArchiveAudit.EXPORT_REQUESTED, actor=actor, target=export, request=request
        )
        enqueue_on_commit("tenant_apps.agency_archive.tasks.agency_export_build", export.pk)
    return export


def agency_export_build(*, export_id: int) -> AgencyExport | None:
    """Write the export into the agency's file storage and email the owner who asked; None
    when it is not (or no longer) being prepared, so a repeated task does nothing."""
    export = AgencyExport.objects.filter(pk=export_id, state=ExportState.PREPARING).first()
    if export is None:
        return None
    agency_exports_expire()
    agency = connection.tenant
    # Earlier exports are files of the agency too, but no part of the next one.
    earlier = AgencyExport.objects.exclude(file=None).values_list("file__key", flat=True)
    now = timezone.now()
    key = f"{agency.schema_name}/{now:%Y/%m}/{uuid.uuid4().hex}"
    storage = file_storage()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.zip"
        archive_write(
            agency=agency,
            path=path,
            kind=EXPORT,
            secrets_left_out=EXPORT_SECRETS,
            skip_keys=set(earlier),
        )
        digest, size = hashlib.sha256(), path.stat().st_size
        with path.open("rb") as built:
            storage.save(key, _chunks(built, digest))
    try:
        with transaction.atomic():
            export = (
                AgencyExport.objects.select_for_update()
                .filter(pk=export_id, state=ExportState.PREPARING)
                .select_related("requested_by")
                .first()
            )
            if export is None:  # a duplicate task finished first
                storage.delete(key)
                return None
            export.file = StoredFile.objects.create(
                key=key,
                name=f"{agency.subdomain}-export-{now:%Y-%m-%d}.zip",
                size=size,
                sha256=digest.hexdigest(),
                content_type="application/zip",
                uploaded_by=export.requested_by,
                created_at=now,
            )
            export.state = ExportState.READY
            export.ready_at = timezone.now()
            export.expires_at = export.ready_at + timedelta(days=EXPORT_DAYS)
            export.save(update_fields=["file", "state", "ready_at", "expires_at"])
            activity_record(
                action=AgencyArchiveAudit.EXPORT_READY,
                target=export,
                changes={"size": filesizeformat(size)},
            )
            # Inside the transaction: a failed send rolls back, and the retry builds again.
            export_ready_email(export).send()
    except BaseException:
        storage.delete(key)
        raise
    return export


def agency_export_fail(*, export_id: int) -> None:
    """The build gave up: say so, so the owner can ask again."""
    AgencyExport.objects.filter(pk=export_id, state=ExportState.PREPARING).update(
        state=ExportState.FAILED
    )


def _chunks(stream, digest):
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
        yield chunk


def agency_export_download(*, export: AgencyExport, actor, request=None) -> StoredFile:
    """The export's archive, the download written to the log."""
    with transaction.atomic():
        activity_record(
            action=AgencyArchiveAudit.EXPORT_DOWNLOADED, actor=actor, target=export, request=request
        )
    return export.file


def agency_exports_lost() -> list[int]:
    """Exports still being prepared an hour after they were asked for: their task was lost
    (a broker outage, a worker killed)."""
    stale = timezone.now() - timedelta(hours=1)
    preparing = AgencyExport.objects.filter(state=ExportState.PREPARING, requested_at__lt=stale)
    return list(preparing.values_list("pk", flat=True))


def agency_exports_expire() -> int:
    """Remove the archives of exports past their time; returns how many."""
    expired = AgencyExport.objects.filter(expires_at__lte=timezone.now()).exclude(file=None)
    storage, removed = file_storage(), 0
    for export in expired.select_related("file"):
        with transaction.atomic():
            stored = export.file
            export.file = None
            export.save(update_fields=["file"])
            stored.delete()
            transaction.on_commit(lambda key=stored.key: storage.delete(key))
        removed += 1
    return removed
