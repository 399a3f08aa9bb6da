"""The document hub pages: spaces and folders, uploads (one file per request as the page's
script sends them, or a whole no-script form), versions, edits, downloads, and query counts."""

import hashlib
import html
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.approvals.actions import approval_request
from tenant_apps.documents.actions import version_add
from tenant_apps.documents.models import Document, DocumentKind, DocumentVersion, Folder
from tenant_apps.documents.signals import version_added
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tests.access_matrix import PERSONAS
from tests.conftest import signed_in_client
from tests.routes_documents import (
    MORE_CASES,
    PDF,
    make_document,
    make_folder,
    pdf_file,
)
from tests.test_access_matrix import TENANT_URLCONF, check

JSON = {"HTTP_ACCEPT": "application/json"}
HTMX_LISTING = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "document-listing"}


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"
    return settings.FILE_STORAGE_ROOT


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(MORE_CASES))
def test_more_access_cases(world, case, persona):
    name, matrix_case = MORE_CASES[case]
    check(world, TENANT_URLCONF, "acme.localhost", name, matrix_case, persona)


def browser(world, persona):
    return signed_in_client(world.personas[persona])


def in_acme(world, work):
    with tenant_context(world.acme):
        return work()


def stored_objects(world) -> set[str]:
    return {key for key, _ in file_storage().listing(world.acme.schema_name)}


def state(world) -> tuple:
    """Documents, versions, file rows and stored objects: what a refusal must not add to."""
    return in_acme(
        world,
        lambda: (
            Document.objects.count(),
            DocumentVersion.objects.count(),
            StoredFile.objects.count(),
            len(stored_objects(world)),
        ),
    )


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def upload_page(world, persona="client_admin", company=None, *, files, json=True, **fields):
    company = company or world.northwind
    data = {"files": files, **fields}
    return browser(world, persona).post(
        f"/documents/clients/{company.pk}/upload/", data, **(JSON if json else {})
    )


# Spaces, folders and what each person sees


def test_the_team_hub_lists_client_spaces_and_clients_go_to_their_own(world):
    make_document(world)
    margins = make_folder(world, name="Margins", internal=True)
    make_document(world, folder=margins, upload=pdf_file("margins.pdf"))

    page = browser(world, "owner").get("/documents/")
    assert page.status_code == 200
    rows = {company.name: company.document_count for company in page.context["page"]}
    assert rows == {"Northwind": 2, "Southwind": 0}

    staff = browser(world, "staff").get("/documents/")
    assert [company.name for company in staff.context["page"]] == ["Northwind"]

    client = browser(world, "viewer").get("/documents/")
    assert client["Location"] == f"/documents/clients/{world.northwind.pk}/"


def test_clients_never_see_internal_folders_or_their_documents(world):
    make_folder(world, name="Designs")
    margins = make_folder(world, name="Margins", internal=True)
    make_document(world, folder=margins, upload=pdf_file("margins.pdf"))
    make_document(world, upload=pdf_file("brief.pdf"))
    url = f"/documents/clients/{world.northwind.pk}/"

    team = browser(world, "staff").get(url)
    assert [folder.name for folder in team.context["folders"]] == ["Designs", "Margins"]
    assert b"Internal" in team.content

    client = browser(world, "viewer").get(url)
    assert [folder.name for folder in client.context["folders"]] == ["Designs"]
    assert [document.name for document in client.context["page"]] == ["brief.pdf"]
    assert b"Margins" not in client.content
    assert b"margins.pdf" not in client.content
    assert browser(world, "viewer").get(f"/documents/folders/{margins.pk}/").status_code == 404


def test_folders_nest_and_inside_an_internal_folder_stay_internal(world):
    staff = browser(world, "staff")
    url = f"/documents/clients/{world.northwind.pk}/folders/"
    created = staff.post(url, {"name": "Campaign 2027"})
    campaign = in_acme(world, lambda: Folder.objects.get(name="Campaign 2027"))
    assert created["Location"] == f"/documents/folders/{campaign.pk}/"

    staff.post(url, {"name": "Budget", "parent": campaign.pk, "is_internal": "on"})
    budget = in_acme(world, lambda: Folder.objects.get(name="Budget"))
    staff.post(url, {"name": "Quotes", "parent": budget.pk})
    quotes = in_acme(world, lambda: Folder.objects.get(name="Quotes"))
    assert (budget.parent_id, budget.is_internal) == (campaign.pk, True)
    assert (quotes.parent_id, quotes.is_internal) == (budget.pk, True)

    page = staff.get(f"/documents/folders/{quotes.pk}/")
    assert [step.name for step in page.context["path"]] == ["Campaign 2027", "Budget", "Quotes"]
    campaign_page = browser(world, "client_admin").get(f"/documents/folders/{campaign.pk}/")
    assert list(campaign_page.context["folders"]) == []  # Budget is the team's


def test_a_folder_name_taken_in_the_same_place_is_a_form_error(world):
    make_folder(world, name="Designs")
    response = browser(world, "staff").post(
        f"/documents/clients/{world.northwind.pk}/folders/", {"name": "designs"}
    )
    assert response.status_code == 400
    assert "There is already a folder called “designs” here." in text_of(response)


def test_client_people_cannot_create_folders(world):
    response = browser(world, "client_admin").post(
        f"/documents/clients/{world.northwind.pk}/folders/", {"name": "Ours"}
    )
    assert response.status_code == 403
    assert not in_acme(world, lambda: Folder.objects.exists())


# Uploading


def test_the_page_script_uploads_each_file_on_its_own_and_gets_json(world):
    designs = make_folder(world, name="Designs")
    response = upload_page(
        world, files=[pdf_file("Logo brief.pdf")], folder=designs.pk, description="For the logo"
    )

    assert response.status_code == 201
    [created] = response.json()["documents"]
    document = in_acme(
        world, lambda: Document.objects.select_related("current_version__file").get()
    )
    assert created == {
        "id": document.pk,
        "name": "Logo brief.pdf",
        "url": f"/documents/{document.pk}/",
    }
    assert (document.folder_id, document.description, document.kind) == (
        designs.pk,
        "For the logo",
        DocumentKind.DOCUMENT,
    )
    file = document.current_version.file
    assert (document.current_version.number, file.sha256) == (1, hashlib.sha256(PDF).hexdigest())
    assert file.uploaded_by == world.personas["client_admin"].user
    assert in_acme(world, lambda: ActivityEntry.objects.filter(action="documents.uploaded").count())


def test_without_script_one_post_uploads_several_files(world):
    response = upload_page(
        world,
        "staff",
        files=[pdf_file("a.pdf"), pdf_file("b.pdf")],
        kind="deliverable",
        json=False,
    )
    assert response.status_code == 302
    assert response["Location"] == f"/documents/clients/{world.northwind.pk}/"
    documents = in_acme(world, lambda: list(Document.objects.values_list("name", "kind")))
    assert sorted(documents) == [("a.pdf", "deliverable"), ("b.pdf", "deliverable")]


def test_only_the_team_sets_the_kind(world):
    upload_page(world, files=[pdf_file()], kind="deliverable")
    assert in_acme(world, lambda: Document.objects.get().kind) == DocumentKind.DOCUMENT


def test_a_refused_file_in_a_no_script_post_stores_nothing_at_all(world):
    before = state(world)
    response = upload_page(
        world,
        "staff",
        files=[pdf_file("fine.pdf"), pdf_file("tool.exe", b"MZ\x90\x00")],
        json=False,
    )
    assert response.status_code == 400
    assert '"tool.exe" was refused: .exe files are not accepted' in text_of(response)
    assert state(world) == before


def test_viewers_cannot_upload_and_nothing_is_read_or_stored(world):
    before = state(world)
    assert upload_page(world, "viewer", files=[pdf_file()]).status_code == 403
    assert state(world) == before


def test_over_the_agency_limit_is_refused_as_it_arrives(world, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1000
    before = state(world)
    response = upload_page(world, files=[pdf_file("big.pdf", PDF + bytes(1001))])

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "files": ['"big.pdf" was refused: it is larger than the 1000\xa0bytes limit.']
    }
    assert state(world) == before


def test_exactly_the_limit_is_accepted(world, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1000
    upload = pdf_file("exact.pdf", PDF + bytes(1000 - len(PDF)))
    assert upload_page(world, files=[upload]).status_code == 201


def test_a_duplicate_name_is_refused_naming_the_file_and_stores_nothing(world):
    make_document(world, upload=pdf_file("Brief.pdf"))
    before = state(world)
    response = upload_page(world, files=[pdf_file("brief.PDF")])

    assert response.status_code == 400
    assert response.json()["errors"]["files"] == [
        "“brief.PDF”: A document with that name is already in this folder; "
        "upload a new version of it instead."
    ]
    assert state(world) == before


def test_a_folder_of_another_company_is_refused(world):
    theirs = make_folder(world, name="Southwind files", company=world.southwind, by="owner")
    before = state(world)
    response = upload_page(world, "owner", files=[pdf_file()], folder=theirs.pk)

    assert response.status_code == 400
    assert response.json()["errors"] == {"folder": ["That folder belongs to another client."]}
    assert state(world) == before


def test_clients_cannot_upload_into_internal_folders(world):
    margins = make_folder(world, name="Margins", internal=True)
    response = upload_page(world, files=[pdf_file()], folder=margins.pk)
    assert response.status_code == 400
    assert "folder" in response.json()["errors"]
    assert not in_acme(world, lambda: Document.objects.exists())


def test_documents_in_internal_folders_are_internal(world):
    margins = make_folder(world, name="Margins", internal=True)
    upload_page(world, "staff", files=[pdf_file()], folder=margins.pk)
    assert in_acme(world, lambda: Document.objects.get().is_internal)


def test_after_uploads_htmx_reloads_only_the_listing(world):
    make_document(world, upload=pdf_file("listed.pdf"))
    response = browser(world, "staff").get(
        f"/documents/clients/{world.northwind.pk}/", **HTMX_LISTING
    )
    listing = response.content.decode()
    assert listing.lstrip().startswith('<div id="document-listing"')
    assert "listed.pdf" in listing
    assert "Upload to" not in listing


# One document: versions, downloads, edits


def test_a_new_version_becomes_current_and_every_version_stays_downloadable(world):
    document = make_document(world, upload=pdf_file("Plan.pdf", PDF))
    second = PDF + b"% version two\n"
    sent = []
    version_added.connect(receiver := lambda **kwargs: sent.append(kwargs["version"].number))
    try:
        response = browser(world, "approver").post(
            f"/documents/{document.pk}/versions/",
            {"file": pdf_file("Plan v2.pdf", second), "note": "Colours fixed"},
            **JSON,
        )
    finally:
        version_added.disconnect(receiver)
    assert response.status_code == 201
    assert response.json() == {"version": 2}
    assert sent == [2]

    page = browser(world, "viewer").get(f"/documents/{document.pk}/")
    versions = list(page.context["versions"])
    assert [(v.number, v.file.name, v.note) for v in versions] == [
        (2, "Plan v2.pdf", "Colours fixed"),
        (1, "Plan.pdf", ""),
    ]
    shown = text_of(page)
    for version, content in zip(versions, [second, PDF], strict=True):
        assert version.file.sha256 == hashlib.sha256(content).hexdigest()
        assert version.file.sha256 in shown
    assert "Northwind Approver" in shown  # who uploaded v2
    assert "Upload a new version" not in shown  # viewers read only

    for number, content in [(1, PDF), (2, second)]:
        download = browser(world, "viewer").get(
            f"/documents/{document.pk}/versions/{number}/download/"
        )
        assert b"".join(download.streaming_content) == content
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["X-Content-Type-Options"] == "nosniff"
    missing = browser(world, "viewer").get(f"/documents/{document.pk}/versions/3/download/")
    assert missing.status_code == 404


def test_a_refused_version_changes_nothing(world, settings):
    document = make_document(world)
    before = state(world)
    response = browser(world, "staff").post(
        f"/documents/{document.pk}/versions/",
        {"file": pdf_file("Plan.pdf", b"<html><script>alert(1)</script></html>")},
    )
    assert response.status_code == 400
    assert "HTML or SVG markup" in text_of(response)
    assert state(world) == before
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 100
    response = browser(world, "staff").post(
        f"/documents/{document.pk}/versions/",
        {"file": pdf_file("Plan.pdf", PDF + bytes(200))},
        **JSON,
    )
    assert response.json()["errors"] == {
        "file": ['"Plan.pdf" was refused: it is larger than the 100\xa0bytes limit.']
    }
    assert state(world) == before


def test_the_team_renames_and_describes_documents(world):
    document = make_document(world, upload=pdf_file("scan0001.pdf"))
    make_document(world, upload=pdf_file("Contract.pdf"))
    staff = browser(world, "staff")
    url = f"/documents/{document.pk}/edit/"

    saved = staff.post(
        url, {"name": "Signed order", "description": "Countersigned", "kind": "report"}
    )
    assert saved.status_code == 302
    document = in_acme(world, lambda: Document.objects.get(pk=document.pk))
    assert (document.name, document.description, document.kind) == (
        "Signed order",
        "Countersigned",
        "report",
    )
    taken = staff.post(url, {"name": "contract.pdf", "description": "", "kind": "document"})
    assert taken.status_code == 400
    assert "already in this folder" in text_of(taken)
    forbidden = browser(world, "client_admin").post(url, {"name": "Mine", "kind": "document"})
    assert forbidden.status_code == 403


# Queries: as many for 10 rows as for many


def _query_count(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_a_space_runs_as_many_queries_for_many_rows_as_for_few(world):
    client = browser(world, "client_admin")
    url = f"/documents/clients/{world.northwind.pk}/"

    def add(count, start):
        for number in range(start, start + count):
            folder = make_folder(world, name=f"Folder {number}")
            make_document(world, upload=pdf_file(f"doc {number}.pdf"))
            make_document(world, folder=folder, upload=pdf_file(f"inner {number}.pdf"))

    add(3, 0)
    _query_count(client, url)  # the first request switches schema and caches the brand
    few = _query_count(client, url)
    add(12, 3)
    many = _query_count(client, url)
    # Session, user and actor; the company; folders with their counts; documents' count and
    # page (with version, file and uploader joined).
    assert len(few) == len(many), "\n".join(many)
    assert sum("COUNT(*)" in sql for sql in many) == 1


def test_the_hub_and_a_document_run_a_fixed_number_of_queries(world):
    client = browser(world, "owner")
    document = make_document(world)
    _query_count(client, "/documents/")
    hub_few = _query_count(client, "/documents/")
    page_few = _query_count(client, f"/documents/{document.pk}/")
    for number in range(6):
        make_document(world, upload=pdf_file(f"more {number}.pdf"))
        in_acme(
            world,
            lambda: version_add(
                document=document, upload=pdf_file(), actor=world.personas["staff"].user
            ),
        )
    assert len(_query_count(client, "/documents/")) == len(hub_few)
    assert len(_query_count(client, f"/documents/{document.pk}/")) == len(page_few)


def test_upload_errors_are_json_that_the_script_can_show(world):
    response = upload_page(world, files=[])
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "errors": {"files": ["Choose at least one file."]},
        "documents": [],
    }


def test_the_document_page_shows_each_versions_approvals(world):
    document = make_document(world, upload=pdf_file("Logo.pdf"), kind="deliverable")
    staff = world.personas["staff"].user
    with tenant_context(world.acme):
        asked = approval_request(
            company=world.northwind,
            actor=staff,
            approvers=[world.personas["approver"].user],
            version=document.current_version,
            title="Approve the logo",
        )
        version_add(document=document, upload=pdf_file("Logo.pdf", PDF + b"%v2\n"), actor=staff)

    page = browser(world, "approver").get(f"/documents/{document.pk}/")
    v2, v1 = page.context["versions"]
    assert (v2.shown_approvals, [(a.pk, a.status) for a in v1.shown_approvals]) == (
        [],
        [(asked.pk, "superseded")],
    )
    shown = text_of(page)
    assert "Approve the logo" in shown and "Superseded" in shown
    assert "Request approval" not in shown  # the team asks
    team_page = text_of(browser(world, "staff").get(f"/documents/{document.pk}/"))
    assert f"/approvals/new/versions/{v2.pk}/" in team_page
