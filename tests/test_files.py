"""Private file storage: streaming, hashing, refusals that leave nothing, safe downloads."""

import hashlib
import io
import os
import re
import stat
import time
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.management import call_command
from django.db import ProgrammingError, transaction
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.test import RequestFactory
from django_tenants.utils import tenant_context

from tenant_apps.files.actions import file_store
from tenant_apps.files.models import StoredFile
from tenant_apps.files.responses import file_download_response
from tenant_apps.files.validation import ARCHIVE_MAX_ENTRIES, safe_file_name

MB = 1024 * 1024
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
OFFICE_MAIN = "application/vnd.openxmlformats-officedocument.{}.main+xml"


def _zip(entries: dict, content_types: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if content_types:
            archive.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0"?><Types><Override PartName="/main.xml" '
                f'ContentType="{content_types}"/></Types>',
            )
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx() -> bytes:
    main = OFFICE_MAIN.format("wordprocessingml.document")
    return _zip({"word/document.xml": "<w:document/>"}, main)


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"
    return settings.FILE_STORAGE_ROOT


@pytest.fixture
def owner(world):
    """Acme's owner, with acme's schema active for the test."""
    with tenant_context(world.acme):
        yield world.personas["owner"].user


def _objects(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file())


def _refused(root, upload, owner, **kwargs) -> str:
    """Store ``upload`` expecting a refusal that leaves no row and no object; the message."""
    with pytest.raises(ValidationError) as refused:
        file_store(upload=upload, uploaded_by=owner, **kwargs)
    assert not StoredFile.objects.exists()
    assert _objects(root) == []
    return refused.value.messages[0]


def test_stores_and_streams_back_identical_bytes(storage_root, owner):
    stored = file_store(upload=SimpleUploadedFile("Brief.pdf", PDF), uploaded_by=owner)

    stored.refresh_from_db()
    assert (stored.name, stored.size, stored.content_type) == (
        "Brief.pdf",
        len(PDF),
        "application/pdf",
    )
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.uploaded_by == owner
    [path] = _objects(storage_root)
    assert path.read_bytes() == PDF
    response = file_download_response(stored)
    assert b"".join(response.streaming_content) == PDF
    response.close()


def test_objects_and_folders_are_private(storage_root, owner):
    stored = file_store(upload=SimpleUploadedFile("a.pdf", PDF), uploaded_by=owner)

    path = storage_root / stored.key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    folder = path.parent
    while folder != storage_root.parent:  # <schema>/<year>/<month> and the root itself
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        folder = folder.parent


def test_keys_are_random_and_prefixed_by_the_agency(storage_root, world):
    owner = world.personas["owner"].user
    with tenant_context(world.acme):
        first = file_store(upload=SimpleUploadedFile("same.pdf", PDF), uploaded_by=owner)
        second = file_store(upload=SimpleUploadedFile("same.pdf", PDF), uploaded_by=owner)
    with tenant_context(world.globex):
        outsider = world.personas["outsider"].user
        theirs = file_store(upload=SimpleUploadedFile("same.pdf", PDF), uploaded_by=outsider)

    shape = r"{}/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}"
    assert re.fullmatch(shape.format(world.acme.schema_name), first.key)
    assert re.fullmatch(shape.format(world.acme.schema_name), second.key)
    assert re.fullmatch(shape.format(world.globex.schema_name), theirs.key)
    assert first.key != second.key
    assert {path.relative_to(storage_root).parts[0] for path in _objects(storage_root)} == {
        world.acme.schema_name,
        world.globex.schema_name,
    }


def test_download_is_an_inert_attachment(owner):
    upload = SimpleUploadedFile('Résumé "final".pdf', PDF)
    stored = file_store(upload=upload, uploaded_by=owner)
    # Through the CSP middleware, as a view's response would pass: it must keep our policy.
    middleware = ContentSecurityPolicyMiddleware(lambda request: file_download_response(stored))
    response = middleware(RequestFactory().get("/"))
    response.close()

    assert response["Content-Disposition"] == (
        'attachment; filename="Resume _final_.pdf"; '
        "filename*=UTF-8''R%C3%A9sum%C3%A9%20_final_.pdf"
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(PDF))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\evil.pdf", "evil.pdf"),
        ("evil.php\x00.pdf", "evil_php.pdf"),  # NUL gone; the inner .php loses its dot
        ("shell.php.jpg", "shell_php.jpg"),
        ("Q3.report.v2.pdf", "Q3.report.v2.pdf"),
        ("in\x07voice\r\n 2026.pdf", "invoice 2026.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override
        ("...hidden.pdf", "hidden.pdf"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("trailing. . .", "trailing"),
        ("/", ""),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_names_are_sanitised(raw, safe):
    assert safe_file_name(raw) == safe


def test_stored_name_is_sanitised(owner):
    upload = SimpleUploadedFile("..\\..\\a\x00b\x1b.pdf", PDF)
    assert file_store(upload=upload, uploaded_by=owner).name == "ab.pdf"


def test_over_the_limit_is_refused(storage_root, owner):
    message = _refused(
        storage_root, SimpleUploadedFile("big.pdf", PDF + bytes(1001)), owner, max_bytes=1000
    )
    assert message == '"big.pdf" was refused: it is larger than the 1000\xa0bytes limit.'


def test_the_limit_defaults_to_the_setting(settings, storage_root, owner):
    settings.FILE_MAX_UPLOAD_BYTES = len(PDF) - 1
    assert "larger than" in _refused(storage_root, SimpleUploadedFile("a.pdf", PDF), owner)


def test_a_size_that_lies_is_caught_while_streaming(storage_root, owner):
    upload = SimpleUploadedFile("big.pdf", PDF + bytes(3 * MB))
    upload.size = 10  # as declared; the bytes say otherwise
    assert "larger than" in _refused(storage_root, upload, owner, max_bytes=MB)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "evil.pdf",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "HTML or SVG markup",
        ),
        ("page.html", b"<html></html>", ".html files are not accepted"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', ".svg files are not accepted"),
        ("logo.txt", b'<?xml version="1.0"?><svg onload="alert(1)"/>', "HTML or SVG markup"),
        ("pixel.png", PNG + b"<html><script>alert(1)</script>", "HTML or SVG markup"),
        ("photo.png", PDF, "its content is a PDF document, which does not match .png"),
        ("report.pdf.exe", b"MZ\x90\x00", ".exe files are not accepted"),
        ("README", b"hello", "its name has no file extension"),
        ("empty.txt", b"", "it is empty"),
        ("blob.pdf", b"\x00\x01\x02\xff", "its content is not an accepted file type"),
        ("notes.txt", b"a" * 5000 + b"\xff", "its text is not valid UTF-8"),
        ("notes.csv", b"a,b\n" * 500 + b"\x00", "its text contains NUL bytes"),
    ],
)
def test_unsafe_or_mislabelled_content_is_refused(storage_root, owner, name, content, reason):
    message = _refused(storage_root, SimpleUploadedFile(name, content), owner)
    assert message.startswith(f'"{name}" was refused: ')
    assert reason in message


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("scan.png", PNG, "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        ("anim.gif", b"GIF89a\x01\x00\x01\x00", "image/gif"),
        ("pic.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        ("notes.txt", "Überweisung erhalten ✓\n".encode(), "text/plain; charset=utf-8"),
        ("ledger.csv", b"date,amount\n2026-01-01,10\n", "text/csv; charset=utf-8"),
        ("old.doc", OLE, "application/msword"),
        ("old.xls", OLE, "application/vnd.ms-excel"),
        (
            "brief.docx",
            _docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("bundle.zip", _zip({"a.txt": "a", "docs/b.txt": "b"}), "application/zip"),
    ],
)
def test_allowed_content_is_accepted(owner, name, content, content_type):
    assert (
        file_store(upload=SimpleUploadedFile(name, content), uploaded_by=owner).content_type
        == content_type
    )


def test_office_documents_must_match_their_extension(storage_root, owner):
    workbook = _zip({"xl/workbook.xml": "<workbook/>"}, OFFICE_MAIN.format("spreadsheetml.sheet"))
    message = _refused(storage_root, SimpleUploadedFile("brief.docx", workbook), owner)
    assert "its content is an Excel workbook, which does not match .docx" in message
    message = _refused(storage_root, SimpleUploadedFile("brief.zip", _docx()), owner)
    assert "its content is a Word document, which does not match .zip" in message
    macro = _zip(
        {"word/document.xml": "<w:document/>"},
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    message = _refused(storage_root, SimpleUploadedFile("macro.docx", macro), owner)
    assert "its content is a ZIP archive, which does not match .docx" in message


def test_zip_bomb_is_refused(storage_root, owner):
    bomb = _zip({"zeros.bin": bytes(11 * MB)})
    assert len(bomb) < MB  # small on the wire, eleven times the limit unpacked
    message = _refused(storage_root, SimpleUploadedFile("bomb.zip", bomb), owner, max_bytes=MB)
    assert message == '"bomb.zip" was refused: the archive expands to more than 10.0\xa0MB.'


def test_archive_with_too_many_entries_is_refused(storage_root, owner):
    crowded = _zip({str(number): "" for number in range(ARCHIVE_MAX_ENTRIES + 1)})
    message = _refused(storage_root, SimpleUploadedFile("crowded.zip", crowded), owner)
    assert f"more than {ARCHIVE_MAX_ENTRIES} entries" in message


def _symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("innocent")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("archive", "shown"),
    [
        (_zip({"../evil.sh": "x"}), "../evil.sh"),
        (_zip({"docs/../../evil.sh": "x"}), "docs/../../evil.sh"),
        (_zip({"..\\evil.bat": "x"}), "..\\evil.bat"),
        (_zip({"/etc/cron.d/evil": "x"}), "/etc/cron.d/evil"),
        (_zip({"C:/Windows/evil.dll": "x"}), "C:/Windows/evil.dll"),
        (_symlink_zip(), "innocent"),
    ],
)
def test_zip_slip_is_refused(storage_root, owner, archive, shown):
    message = _refused(storage_root, SimpleUploadedFile("slip.zip", archive), owner)
    assert message == f'"slip.zip" was refused: the archive holds an unsafe path "{shown}".'


def test_damaged_archive_is_refused(storage_root, owner):
    damaged = _docx()[:-30]
    assert "damaged or unreadable" in _refused(
        storage_root, SimpleUploadedFile("a.docx", damaged), owner
    )


def test_a_failed_row_write_removes_the_object(storage_root, world):
    # The public schema has no file table, so the insert fails after the object was written.
    operator = world.personas["operator"].user
    with pytest.raises(ProgrammingError):
        file_store(upload=SimpleUploadedFile("a.pdf", PDF), uploaded_by=operator)
    assert _objects(storage_root) == []


def test_sweep_removes_objects_of_rolled_back_transactions(storage_root, owner):
    kept = file_store(upload=SimpleUploadedFile("kept.pdf", PDF), uploaded_by=owner)
    with pytest.raises(RuntimeError), transaction.atomic():
        orphan = file_store(upload=SimpleUploadedFile("orphan.pdf", PDF), uploaded_by=owner)
        raise RuntimeError("the caller's later step failed")
    with pytest.raises(RuntimeError), transaction.atomic():
        in_flight = file_store(upload=SimpleUploadedFile("recent.pdf", PDF), uploaded_by=owner)
        raise RuntimeError("rolled back a moment ago")
    two_days_ago = time.time() - 2 * 24 * 3600
    for stored in [kept, orphan]:
        os.utime(storage_root / stored.key, (two_days_ago, two_days_ago))

    call_command("files_sweep_orphans", stdout=io.StringIO())

    assert _objects(storage_root) == sorted(storage_root / f.key for f in [kept, in_flight])


def test_a_large_upload_streams_in_and_out_in_bounded_memory(owner):
    block = bytes(range(256)) * 4096  # 1 MB
    upload = TemporaryUploadedFile("big.pdf", "application/pdf", 0, None)
    upload.write(b"%PDF-1.7\n")
    digest = hashlib.sha256(b"%PDF-1.7\n")
    for _ in range(50):
        upload.write(block)
        digest.update(block)
    upload.size = upload.tell()
    upload.seek(0)

    tracemalloc.start()
    try:
        stored = file_store(upload=upload, uploaded_by=owner)
        stored_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        response = file_download_response(stored)
        served = hashlib.sha256()
        for chunk in response.streaming_content:
            served.update(chunk)
        response.close()
        served_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        upload.close()

    assert stored.size == 50 * MB + 9
    assert stored.sha256 == served.hexdigest() == digest.hexdigest()
    assert stored_peak < 8 * MB, stored_peak
    assert served_peak < 8 * MB, served_peak
