"""Serving stored files. Routes belong to the owning features: their views check permission,
then return ``file_download_response``; no file has a URL of its own."""

import unicodedata
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect

from tenant_apps.files.models import StoredFile, page_key
from tenant_apps.files.selectors import preview_page
from tenant_apps.files.storage import CHUNK_SIZE, file_storage


def _attachment(name: str) -> str:
    # An ASCII fallback for old clients, then RFC 5987's UTF-8 form, which modern ones prefer.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = ascii_name.replace("\\", "_").replace('"', "_") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_download_response(stored_file: StoredFile) -> HttpResponse:
    """``stored_file`` as a download, never inline, and inert even if a browser tried.

    Streamed from local storage; from S3, a redirect to a presigned URL that expires in
    moments and makes S3 answer with the same attachment disposition and content type.
    """
    storage = file_storage()
    content_type = stored_file.content_type or "application/octet-stream"
    disposition = _attachment(stored_file.name)
    url = storage.download_url(stored_file.key, disposition=disposition, content_type=content_type)
    if url is not None:
        response = HttpResponseRedirect(url)
        response["Referrer-Policy"] = "no-referrer"  # the signed URL never leaks onwards
    else:
        response = FileResponse(storage.open(stored_file.key), content_type=content_type)
        response.block_size = CHUNK_SIZE
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    # The CSP middleware keeps a policy a view already set, so this one wins.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def file_preview_page_response(stored_file: StoredFile, number: int) -> HttpResponse:
    """Page ``number`` of ``stored_file``'s preview, a PNG drawn by the preview task (404 if
    there is none). Callers check access as for the download; the picture is inline, but
    inert: nosniff, a sandboxing policy, and kept only in the viewer's own cache."""
    if not preview_page(stored_file, number):
        raise Http404("No such preview page.")
    storage = file_storage()
    response = FileResponse(
        storage.open(page_key(stored_file.key, number)), content_type="image/png"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # A version's pages never change; the next viewer on a shared machine still asks us.
    response["Cache-Control"] = "private, max-age=3600"
    return response
