"""The upload-attack corpus, sent through the document hub's upload page as its script sends
files: each is refused with a message naming the file and the reason, leaving no row and no
stored object, or is accepted only in a form made inert (a safe name, sniffed type, attachment)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from tenant_apps.documents.models import Document, DocumentVersion
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tests.conftest import signed_in_client
from tests.routes_documents import PDF

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)">'
    b"<script>alert(1)</script></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/me')</script></body></html>"


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"
    return settings.FILE_STORAGE_ROOT


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def state(world) -> tuple:
    with tenant_context(world.acme):
        return (
            Document.objects.count(),
            DocumentVersion.objects.count(),
            StoredFile.objects.count(),
            sorted(key for key, _ in file_storage().listing(world.acme.schema_name)),
        )


def send(world, name: str, content: bytes):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")  # a lie, unread
    return signed_in_client(world.personas["client_admin"]).post(
        f"/documents/clients/{world.northwind.pk}/upload/",
        {"files": [upload]},
        HTTP_ACCEPT="application/json",
    )


REFUSED = [
    # Double extensions: what counts is the last one, and the bytes must agree with it.
    ("report.pdf.exe", b"MZ\x90\x00" + bytes(60), ".exe files are not accepted"),
    ("photo.png.html", HTML, ".html files are not accepted"),
    ("invoice.pdf", HTML, "HTML or SVG markup"),
    # A right-to-left override makes "invoice\u202efdp.exe" display as "invoiceexe.pdf".
    ("invoice\u202efdp.exe", b"MZ\x90\x00", ".exe files are not accepted"),
    # PNG with HTML in the bytes a browser would sniff.
    ("pixel.png", PNG + b"<html><script>alert(1)</script></html>", "HTML or SVG markup"),
    # SVG with script: by its extension, disguised as an image, or as text.
    ("logo.svg", SVG, ".svg files are not accepted"),
    ("logo.png", SVG, "HTML or SVG markup"),
    ("logo.txt", SVG, "HTML or SVG markup"),
    # Markup further in than any head check looks.
    ("notes.txt", b"meeting notes\n" * 200 + SVG, "HTML or SVG markup"),
    # Zip bomb: 50 MB of zeros packed into 50 KB, above ten times this test's limit.
    ("bomb.zip", _zip({"zeros.bin": bytes(50 * MB)}), "the archive expands to more than"),
    # Zip slip.
    ("slip.zip", _zip({"../../home/evil.sh": b"rm -rf ~"}), "the archive holds an unsafe path"),
]


@pytest.mark.parametrize(("name", "content", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_attacks_are_refused_naming_the_file_and_leave_nothing(
    world, settings, name, content, reason
):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 2 * MB
    before = state(world)
    response = send(world, name, content)

    assert response.status_code == 400, response.content
    [message] = response.json()["errors"]["files"]
    assert message.startswith('"') and '" was refused: ' in message
    assert reason in message
    assert state(world) == before


def test_size_plus_one_is_refused_and_the_size_itself_accepted(world, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = limit = 4096
    before = state(world)
    over = send(world, "big.pdf", PDF + bytes(limit + 1 - len(PDF)))
    assert over.json()["errors"]["files"] == [
        '"big.pdf" was refused: it is larger than the 4.0\xa0KB limit.'
    ]
    assert state(world) == before
    assert send(world, "big.pdf", PDF + bytes(limit - len(PDF))).status_code == 201


def test_a_zip_bomb_is_refused_by_its_ratio_even_under_a_generous_limit(world, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1024 * MB  # ten times that would pass 101 MB
    before = state(world)
    bomb = _zip({"zeros.bin": bytes(101 * MB)})
    [message] = send(world, "backup.zip", bomb).json()["errors"]["files"]
    assert message.startswith('"backup.zip" was refused: the archive expands ')
    assert "times over, to 101.0\xa0MB, as zip bombs do" in message
    assert state(world) == before


def test_archives_never_expand_beyond_the_absolute_bound(world, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1024 * MB
    settings.FILE_ARCHIVE_MAX_EXPANDED_BYTES = MB
    [message] = send(world, "a.zip", _zip({"a.txt": bytes(MB + 1)})).json()["errors"]["files"]
    assert message == '"a.zip" was refused: the archive expands to more than 1.0\xa0MB.'


def _download(world, document_id):
    response = signed_in_client(world.personas["viewer"]).get(
        f"/documents/{document_id}/versions/1/download/"
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    return response


INERT = [
    # Traversal: only the last component is ever a name, and storage never uses names.
    ("../../../../etc/cron.d/passwd.pdf", PDF, "passwd.pdf", "application/pdf"),
    ("..\\..\\Windows\\System32\\boot.pdf", PDF, "boot.pdf", "application/pdf"),
    # NUL and control characters are dropped; an inner executable extension loses its dot.
    ("shell.php\x00.pdf", PDF, "shell_php.pdf", "application/pdf"),
    ("\x1b[31mred\x07 alert.pdf", PDF, "[31mred alert.pdf", "application/pdf"),
    ("invoice.exe.pdf", PDF, "invoice_exe.pdf", "application/pdf"),
    # HTML beyond the first kilobyte of a real PNG: served as an image attachment, never sniffed.
    ("chart.png", PNG + bytes(2048) + HTML, "chart.png", "image/png"),
]


@pytest.mark.parametrize(("sent", "content", "name", "content_type"), INERT)
def test_what_is_accepted_is_made_inert(world, sent, content, name, content_type):
    response = send(world, sent, content)
    assert response.status_code == 201, response.content
    [created] = response.json()["documents"]
    assert created["name"] == name
    with tenant_context(world.acme):
        stored = Document.objects.get(pk=created["id"]).current_version.file
        assert (stored.name, stored.content_type) == (name, content_type)
        assert name not in stored.key and ".." not in stored.key

    download = _download(world, created["id"])
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
