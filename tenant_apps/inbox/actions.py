"""Every write to file requests: each in a transaction, in the activity log, and notified."""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tenant_apps.activity.actions import activity_record
from tenant_apps.documents.actions import document_upload
from tenant_apps.inbox.audit import InboxAudit
from tenant_apps.inbox.models import FileRequest, FileRequestStatus
from tenant_apps.kit.access import CLIENT_CONTRIBUTORS
from tenant_apps.notifications.actions import notification_send
from tenant_apps.people.models import ClientMember


def file_request_url(file_request: FileRequest) -> str:
    return reverse("inbox:file_request", args=[file_request.pk])


def file_request_recipients(file_request: FileRequest) -> list:
    """Who is asked: the named person, or else the company's people who may upload."""
    if file_request.requested_from_id:
        return [file_request.requested_from]
    members = ClientMember.objects.filter(
        company_id=file_request.company_id,
        role__in=CLIENT_CONTRIBUTORS,
        user__is_active=True,
    ).select_related("user")
    return [member.user for member in members]


def _check_placement(*, company, folder, requested_from) -> None:
    if folder is not None and (folder.company_id != company.pk or folder.is_internal):
        raise ValidationError({"folder": "Choose one of this client's shared folders."})
    if requested_from is not None:
        member = getattr(requested_from, "client_member", None)
        if (
            member is None
            or member.company_id != company.pk
            or member.role not in (CLIENT_CONTRIBUTORS)
        ):
            raise ValidationError(
                {"requested_from": "Choose someone at this client who may upload files."}
            )


def file_request_create(
    *,
    company,
    title: str,
    actor,
    description: str = "",
    due_date=None,
    folder=None,
    requested_from=None,
    request=None,
) -> FileRequest:
    """Ask ``company`` for a file; its people hear of it (in the app and by email)."""
    _check_placement(company=company, folder=folder, requested_from=requested_from)
    if due_date is not None and due_date < timezone.localdate():
        raise ValidationError({"due_date": "The due date cannot be in the past."})
    with transaction.atomic():
        file_request = FileRequest.objects.create(
            company=company,
            title=title,
            description=description,
            due_date=due_date,
            folder=folder,
            requested_from=requested_from,
            requested_by=actor,
        )
        activity_record(
            action=InboxAudit.FILE_REQUEST_CREATED,
            actor=actor,
            target=file_request,
            changes={"company": company.name, "due_date": str(due_date) if due_date else None},
            request=request,
        )
        notification_send(
            recipients=file_request_recipients(file_request),
            kind="file_request.created",
            target=file_request,
            title=f"{company.name}, please upload: {title}",
            body=description,
            url=file_request_url(file_request),
            actor=actor,
        )
        return file_request


def _locked_open(file_request: FileRequest) -> FileRequest:
    locked = FileRequest.objects.select_for_update().get(pk=file_request.pk)
    if not locked.is_open:
        raise ValidationError(
            {"file": f"This file request is {locked.get_status_display().lower()} already."},
            code="not_open",
        )
    return locked


def _upload_as_document(file_request: FileRequest, upload, actor):
    """The upload as a new document where the request asked; a name already taken there
    gets the request's date, so the upload never fails for its name."""
    upload_name = PurePath(upload.name)
    for name in ("", f"{upload_name.stem} ({timezone.localdate():%Y-%m-%d}){upload_name.suffix}"):
        try:
            with transaction.atomic():
                return document_upload(
                    company=file_request.company,
                    folder=file_request.folder,
                    upload=upload,
                    actor=actor,
                    name=name,
                    description=f"Uploaded for the file request “{file_request.title}”.",
                )
        except ValidationError as error:
            if "name" not in getattr(error, "error_dict", {}) or name:
                raise
            upload.seek(0)
    raise AssertionError("unreachable")


def file_request_fulfil(*, file_request: FileRequest, upload, actor, request=None):
    """Upload the requested file into the document hub; the requester hears of it."""
    with transaction.atomic():
        locked = _locked_open(file_request)
        document = _upload_as_document(locked, upload, actor)
        locked.status = FileRequestStatus.FULFILLED
        locked.document = document
        locked.fulfilled_by = actor
        locked.fulfilled_at = timezone.now()
        locked.save(update_fields=["status", "document", "fulfilled_by", "fulfilled_at"])
        activity_record(
            action=InboxAudit.FILE_REQUEST_FULFILLED,
            actor=actor,
            target=locked,
            changes={"document": document.name},
            request=request,
        )
        notification_send(
            recipients=[locked.requested_by],
            kind="file_request.fulfilled",
            target=locked,
            title=f"{locked.company.name} uploaded {document.name} for “{locked.title}”",
            url=reverse("documents:document", args=[document.pk]),
            actor=actor,
        )
        return locked


def file_request_cancel(*, file_request: FileRequest, actor, request=None) -> FileRequest:
    with transaction.atomic():
        locked = _locked_open(file_request)
        locked.status = FileRequestStatus.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["status", "cancelled_at"])
        activity_record(
            action=InboxAudit.FILE_REQUEST_CANCELLED,
            actor=actor,
            target=locked,
            request=request,
        )
        return locked
