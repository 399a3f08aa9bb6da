"""The document hub API: uploads (multipart and raw body), versions, downloads, folders,
search, bad input that leaves nothing behind, isolation, query counts and the schema."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenant_apps.documents.models import Document, DocumentVersion
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tests.access_matrix import PERSONAS
from tests.people_support import ACME, api_client
from tests.routes_documents import API_MORE_CASES, PDF, make_document, make_folder, pdf_file
from tests.test_access_matrix import TENANT_URLCONF, check
from tests.test_requests_api import Api as RequestsApi

DOCUMENTS = "/api/v1/documents"
FOLDERS = "/api/v1/document-folders"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("label", sorted(API_MORE_CASES))
def test_more_api_cases(world, label, persona):
    name, case = API_MORE_CASES[label]
    check(world, TENANT_URLCONF, ACME, name, case, persona)


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"
    return settings.FILE_STORAGE_ROOT


class Api(RequestsApi):
    """acme's API as one persona, also sending raw bodies."""

    def put(self, path, body: bytes, **extra):
        return self.client.put(
            path, body, content_type="application/octet-stream", **self.headers, **extra
        )


@pytest.fixture
def as_(world):
    """``as_("staff")``: the API as that persona, signed in once per test."""
    made = {}

    def persona(key) -> Api:
        if key not in made:
            made[key] = Api(world, key)
        return made[key]

    return persona


def state(world) -> tuple:
    """Documents, versions, file rows and stored objects: what a refusal must not add to."""
    with tenant_context(world.acme):
        return (
            Document.objects.count(),
            DocumentVersion.objects.count(),
            StoredFile.objects.count(),
            sorted(key for key, _ in file_storage().listing(world.acme.schema_name)),
        )


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def refused(response, field) -> list[str]:
    assert response.status_code == 400, response.content
    return response.json()[field]


# Uploading and reading back


def test_upload_a_document_then_read_it_back(world, as_):
    designs = make_folder(world)
    response = as_("finance").upload(
        DOCUMENTS,
        {
            "company": world.northwind.pk,
            "folder": designs.pk,
            "file": pdf_file("Purchase order.pdf"),
            "description": "PO for the spring campaign",
            "kind": "report",  # only the team picks the kind
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"/api/v1/documents/{body['id']}"
    version = body["current_version"]
    assert {key: body[key] for key in ("name", "description", "kind", "is_internal")} == {
        "name": "Purchase order.pdf",
        "description": "PO for the spring campaign",
        "kind": "document",
        "is_internal": False,
    }
    assert (body["company"]["name"], body["folder_id"]) == ("Northwind", designs.pk)
    assert version["number"] == 1
    assert version["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (version["size"], version["content_type"]) == (len(PDF), "application/pdf")
    assert version["uploaded_by"]["full_name"] == "Northwind Finance"
    assert version["text_extraction"] == "pending"

    assert as_("viewer").get(body["url"]).json() == body
    download = as_("viewer").get(version["download_url"])
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith('attachment; filename="Purchase order.pdf"')
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_versions_by_multipart_and_by_raw_body(world, as_):
    document = make_document(world, upload=pdf_file("Plan.pdf"))
    base = f"{DOCUMENTS}/{document.pk}/versions"
    second, third = PDF + b"% two\n", PDF + b"% three\n"

    posted = as_("approver").upload(base, {"file": pdf_file("Plan v2.pdf", second), "note": "v2"})
    assert posted.status_code == 201, posted.content
    assert (posted.json()["number"], posted.json()["note"]) == (2, "v2")

    put = as_("staff").put(f"{base}/upload?name=Plan%20v3.pdf&note=Final", third)
    assert put.status_code == 201, put.content
    assert put.json()["sha256"] == hashlib.sha256(third).hexdigest()

    listed = as_("viewer").get(base)
    assert [(v["number"], v["name"], v["note"]) for v in listed.json()] == [
        (3, "Plan v3.pdf", "Final"),
        (2, "Plan v2.pdf", "v2"),
        (1, "Plan.pdf", ""),
    ]
    assert as_("viewer").get(f"{DOCUMENTS}/{document.pk}").json()["current_version"]["number"] == 3
    for number, content in [(1, PDF), (2, second), (3, third)]:
        download = as_("viewer").get(f"{base}/{number}/download")
        assert b"".join(download.streaming_content) == content


# Bad input: a clear 400, and nothing stored


def test_a_raw_body_over_the_limit_is_refused_before_it_is_read(world, as_, settings):
    document = make_document(world)
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1000
    before = state(world)
    response = as_("staff").put(
        f"{DOCUMENTS}/{document.pk}/versions/upload?name=big.pdf", PDF + bytes(2000)
    )
    assert refused(response, "file") == [
        '"big.pdf" was refused: it is larger than the 1000\xa0bytes limit.'
    ]
    assert state(world) == before


@pytest.mark.parametrize(
    ("query", "body", "field", "message"),
    [
        ("", PDF, "name", "This field is required."),
        ("?name=empty.pdf", b"", "file", '"empty.pdf" was refused: it is empty.'),
        (
            "?name=page.pdf",
            b"<html><script>alert(1)</script></html>",
            "file",
            '"page.pdf" was refused: it contains HTML or SVG markup, which is never accepted.',
        ),
        (
            "?name=../../etc/cron.d/evil.sh",
            b"#!/bin/sh\n",
            "file",
            '"evil.sh" was refused: .sh files are not accepted',
        ),
    ],
)
def test_a_refused_raw_body_stores_nothing(world, as_, query, body, field, message):
    document = make_document(world)
    before = state(world)
    response = as_("staff").put(f"{DOCUMENTS}/{document.pk}/versions/upload{query}", body)
    assert refused(response, field)[0].startswith(message)
    assert state(world) == before


def test_refused_multipart_uploads_name_the_file_and_store_nothing(world, as_, settings):
    make_document(world, upload=pdf_file("Brief.pdf"))
    theirs = make_folder(world, name="Theirs", company=world.southwind, by="owner")
    margins = make_folder(world, name="Margins", internal=True)
    before = state(world)

    def upload(persona="client_admin", **fields):
        data = {"company": world.northwind.pk, "file": pdf_file("New.pdf")} | fields
        return as_(persona).upload(DOCUMENTS, data)

    duplicate = upload(file=pdf_file("BRIEF.pdf"))
    assert refused(duplicate, "name") == [
        "A document with that name is already in this folder; upload a new version of it instead."
    ]
    assert refused(upload("owner", folder=theirs.pk), "folder") == [
        "That folder belongs to another client."
    ]
    # Clients do not see internal folders: to them it does not exist.
    assert refused(upload(folder=margins.pk), "folder") == [
        f'Invalid pk "{margins.pk}" - object does not exist.'
    ]
    assert refused(upload(company=world.southwind.pk), "company") == [
        f'Invalid pk "{world.southwind.pk}" - object does not exist.'
    ]
    forbidden = upload(file=pdf_file("tool.pdf.exe", b"MZ\x90\x00"))
    assert refused(forbidden, "file") == [
        '"tool.pdf.exe" was refused: .exe files are not accepted (accepted: csv, doc, docx, gif, '
        "jpeg, jpg, pdf, png, ppt, pptx, txt, webp, xls, xlsx, zip)."
    ]
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1000
    oversize = upload(file=pdf_file("huge.pdf", PDF + bytes(1000)))
    assert refused(oversize, "file") == [
        '"huge.pdf" was refused: it is larger than the 1000\xa0bytes limit.'
    ]
    assert state(world) == before


def test_viewers_cannot_upload_anything(world, as_):
    document = make_document(world)
    before = state(world)
    viewer = as_("viewer")
    new = viewer.upload(DOCUMENTS, {"company": world.northwind.pk, "file": pdf_file("x.pdf")})
    version = viewer.upload(f"{DOCUMENTS}/{document.pk}/versions", {"file": pdf_file()})
    raw = viewer.put(f"{DOCUMENTS}/{document.pk}/versions/upload?name=x.pdf", PDF)
    assert [new.status_code, version.status_code, raw.status_code] == [403, 403, 403]
    assert state(world) == before


# Folders


def test_the_team_creates_folders_clients_list_only_theirs(world, as_):
    staff = as_("staff")
    top = staff.post(FOLDERS, {"company": world.northwind.pk, "name": "Campaign"})
    assert top.status_code == 201, top.content
    internal = staff.post(
        FOLDERS,
        {
            "company": world.northwind.pk,
            "parent": top.json()["id"],
            "name": "Costs",
            "is_internal": True,
        },
    )
    assert internal.json()["is_internal"] is True
    inside = staff.post(
        FOLDERS, {"company": world.northwind.pk, "parent": internal.json()["id"], "name": "Q1"}
    )
    assert (inside.json()["parent_id"], inside.json()["is_internal"]) == (
        internal.json()["id"],
        True,
    )
    again = staff.post(FOLDERS, {"company": world.northwind.pk, "name": "campaign"})
    assert refused(again, "name") == ["There is already a folder called “campaign” here."]
    theirs = make_folder(world, name="Theirs", company=world.southwind, by="owner")
    wrong_parent = as_("owner").post(
        FOLDERS, {"company": world.northwind.pk, "parent": theirs.pk, "name": "X"}
    )
    assert refused(wrong_parent, "parent") == ["That folder belongs to another client."]

    assert [f["name"] for f in results(as_("owner").get(FOLDERS))] == [
        "Campaign",
        "Costs",
        "Q1",
        "Theirs",
    ]
    assert [f["name"] for f in results(as_("client_admin").get(FOLDERS))] == ["Campaign"]
    assert [f["name"] for f in results(as_("other_company").get(FOLDERS))] == ["Theirs"]
    nested = results(as_("owner").get(FOLDERS, {"parent": top.json()["id"]}))
    assert [f["name"] for f in nested] == ["Costs"]


def test_the_team_renames_documents(world, as_):
    document = make_document(world, upload=pdf_file("scan0001.pdf"))
    url = f"{DOCUMENTS}/{document.pk}"
    renamed = as_("staff").patch(url, {"name": "Signed order", "kind": "report"})
    assert (renamed.json()["name"], renamed.json()["kind"]) == ("Signed order", "report")
    assert as_("client_admin").patch(url, {"name": "Mine"}).status_code == 403


# Lists, search and isolation


def test_lists_hold_only_what_each_person_may_see(world, as_):
    make_document(world, upload=pdf_file("Northwind brief.pdf"))
    margins = make_folder(world, name="Margins", internal=True)
    make_document(world, folder=margins, upload=pdf_file("Northwind margins.pdf"))
    make_document(world, company=world.southwind, by="owner", upload=pdf_file("Southwind.pdf"))

    def names(persona, **params):
        return sorted(d["name"] for d in results(as_(persona).get(DOCUMENTS, params)))

    assert names("owner") == ["Northwind brief.pdf", "Northwind margins.pdf", "Southwind.pdf"]
    assert names("staff") == ["Northwind brief.pdf", "Northwind margins.pdf"]
    assert names("viewer") == ["Northwind brief.pdf"]
    assert names("other_company") == ["Southwind.pdf"]
    assert names("owner", company=world.southwind.pk) == ["Southwind.pdf"]
    assert names("owner", folder="top", company=world.northwind.pk) == ["Northwind brief.pdf"]
    assert names("viewer", q="northw") == ["Northwind brief.pdf"]
    assert names("staff", q="margins") == ["Northwind margins.pdf"]
    assert names("viewer", q="margins") == []
    assert names("other_company", q="northwind") == []


def test_search_ranks_name_matches_above_description_matches(world, as_):
    make_document(world, upload=pdf_file("notes.pdf"), description="About the invoice run")
    make_document(world, upload=pdf_file("Invoice 2027-01.pdf"))
    found = results(as_("viewer").get(DOCUMENTS, {"q": "invoice"}))
    assert [d["name"] for d in found] == ["Invoice 2027-01.pdf", "notes.pdf"]
    assert results(as_("viewer").get(DOCUMENTS, {"q": "2027 invoice"}))[0]["name"] == (
        "Invoice 2027-01.pdf"
    )
    assert results(as_("viewer").get(DOCUMENTS, {"q": "&|!():*"})) == []


def test_the_list_runs_the_same_queries_for_many_rows(world, as_):
    api = as_("client_admin")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            results(api.get(DOCUMENTS))
        return len(captured)

    for number in range(3):
        make_document(world, upload=pdf_file(f"few {number}.pdf"))
    queries()  # the first request switches schema
    few = queries()
    for number in range(20):
        make_document(world, upload=pdf_file(f"many {number}.pdf"))
    # Token user, actor; the page of documents with company, folder, version, file, uploader.
    assert queries() == few


def test_the_schema_documents_every_operation(world):
    client, headers = api_client(world, "owner")
    schema = client.get("/api/schema/?format=json", **headers).json()
    paths = schema["paths"]
    assert set(paths["/api/v1/documents"]) >= {"get", "post"}
    assert set(paths["/api/v1/document-folders"]) >= {"get", "post"}
    assert set(paths["/api/v1/documents/{document_id}"]) >= {"get", "patch"}
    assert set(paths["/api/v1/documents/{document_id}/versions"]) >= {"get", "post"}
    raw = paths["/api/v1/documents/{document_id}/versions/upload"]["put"]
    assert "application/octet-stream" in raw["requestBody"]["content"]
    download = paths["/api/v1/documents/{document_id}/versions/{number}/download"]["get"]
    assert "*/*" in download["responses"]["200"]["content"]  # the type sniffed at upload
