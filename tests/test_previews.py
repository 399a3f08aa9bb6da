"""Previews: drawn once per stored file by a tenant-carrying, idempotent task (once through a
real Celery worker): PDF pages and images as PNGs, text as text, Office documents by their
extracted text; damaged and protected PDFs say "download instead". Page images are served with
the download's access checks and inert headers, and kept (and swept) beside their file."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from fpdf import FPDF
from PIL import Image
from pypdf import PdfWriter

from config import settings as project_settings
from shared_apps.accounts.models import User
from tenant_apps.documents.models import Document
from tenant_apps.documents.tasks import version_text_extract
from tenant_apps.files.actions import file_orphans_delete, file_store
from tenant_apps.files.models import FilePreview, PreviewState, StoredFile, page_key
from tenant_apps.files.previews import MAX_PAGES, PAGE_WIDTH
from tenant_apps.files.storage import file_storage
from tenant_apps.files.tasks import file_preview_make
from tenants.models import Agency
from tests.conftest import signed_in_client
from tests.people_support import api_client
from tests.processes import wait_until
from tests.routes_approvals import ask
from tests.routes_documents import PDF, make_document, pdf_file
from tests.test_documents_search import docx_with

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"
    return settings.FILE_STORAGE_ROOT


def pdf_pages(count: int) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=24)
    for number in range(1, count + 1):
        pdf.add_page()
        pdf.cell(text=f"Page {number} of the booking widget")
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_image(size=(2400, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def document_with(world, name, content) -> Document:
    return make_document(world, upload=pdf_file(name, content), name=name)


def drawn(world, document) -> FilePreview:
    """The task run as the worker would, in acme's schema, on the current version's file."""
    with tenant_context(world.acme):
        file_preview_make(document.current_version.file_id)
        return FilePreview.objects.get(file_id=document.current_version.file_id)


def page_png(world, document, number=1, persona="approver"):
    url = f"/documents/{document.pk}/versions/1/preview/{number}.png"
    return signed_in_client(world.personas[persona]).get(url)


def test_a_pdf_becomes_page_images_up_to_the_cap(world):
    document = document_with(world, "widget.pdf", pdf_pages(MAX_PAGES + 2))
    preview = drawn(world, document)
    assert (preview.state, preview.pages, preview.page_count) == (
        PreviewState.READY,
        MAX_PAGES,
        MAX_PAGES + 2,
    )
    response = page_png(world, document, MAX_PAGES)
    body = b"".join(response.streaming_content)
    assert body.startswith(PNG_SIGNATURE)
    assert Image.open(io.BytesIO(body)).width == PAGE_WIDTH
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"].startswith("private")
    assert page_png(world, document, MAX_PAGES + 1).status_code == 404
    assert page_png(world, document, 0).status_code == 404

    page = signed_in_client(world.personas["approver"]).get(f"/documents/{document.pk}/")
    assert f"/documents/{document.pk}/versions/1/preview/10.png" in page.text
    assert "Showing the first 10 of 12 pages." in page.text


def test_an_image_is_redrawn_as_a_bounded_png(world):
    document = document_with(world, "mockup.png", png_image())
    preview = drawn(world, document)
    assert (preview.state, preview.pages) == (PreviewState.READY, 1)
    image = Image.open(io.BytesIO(b"".join(page_png(world, document).streaming_content)))
    assert (image.format, image.size) == ("PNG", (PAGE_WIDTH, PAGE_WIDTH // 2))


def test_a_text_file_shows_its_text_escaped(world):
    document = document_with(world, "notes.txt", b"Launch <b>Monday</b>\nthen relax")
    preview = drawn(world, document)
    assert (preview.state, preview.pages, preview.text) == (
        PreviewState.READY,
        0,
        "Launch <b>Monday</b>\nthen relax",
    )
    page = signed_in_client(world.personas["approver"]).get(f"/documents/{document.pk}/")
    assert "Launch &lt;b&gt;Monday&lt;/b&gt;\nthen relax</pre>" in page.text


def test_an_office_document_shows_its_extracted_text(world):
    document = document_with(world, "brief.docx", docx_with("Launch plan", "Budget lines"))
    assert drawn(world, document).state == PreviewState.UNSUPPORTED
    with tenant_context(world.acme):
        version_text_extract(document.current_version_id)
    page = signed_in_client(world.personas["approver"]).get(f"/documents/{document.pk}/")
    assert 'class="preview-text"' in page.text and "Launch plan" in page.text


@pytest.mark.parametrize(("name", "content"), [("broken.pdf", PDF), ("locked.pdf", None)])
def test_broken_or_protected_pdfs_say_download_instead(world, name, content):
    document = document_with(world, name, content or encrypted_pdf())
    assert drawn(world, document).state == PreviewState.FAILED
    page = signed_in_client(world.personas["approver"]).get(f"/documents/{document.pk}/")
    assert page.status_code == 200
    assert "No preview for this file." in page.text and f"Download {name}" in page.text
    assert page_png(world, document).status_code == 404


def test_the_task_is_idempotent_and_pending_pages_poll(world):
    document = document_with(world, "widget.pdf", pdf_pages(1))
    client = signed_in_client(world.personas["approver"])
    page = client.get(f"/documents/{document.pk}/")
    assert "Preparing the preview" in page.text and 'hx-trigger="load delay:3s"' in page.text
    first = drawn(world, document)
    # The pending preview asks again for itself alone, and now gets the pages.
    again = client.get(
        f"/documents/{document.pk}/", headers={"HX-Request": "true", "HX-Target": "file-preview"}
    )
    assert again.text.lstrip().startswith('<div class="file-preview" id="file-preview">')
    assert f"/documents/{document.pk}/versions/1/preview/1.png" in again.text
    with tenant_context(world.acme):
        assert file_preview_make(document.current_version.file_id) is None
        assert FilePreview.objects.get(pk=first.pk).created_at == first.created_at


def test_a_lost_preview_is_queued_again_when_asked_for(world, django_capture_on_commit_callbacks):
    document = document_with(world, "widget.pdf", pdf_pages(1))
    with tenant_context(world.acme):
        StoredFile.objects.filter(pk=document.current_version.file_id).update(
            created_at=timezone.now() - timedelta(hours=1)
        )
    client = signed_in_client(world.personas["approver"])
    with django_capture_on_commit_callbacks() as queued:
        client.get(f"/documents/{document.pk}/")
        client.get(f"/documents/{document.pk}/")  # within the minute: not again
    assert len(queued) == 1


def test_preview_pages_live_and_go_with_their_file(world):
    document = document_with(world, "widget.pdf", pdf_pages(2))
    drawn(world, document)
    with tenant_context(world.acme):
        stored = StoredFile.objects.get(pk=document.current_version.file_id)
        storage = file_storage()
        orphan = page_key(f"{connection.schema_name}/2026/01/gone", 1)
        storage.save(orphan, [b"png"])
        later = timezone.now() + timedelta(minutes=1)
        assert file_orphans_delete(older_than=later) == 1
        kept = {key for key, _ in storage.listing(connection.schema_name)}
        assert {stored.key, page_key(stored.key, 1), page_key(stored.key, 2)} <= kept
        assert orphan not in kept


def test_the_api_lists_preview_pages_with_the_same_access(world):
    document = document_with(world, "widget.pdf", pdf_pages(3))
    drawn(world, document)
    client, headers = api_client(world, "approver")
    output = client.get(f"/api/v1/documents/{document.pk}", **headers).json()
    preview = output["current_version"]["preview"]
    assert (preview["status"], preview["page_count"], len(preview["pages"])) == ("pages", 3, 3)
    assert preview["pages"][0].endswith(f"/api/v1/documents/{document.pk}/versions/1/preview/1")
    page = client.get(preview["pages"][2], **headers)
    assert page.status_code == 200 and page["Content-Type"] == "image/png"

    schema = signed_in_client(world.personas["owner"]).get("/api/schema/?format=json").json()
    assert "/api/v1/documents/{document_id}/versions/{number}/preview/{page}" in schema["paths"]
    assert "/api/v1/approvals/{approval_id}/preview/{page}" in schema["paths"]
    assert {"status", "pages", "page_count"} <= set(
        schema["components"]["schemas"]["PreviewOutput"]["properties"]
    )


def test_no_preview_crosses_client_companies_or_agencies(world):
    document = document_with(world, "widget.pdf", pdf_pages(1))
    drawn(world, document)
    with tenant_context(world.acme):
        approval = ask(world, document.current_version)
    paths = [
        f"/documents/{document.pk}/versions/1/preview/1.png",
        f"/approvals/{approval.pk}/preview/1.png",
    ]
    for path in paths:
        assert signed_in_client(world.personas["approver"]).get(path).status_code == 200
        assert signed_in_client(world.personas["other_company"]).get(path).status_code == 404
        # Another agency's session on acme's host is a stranger here; on its own host the
        # ids name nothing of acme's.
        outsider = world.personas["outsider"]
        assert signed_in_client(outsider, host=world.personas["approver"].host).get(
            path
        ).status_code in (302, 403)
        assert signed_in_client(outsider).get(path).status_code == 404
    client, headers = api_client(world, "other_company")
    api_paths = [
        f"/api/v1/documents/{document.pk}/versions/1/preview/1",
        f"/api/v1/approvals/{approval.pk}/preview/1",
    ]
    for path in api_paths:
        assert client.get(path, **headers).status_code == 404


# The approval page


def test_the_approval_page_previews_and_decides_with_two_buttons(world):
    document = document_with(world, "widget.pdf", pdf_pages(2))
    drawn(world, document)
    with tenant_context(world.acme):
        approval = ask(world, document.current_version)
    client = signed_in_client(world.personas["approver"])
    page = client.get(f"/approvals/{approval.pk}/").text
    assert f'src="/approvals/{approval.pk}/preview/2.png"' in page
    assert 'value="approved"' in page and ">Approve</button>" in page
    assert ">Request changes</button>" in page and 'type="radio"' not in page
    # Proof only inside the disclosure.
    outside, _, inside = page.partition("<summary>Verification details</summary>")
    assert approval.sha256 not in outside and "verify_activity_log" not in outside
    assert approval.sha256 in inside
    # A client is never shown a command; the team is told how to check an exported record.
    assert "verify_activity_log" not in inside
    team_page = signed_in_client(world.personas["staff"]).get(f"/approvals/{approval.pk}/").text
    assert "manage.py verify_activity_log --record" in team_page

    refused = client.post(f"/approvals/{approval.pk}/decide/", {"decision": "changes_requested"})
    assert refused.status_code == 400
    assert '<div class="error" id="decision-comment_error"><p>Say what needs to change.' in (
        refused.text
    )
    done = client.post(
        f"/approvals/{approval.pk}/decide/",
        {"decision": "approved"},
        headers={"HX-Request": "true"},
    )
    assert f"You approved {document.name}, version 1</strong>" in done.text


def test_the_api_shows_an_approvals_preview_and_needs_a_comment_for_changes(world):
    document = document_with(world, "widget.pdf", pdf_pages(1))
    drawn(world, document)
    with tenant_context(world.acme):
        approval = ask(world, document.current_version)
    client, headers = api_client(world, "approver")
    output = client.get(f"/api/v1/approvals/{approval.pk}", **headers).json()
    assert output["preview"]["status"] == "pages"
    page = client.get(output["preview"]["pages"][0], **headers)
    assert page.status_code == 200 and page["Content-Type"] == "image/png"
    refused = client.post(
        f"/api/v1/approvals/{approval.pk}/decisions",
        {"decision": "changes_requested", "comment": ""},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 400 and "comment" in refused.json()


# Through a real worker: the task carries the agency and draws in its schema.


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """The test database without the per-test transaction, which the worker could not see."""
    with django_db_blocker.unblock():
        yield


def test_a_worker_draws_the_preview_in_the_uploading_agencys_schema(
    committed, celery_worker, settings
):
    # Where the worker stores: the project's default, not this module's tmp_path.
    settings.FILE_STORAGE_ROOT = project_settings.FILE_STORAGE_ROOT
    acme = Agency.objects.get(subdomain="acme")
    with tenant_context(acme):
        owner = User.objects.get(email="owner@acme.example")
        stored = file_store(upload=pdf_file("worker.pdf", pdf_pages(2)), uploaded_by=owner)
    try:
        with tenant_context(acme):
            # file_store queued the task on commit (outside a transaction: at once).
            wait_until(lambda: FilePreview.objects.filter(file=stored).exists())
            preview = FilePreview.objects.get(file=stored)
            assert (preview.state, preview.pages, preview.page_count) == (PreviewState.READY, 2, 2)
            with file_storage().open(page_key(stored.key, 2)) as page:
                assert page.read(8) == PNG_SIGNATURE
    finally:
        with tenant_context(acme):
            stored.delete()  # and its preview, by cascade
            for number in (1, 2):
                file_storage().delete(page_key(stored.key, number))
            file_storage().delete(stored.key)
        connection.set_schema_to_public()
