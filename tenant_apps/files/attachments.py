from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from tenant_apps.files.validation import ACCEPTED_EXTENSIONS, upload_accept

MAX_ATTACHMENTS = 10  # files sent at once


def validate_upload(upload: UploadedFile) -> None:
    """Refuse a file by its name, declared size and first bytes before anything is written;
    file_store checks the rest while it streams."""
    upload_accept(upload, max_bytes=settings.FILE_MAX_UPLOAD_BYTES)


ACCEPT = ",".join(f".{extension}" for extension in ACCEPTED_EXTENSIONS)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files up to MAX_ATTACHMENTS; every refusal is listed, not just the first."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Attachments")
        kwargs.setdefault("help_text", "Optional. PDFs, images, Office documents, text or ZIP.")
        super().__init__(required=False, **kwargs)
        self.widget.attrs["accept"] = ACCEPT

    def clean(self, data, initial=None):
        uploads = [upload for upload in data or [] if upload]
        if len(uploads) > MAX_ATTACHMENTS:
            raise ValidationError(f"Attach at most {MAX_ATTACHMENTS} files at a time.")
        errors = []
        for upload in uploads:
            try:
                validate_upload(upload)
            except ValidationError as refused:
                errors.append(refused)
        if errors:
            raise ValidationError(errors)
        return uploads


FILES_HELP = f"Up to {MAX_ATTACHMENTS} files: send multipart/form-data, one `files` part per file."
