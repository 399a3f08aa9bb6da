"""A full upload disk (a small tmpfs mounted here): documents, request attachments and message
attachments, through their pages and their API, fail with a clear message (a form error; a
507 with the API's JSON error), leave no partial file and no row, and work again once there
is room. The same when the temporary folder uploads are received into is the full one.

Runs as root (mount). Each test mounts its own tmpfs and unmounts it whatever happens.
"""

import html
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.documents.models import Document
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import PARTIAL_SUFFIX
from tenant_apps.invoices.models import Invoice
from tenant_apps.messaging.models import Message
from tests.conftest import signed_in_client
from tests.people_support import api_client
from tests.routes_messaging import post_message

DISK_BYTES = 1024 * 1024
ROOM_BYTES = 64 * 1024  # left free: a bigger file is written in part before the disk fills
FULL = "was not saved: there is no room left to store files right now. Please try again later."
# The answer when the temporary folder is full (shared_apps.core.outages.STORAGE_SENTENCE).
TEMP_FULL = "There is no room left to store files right now. Please try again later."


class Disk:
    """A tmpfs of DISK_BYTES at ``path``, filled by a file of its own."""

    def __init__(self, path: Path):
        self.path = path
        self.filler = path / "filler"

    def fill(self, *, leave: int) -> None:
        with self.filler.open("wb") as out:
            out.write(b"\0" * (DISK_BYTES - leave - self.used()))

    def free(self) -> None:
        self.filler.unlink()

    def used(self) -> int:
        return sum(path.stat().st_size for path in self.path.rglob("*") if path.is_file())

    def files(self) -> list[str]:
        """Every file on the disk but the filler, relative to it."""
        return sorted(
            path.relative_to(self.path).as_posix()
            for path in self.path.rglob("*")
            if path.is_file() and path != self.filler
        )


@pytest.fixture
def disk(tmp_path, settings):
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES},mode=0700", "tmpfs", str(mount)],
        check=True,
    )
    try:
        settings.FILE_STORAGE_ROOT = mount / "files"
        settings.FILE_STORAGE_ROOT.mkdir()
        yield Disk(mount)
    finally:
        # Lazy: detached at once even if a file on it is still open (a test that failed).
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


def text_file(name: str, size: int) -> SimpleUploadedFile:
    line = b"Minutes of Monday's call, and what we agreed.\n"
    return SimpleUploadedFile(name, (line * (size // len(line) + 1))[:size], "text/plain")


def small(name="notes.txt"):
    return text_file(name, 8 * 1024)


def big(name="brief.txt"):
    return text_file(name, 4 * ROOM_BYTES)


def counts(world) -> dict:
    with tenant_context(world.acme):
        return {
            model.__name__: model.objects.count()
            for model in (StoredFile, Document, ClientRequest, Message, Invoice, ActivityEntry)
        }


def page(world, persona="client_admin"):
    client = signed_in_client(world.personas[persona])
    client.raise_request_exception = False  # answer as the server would: the error handlers
    return client


def api(world, persona="client_admin"):
    client, headers = api_client(world, persona)
    client.raise_request_exception = False
    client.defaults.update(headers)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def refused_while_full(disk, world, send) -> object:
    """``send()`` on a disk with ROOM_BYTES left: nothing new on the disk, no row."""
    disk.fill(leave=ROOM_BYTES)
    on_disk, before = disk.files(), counts(world)
    response = send()
    assert disk.files() == on_disk, "a partial or orphan file stayed"
    assert counts(world) == before, "a row was written"
    return response


def api_storage_full(response, name: str, detail: str | None = None) -> None:
    """A 507 in the API's error shape, with the id the person can quote."""
    assert response.status_code == 507, response.content
    body = response.json()
    assert body.pop("request_id") == response["X-Request-ID"]
    assert body == {"detail": detail or f'"{name}" {FULL}', "code": "storage_full"}


def test_documents_refused_on_a_full_disk_then_stored_once_there_is_room(disk, world):
    browser, client = page(world), api(world)  # signing in writes to the log
    northwind = world.northwind.pk

    def upload_page(upload):
        return browser.post(f"/documents/clients/{northwind}/upload/", {"files": [upload]})

    response = refused_while_full(disk, world, lambda: upload_page(big()))
    assert response.status_code == 400
    assert f'"brief.txt" {FULL}' in text(response)  # on the form, beside the files field

    response = refused_while_full(
        disk,
        world,
        lambda: client.post("/api/v1/documents", {"company": northwind, "file": big()}),
    )
    api_storage_full(response, "brief.txt")

    disk.free()
    assert upload_page(big()).status_code == 302
    stored = client.post("/api/v1/documents", {"company": northwind, "file": big("v1.txt")})
    assert stored.status_code == 201, stored.content

    # A new version sent as the raw request body (received into a temporary file first).
    document = stored.json()["id"]
    response = refused_while_full(
        disk,
        world,
        lambda: client.put(
            f"/api/v1/documents/{document}/versions/upload?name=v2.txt",
            big("v2.txt").read(),
            content_type="application/octet-stream",
        ),
    )
    api_storage_full(response, "v2.txt")

    disk.free()
    with tenant_context(world.acme):
        keys = sorted(f"files/{key}" for key in StoredFile.objects.values_list("key", flat=True))
        assert Document.objects.filter(name__in=["brief.txt", "v1.txt"]).count() == 2
    assert disk.files() == keys  # each row's bytes, and nothing else


def test_request_attachments_refused_whole_on_a_full_disk(disk, world):
    """The first file fits and is stored, the second does not: the request is not made and the
    first file's bytes go too."""
    browser, client = page(world), api(world)  # signing in writes to the log
    fields = {"type": "support", "title": "New logo", "details": "Attached.", "priority": "high"}

    response = refused_while_full(
        disk,
        world,
        lambda: client.post("/api/v1/requests", {**fields, "files": [small(), big()]}),
    )
    api_storage_full(response, "brief.txt")

    response = refused_while_full(
        disk,
        world,
        lambda: browser.post("/requests/new/", {**fields, "files": [small(), big()]}),
    )
    assert f'"brief.txt" {FULL}' in text(response)

    disk.free()
    made = client.post("/api/v1/requests", {**fields, "files": [small(), big()]})
    assert made.status_code == 201, made.content
    assert len(disk.files()) == 2


def test_message_attachments_refused_whole_on_a_full_disk(disk, world):
    browser, client = page(world), api(world)  # signing in writes to the log
    thread = post_message(world, body="Hello from the team").thread_id

    response = refused_while_full(
        disk,
        world,
        lambda: client.post(
            f"/api/v1/threads/{thread}/messages", {"body": "Notes", "files": [small(), big()]}
        ),
    )
    api_storage_full(response, "brief.txt")

    response = refused_while_full(
        disk,
        world,
        lambda: browser.post(
            f"/messages/{thread}/post/", {"body": "Notes", "files": [small(), big()]}
        ),
    )
    assert f'"brief.txt" {FULL}' in text(response)
    assert "Notes</textarea>" in text(response)  # kept, to send again

    disk.free()
    sent = browser.post(f"/messages/{thread}/post/", {"body": "Notes", "files": [big()]})
    assert sent.status_code == 302
    assert len(disk.files()) == 1


def test_an_invoice_pdf_refused_on_a_full_disk(disk, world):
    """The invoices app files a refused PDF (named after the invoice) under "pdf": still the
    storage's code, so a 507."""
    client = api(world, "owner")
    padding = b"% scanned at 600 dpi\n" * (4 * ROOM_BYTES // 20)
    pdf = b"%PDF-1.7\n" + padding + b"1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    fields = {
        "company": world.northwind.pk,
        "number": "INV-FULL-1",
        "currency": "EUR",
        "due_date": "2031-05-31",
        "subtotal": "500.00",
        "tax": "105.00",
    }

    def upload():
        march = SimpleUploadedFile("march.pdf", pdf, content_type="application/pdf")
        return client.post("/api/v1/invoices", {**fields, "pdf": march})

    api_storage_full(refused_while_full(disk, world, upload), "Invoice INV-FULL-1.pdf")
    disk.free()
    assert upload().status_code == 201


def test_a_full_temporary_folder_refuses_the_upload_and_keeps_nothing(disk, world, settings):
    """Django receives a file over FILE_UPLOAD_MAX_MEMORY_SIZE into FILE_UPLOAD_TEMP_DIR before
    any view runs; on the full disk the request is answered 507 and its part-written
    temporary file is deleted at once (shared_apps.core.outages.TemporaryFileUploadHandler)."""
    browser, client = page(world), api(world)  # signing in writes to the log
    settings.FILE_UPLOAD_TEMP_DIR = disk.path / "tmp"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    northwind = world.northwind.pk

    response = refused_while_full(
        disk,
        world,
        lambda: browser.post(f"/documents/clients/{northwind}/upload/", {"files": [big()]}),
    )
    assert response.status_code == 507
    assert "Your file was not saved" in text(response) and TEMP_FULL in text(response)
    assert f"quote <code>{response['X-Request-ID']}</code>" in text(response)
    assert "Traceback" not in text(response)

    thread = post_message(world, body="Hello from the team").thread_id
    response = refused_while_full(
        disk,
        world,
        lambda: client.post(
            f"/api/v1/threads/{thread}/messages", {"body": "Notes", "files": [big()]}
        ),
    )
    api_storage_full(response, "", detail=TEMP_FULL)

    disk.free()
    sent = client.post(f"/api/v1/threads/{thread}/messages", {"body": "Notes", "files": [big()]})
    assert sent.status_code == 201, sent.content
    assert [name for name in disk.files() if name.startswith("files/")] != []
    assert not any(name.endswith(PARTIAL_SUFFIX) for name in disk.files())
    assert list(settings.FILE_UPLOAD_TEMP_DIR.iterdir()) == []  # received, stored, deleted
