"""Search: text extracted from PDFs, Word, Excel, PowerPoint and text files by a tenant-carrying,
idempotent, bounded task (once through a real Celery worker), Postgres full-text search over
names, descriptions and that text, filtered to what each person may see."""

import io
import zipfile

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from fpdf import FPDF

from shared_apps.accounts.models import User
from tenant_apps.documents.actions import document_search_refresh, version_add
from tenant_apps.documents.models import Document, DocumentVersion, ExtractionState
from tenant_apps.documents.tasks import extraction_sweep_agency, version_text_extract
from tenant_apps.files.actions import file_store
from tenant_apps.files.storage import file_storage
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.conftest import signed_in_client
from tests.people_support import api_client
from tests.processes import wait_until
from tests.routes_documents import make_document, make_folder, pdf_file

OPENXML = "application/vnd.openxmlformats-officedocument."
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def pdf_with_text(*lines: str) -> bytes:
    pdf = FPDF()
    for line in lines:
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        if line:
            pdf.cell(text=line)
    return bytes(pdf.output())


def _package(main_type: str, parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types><Override PartName="/main.xml" '
            f'ContentType="{OPENXML}{main_type}.main+xml"/></Types>',
        )
        for name, xml in parts.items():
            archive.writestr(name, xml)
    return buffer.getvalue()


def docx_with(*paragraphs: str, prolog: str = "") -> bytes:
    body = "".join(
        f"<w:p><w:r><w:t>{text}</w:t></w:r><w:r><w:tab/><w:t>end</w:t></w:r></w:p>"
        for text in paragraphs
    )
    xml = f'<?xml version="1.0"?>{prolog}<w:document xmlns:w="{W}"><w:body>{body}</w:body>'
    xml += "</w:document>"
    return _package("wordprocessingml.document", {"word/document.xml": xml})


def pptx_with(*slides: str) -> bytes:
    parts = {
        f"ppt/slides/slide{number}.xml": (
            f'<p:sld xmlns:p="{P}" xmlns:a="{A}"><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:sld>'
        )
        for number, text in enumerate(slides, start=1)
    }
    return _package("presentationml.presentation", parts)


def xlsx_with(*cells: str) -> bytes:
    strings = "".join(f"<si><t>{text}</t></si>" for text in cells)
    xml = f'<sst xmlns="{S}" count="{len(cells)}">{strings}</sst>'
    return _package("spreadsheetml.sheet", {"xl/sharedStrings.xml": xml})


@pytest.fixture
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"
    return settings.FILE_STORAGE_ROOT


def upload(world, name, content, **fields) -> Document:
    return make_document(world, upload=pdf_file(name, content), **fields)


def extract(world, document) -> DocumentVersion:
    """Run the task as the worker would, in acme's schema, for the document's current version."""
    with tenant_context(world.acme):
        version_text_extract(document.current_version_id)
        return DocumentVersion.objects.get(pk=document.current_version_id)


def found(world, persona, words) -> list[str]:
    client, headers = api_client(world, persona)
    response = client.get("/api/v1/documents", {"q": words}, **headers)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "forecast.pdf",
            pdf_with_text("Quarterly marmalade forecast", "Second page: apricots"),
            "Quarterly marmalade forecast\nSecond page: apricots",
        ),
        (
            "brief.docx",
            docx_with("Launch plan", "Budget lines"),
            "Launch plan end\nBudget lines end",
        ),
        ("deck.pptx", pptx_with(*[f"Slide {n}" for n in range(1, 12)]), "Slide 1\n"),
        ("sheet.xlsx", xlsx_with("Revenue", "Marmalade sales"), "Revenue\nMarmalade sales"),
        ("notes.txt", "Überweisung für Marmelade\n".encode(), "Überweisung für Marmelade"),
    ],
)
def test_text_is_extracted_from_each_kind(world, storage_root, name, content, expected):
    version = extract(world, upload(world, name, content))
    assert version.extraction == ExtractionState.DONE
    assert version.extracted_text.startswith(expected)


def test_slides_are_read_in_their_order(world, storage_root):
    version = extract(
        world, upload(world, "deck.pptx", pptx_with(*[f"S{n}" for n in range(1, 12)]))
    )
    assert version.extracted_text.split() == [f"S{n}" for n in range(1, 12)]


def test_extracted_text_makes_the_document_searchable(world, storage_root):
    document = upload(world, "q3.pdf", pdf_with_text("The marmalade contract renews in May"))
    assert found(world, "viewer", "marmalade") == []  # not extracted yet
    extract(world, document)
    assert found(world, "viewer", "marmalade") == ["q3.pdf"]
    assert found(world, "viewer", "contr renew") == ["q3.pdf"]  # prefixes, all required
    assert found(world, "viewer", "marmalade june") == []


def test_search_never_shows_clients_internal_or_other_companies_text(world, storage_root):
    margins = make_folder(world, name="Margins", internal=True)
    secret = pdf_with_text("Our marmalade margin is four percent")
    extract(world, upload(world, "margins.pdf", secret, folder=margins))
    extract(world, upload(world, "southwind.pdf", secret, company=world.southwind, by="owner"))

    assert sorted(found(world, "owner", "marmalade")) == ["margins.pdf", "southwind.pdf"]
    assert found(world, "staff", "marmalade") == ["margins.pdf"]
    for persona in ["client_admin", "approver", "finance", "viewer"]:
        assert found(world, persona, "marmalade") == []
    assert found(world, "other_company", "marmalade") == ["southwind.pdf"]
    page = signed_in_client(world.personas["viewer"]).get("/documents/search/", {"q": "marmalade"})
    assert "margin" not in page.content.decode().lower()


def test_the_search_page_marks_matches_in_escaped_snippets(world, storage_root):
    text = b"Intro line.\n<b>Marmalade</b> & toast for the launch party.\n"
    extract(world, upload(world, "party.txt", text, description="Catering"))
    page = signed_in_client(world.personas["viewer"]).get("/documents/search/", {"q": "marmal"})
    content = page.content.decode()
    snippet = content.split('<p class="snippet">')[1].split("</p>")[0]
    # Postgres leaves tags out of headlines; whatever text remains is escaped.
    assert "<mark>Marmalade</mark>" in snippet
    assert "&amp; toast" in snippet
    assert "<b>" not in snippet
    partial = signed_in_client(world.personas["viewer"]).get(
        "/documents/search/",
        {"q": "nothing-like-it"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="search-results",
    )
    assert partial.content.decode().strip().startswith('<div id="search-results">')
    assert "No documents match." in partial.content.decode()


def test_the_task_is_idempotent(world, storage_root):
    document = upload(world, "a.pdf", pdf_with_text("apricot"))
    with tenant_context(world.acme):
        assert version_text_extract(document.current_version_id) == ExtractionState.DONE
        assert version_text_extract(document.current_version_id) is None
        assert version_text_extract(999_999) is None
        assert DocumentVersion.objects.get(pk=document.current_version_id).extracted_text == (
            "apricot"
        )


def test_extracted_text_is_bounded(world, storage_root, settings):
    settings.DOCUMENT_TEXT_MAX_CHARS = 50
    version = extract(world, upload(world, "long.txt", b"marmalade " * 1000))
    assert len(version.extracted_text) <= 50
    assert version.extraction == ExtractionState.DONE


@pytest.mark.parametrize(
    ("name", "content", "state"),
    [
        ("scan.png", b"\x89PNG\r\n\x1a\n" + bytes(64), ExtractionState.NONE),
        ("blank.pdf", pdf_with_text(""), ExtractionState.NONE),
        ("broken.pdf", b"%PDF-1.7\nthis is not really a PDF\n", ExtractionState.FAILED),
        # A document type declaration could expand entities: Office XML never has one.
        (
            "entities.docx",
            docx_with("&lol;", prolog='<!DOCTYPE d [<!ENTITY lol "lol">]>'),
            ExtractionState.FAILED,
        ),
    ],
)
def test_files_without_text_or_damaged_stay_unsearched(world, storage_root, name, content, state):
    document = upload(world, name, content)
    version = extract(world, document)
    assert (version.extraction, version.extracted_text) == (state, "")
    assert found(world, "viewer", name.split(".")[0]) == [name]  # still found by its name


def test_files_over_the_extraction_bound_are_not_read(world, storage_root, settings):
    settings.DOCUMENT_EXTRACT_MAX_BYTES = 100
    version = extract(world, upload(world, "big.txt", b"marmalade " * 20))
    assert version.extraction == ExtractionState.NONE


def test_a_new_versions_text_replaces_the_old_once_extracted(world, storage_root):
    document = upload(world, "plan.pdf", pdf_with_text("apricot jam"))
    extract(world, document)
    with tenant_context(world.acme):
        version_add(
            document=document,
            upload=pdf_file("plan.pdf", pdf_with_text("quince jelly")),
            actor=world.personas["staff"].user,
        )
        document_search_refresh(document.pk)  # any refresh meanwhile keeps the old text
    assert found(world, "viewer", "apricot") == ["plan.pdf"]
    extract(world, document)
    assert found(world, "viewer", "apricot") == []
    assert found(world, "viewer", "quince") == ["plan.pdf"]


def test_the_sweep_requeues_only_versions_left_pending(world, storage_root):
    fresh = upload(world, "fresh.pdf", pdf_with_text("new"))
    stale = upload(world, "stale.pdf", pdf_with_text("old"))
    done = upload(world, "done.pdf", pdf_with_text("done"))
    extract(world, done)
    with tenant_context(world.acme):
        long_ago = fresh.created_at.replace(year=2020)
        DocumentVersion.objects.filter(document__in=[stale, done]).update(created_at=long_ago)
        assert extraction_sweep_agency() == 1


# Through a real worker: the task carries the agency and runs in its schema.


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """The test database without the per-test transaction, which the worker could not see."""
    with django_db_blocker.unblock():
        yield


def test_a_worker_extracts_in_the_uploading_agencys_schema(committed, celery_worker):
    # Rows made directly, not through actions: the activity log refuses the DELETE below.
    acme = Agency.objects.get(subdomain="acme")
    with tenant_context(acme):
        owner = User.objects.get(email="owner@acme.example")
        stored = file_store(
            upload=pdf_file("worker.pdf", pdf_with_text("Marmalade from the worker")),
            uploaded_by=owner,
        )
        document = Document.objects.create(
            company=ClientCompany.objects.get(name="Northwind"), name="worker.pdf", created_by=owner
        )
        version = DocumentVersion.objects.create(document=document, number=1, file=stored)
        Document.objects.filter(pk=document.pk).update(current_version=version)
    try:
        with tenant_context(acme):
            version_text_extract.delay(version.pk)

            def extracted():
                version.refresh_from_db()
                return version.extraction != ExtractionState.PENDING

            wait_until(extracted)
            assert (version.extraction, version.extracted_text) == (
                ExtractionState.DONE,
                "Marmalade from the worker",
            )
            assert Document.objects.filter(pk=document.pk, search_vector="marmalade").exists()
    finally:
        with tenant_context(acme):
            Document.objects.filter(pk=document.pk).update(current_version=None)
            version.delete()
            document.delete()
            stored.delete()
            file_storage().delete(stored.key)
        connection.set_schema_to_public()


def test_past_the_ranking_cap_the_newest_come_first(world, storage_root, settings):
    for name in ["old apricot.pdf", "apricot apricot jam apricot.pdf", "new apricot.pdf"]:
        upload(world, name, pdf_with_text("fruit"))
    settings.DOCUMENT_SEARCH_RANKED_MAX = 3
    assert found(world, "viewer", "apricot")[0] == "apricot apricot jam apricot.pdf"
    page = signed_in_client(world.personas["viewer"]).get("/documents/search/", {"q": "apricot"})
    assert "3 documents, best match first" in page.content.decode()

    settings.DOCUMENT_SEARCH_RANKED_MAX = 2
    assert found(world, "viewer", "apricot") == [
        "new apricot.pdf",
        "apricot apricot jam apricot.pdf",
        "old apricot.pdf",
    ]
    page = signed_in_client(world.personas["viewer"]).get("/documents/search/", {"q": "apricot"})
    assert "More than 2 documents match, newest first." in page.content.decode()
