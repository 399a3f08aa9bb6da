"""Every write to the document hub: each in a transaction and in the activity log."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.activity.actions import activity_record
from tenant_apps.documents.audit import DocumentAudit
from tenant_apps.documents.models import (
    Document,
    DocumentKind,
    DocumentVersion,
    ExtractionState,
    Folder,
)
from tenant_apps.documents.signals import version_added
from tenant_apps.files.actions import atomic_storing


def upload_limit() -> int:
    """The agency's per-file upload limit in bytes (a setting for now; later the plan's)."""
    return settings.DOCUMENT_MAX_UPLOAD_BYTES


DUPLICATE_DOCUMENT = (
    "A document with that name is already in this folder; upload a new version of it instead."
)


def _extract_later(version: DocumentVersion) -> None:
    # The extraction sweep extracts what a lost message missed.
    enqueue_on_commit("tenant_apps.documents.tasks.version_text_extract", version.pk)


def document_search_refresh(document_id: int) -> None:
    """Rebuild a document's search vector: its name (punctuation split, so "Q3-report.pdf"
    is found by "report"), its description, and the text of its newest version whose
    extraction has finished, so a new version's text replaces the old only once it is in."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE documents_document d SET search_vector =
                setweight(to_tsvector('english',
                    regexp_replace(d.name, '[[:punct:]]+', ' ', 'g')), 'A')
                || setweight(to_tsvector('english', d.description), 'B')
                || setweight(to_tsvector('english', coalesce((
                    SELECT v.extracted_text FROM documents_documentversion v
                    WHERE v.document_id = d.id AND v.extraction <> %s
                    ORDER BY v.number DESC LIMIT 1
                ), '')), 'C')
            WHERE d.id = %s
            """,
            [ExtractionState.PENDING, document_id],
        )


def folder_create(*, company, name, actor, parent=None, is_internal=False, request=None):
    """A folder in ``company``'s space; inside an internal folder it is internal too."""
    name = name.strip()
    if parent is not None and parent.company_id != company.pk:
        raise ValidationError({"parent": "That folder belongs to another client."})
    is_internal = is_internal or (parent is not None and parent.is_internal)
    try:
        with transaction.atomic():
            folder = Folder.objects.create(
                company=company,
                parent=parent,
                name=name,
                is_internal=is_internal,
                created_by=actor,
            )
            activity_record(
                action=DocumentAudit.DOCUMENTS_FOLDER_CREATED,
                actor=actor,
                target=folder,
                changes={"company": company.pk, "internal": is_internal},
                request=request,
            )
    except IntegrityError as error:
        raise ValidationError(
            {"name": f"There is already a folder called “{name}” here."}
        ) from error
    return folder


def _new_version(document, stored_file, *, actor, note) -> DocumentVersion:
    number = (
        document.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = DocumentVersion.objects.create(
        document=document,
        number=number,
        file=stored_file,
        note=note,
        created_at=stored_file.created_at,
    )
    Document.objects.filter(pk=document.pk).update(
        current_version=version, updated_at=timezone.now()
    )
    document.current_version = version
    _extract_later(version)
    return version


def document_upload(
    *,
    company,
    upload,
    actor,
    folder=None,
    name="",
    description="",
    kind=DocumentKind.DOCUMENT,
    request=None,
) -> Document:
    """A new document in ``company``'s space (in ``folder``, or its top level) with ``upload``
    as version 1. A refused file or a taken name raises ValidationError; nothing is kept."""
    if folder is not None and folder.company_id != company.pk:
        raise ValidationError({"folder": "That folder belongs to another client."})
    try:
        with atomic_storing([upload], uploaded_by=actor, max_bytes=upload_limit()) as [stored]:
            document = Document.objects.create(
                company=company,
                folder=folder,
                name=(name.strip() or stored.name)[:255],
                description=description,
                kind=kind,
                is_internal=folder is not None and folder.is_internal,
                created_by=actor,
            )
            version = _new_version(document, stored, actor=actor, note="")
            document_search_refresh(document.pk)
            activity_record(
                action=DocumentAudit.DOCUMENTS_UPLOADED,
                actor=actor,
                target=document,
                changes={
                    "version": 1,
                    "sha256": stored.sha256,
                    "size": stored.size,
                    **({"folder": folder.name} if folder is not None else {}),
                },
                request=request,
            )
    except IntegrityError as error:
        raise ValidationError({"name": DUPLICATE_DOCUMENT}) from error
    document.current_version = version
    return document


def version_add(*, document, upload, actor, note="", request=None) -> DocumentVersion:
    """Upload a new version of ``document``; it becomes current and pending approvals on
    older versions are superseded (by the approvals app, through ``version_added``)."""
    with atomic_storing([upload], uploaded_by=actor, max_bytes=upload_limit()) as [stored]:
        # Serialises concurrent uploads to one document so version numbers never collide.
        locked = Document.objects.select_for_update().get(pk=document.pk)
        version = _new_version(locked, stored, actor=actor, note=note)
        document.current_version = version
        version_added.send(sender=DocumentVersion, version=version, actor=actor)
        activity_record(
            action=DocumentAudit.DOCUMENTS_VERSION_ADDED,
            actor=actor,
            target=document,
            changes={"version": version.number, "sha256": stored.sha256, "size": stored.size},
            request=request,
        )
    return version


def document_update(*, document, actor, name, description, kind, request=None) -> Document:
    """Rename a document, or change its description or kind (the team's)."""
    name = name.strip()
    changes = {
        field: value
        for field, value in {"name": name, "description": description, "kind": kind}.items()
        if getattr(document, field) != value
    }
    if not changes:
        return document
    try:
        with transaction.atomic():
            Document.objects.filter(pk=document.pk).update(**changes, updated_at=timezone.now())
            document_search_refresh(document.pk)
            activity_record(
                action=DocumentAudit.DOCUMENTS_UPDATED,
                actor=actor,
                target=document,
                changes=changes,
                request=request,
            )
    except IntegrityError as error:
        raise ValidationError({"name": DUPLICATE_DOCUMENT}) from error
    for field, value in changes.items():
        setattr(document, field, value)
    return document
