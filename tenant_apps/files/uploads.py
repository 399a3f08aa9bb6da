"""Receiving uploads without holding them: request bodies go to temporary files in chunks, and
a file over the limit is dropped while it arrives instead of landing on disk in full first.

Django's own handlers already keep big uploads out of memory (MemoryFileUploadHandler up to
FILE_UPLOAD_MAX_MEMORY_SIZE, then TemporaryFileUploadHandler); ``upload_cap`` puts a cap in front
of them, and ``raw_body_upload`` does the same for an API body that is the file itself.
"""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from tenant_apps.files.storage import CHUNK_SIZE
from tenant_apps.files.validation import refusal, safe_file_name, too_large


class UploadCapHandler(FileUploadHandler):
    """First of a request's upload handlers: a multipart file past ``max_bytes`` is skipped
    (the handlers after it drop what they received) and its refusal kept in ``refusals``."""

    def __init__(self, request, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.refusals: list[ValidationError] = []

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            self.refusals.append(too_large(safe_file_name(self.file_name), self.max_bytes))
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_cap(request, max_bytes: int) -> UploadCapHandler:
    """Cap ``request``'s multipart files at ``max_bytes``; call before its body is read.

    Pages must then be ``csrf_exempt`` with the check made inside (``csrf_protect``), since
    the CSRF middleware would read the body first; DRF views check CSRF themselves, later.
    """
    handler = UploadCapHandler(request, max_bytes)
    request.upload_handlers.insert(0, handler)
    return handler


def raw_body_upload(request, *, name: str, max_bytes: int) -> TemporaryUploadedFile:
    """The body of ``request`` (a Django HttpRequest) as an uploaded file called ``name``,
    streamed to a temporary file; refused before reading when Content-Length is over the
    limit, and while reading if the body turns out longer."""
    shown = safe_file_name(name)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise too_large(shown, max_bytes)
    if declared <= 0:
        raise refusal(shown, "it is empty", "empty")
    upload = TemporaryUploadedFile(name, "application/octet-stream", declared, None)
    try:
        size = 0
        while chunk := request.read(CHUNK_SIZE):
            size += len(chunk)
            if size > max_bytes:
                raise too_large(shown, max_bytes)
            upload.write(chunk)
        upload.size = size
        upload.seek(0)
    except BaseException:
        upload.close()  # deletes the temporary file
        raise
    return upload
