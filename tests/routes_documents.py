"""Matrix entries for the document hub routes (see tests/access_matrix.py), and the builders
of the documents they are checked on."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from fpdf import FPDF

from tenant_apps.documents.actions import document_upload, folder_create
from tenant_apps.files.tasks import file_preview_make
from tests.access_matrix import CLIENTS, SIGNED_IN_HERE, TEAM, api, signed_in
from tests.routes_people import SEES_NORTHWIND, hiding

CONTRIBUTORS = ["client_admin", "approver", "finance"]
NORTHWIND_UPLOADERS = [*TEAM, *CONTRIBUTORS]  # viewers read only
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf_file(name="Brief.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_folder(world, *, name="Designs", company=None, parent=None, internal=False, by="staff"):
    with tenant_context(world.acme):
        return folder_create(
            company=company or world.northwind,
            parent=parent,
            name=name,
            is_internal=internal,
            actor=world.personas[by].user,
        )


def make_document(world, *, upload=None, company=None, folder=None, by="staff", **fields):
    """A document in Northwind's space (or ``company``'s), uploaded by ``by``."""
    with tenant_context(world.acme):
        return document_upload(
            company=company or world.northwind,
            folder=folder,
            upload=upload or pdf_file(),
            actor=world.personas[by].user,
            **fields,
        )


def northwind(world) -> tuple:
    return (world.northwind.pk,)


def southwind(world) -> tuple:
    return (world.southwind.pk,)


def northwind_folder(world) -> tuple:
    return (make_folder(world).pk,)


def internal_folder(world) -> tuple:
    return (make_folder(world, name="Margins", internal=True).pk,)


def northwind_document(world) -> tuple:
    return (make_document(world).pk,)


def internal_document(world) -> tuple:
    folder = make_folder(world, name="Margins", internal=True)
    return (make_document(world, folder=folder).pk,)


def northwind_version(world) -> tuple:
    return (make_document(world).pk, 1)


def one_page_pdf(text="Preview me") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def northwind_preview_page(world) -> tuple:
    """Page 1 of the preview of a Northwind document's version 1."""
    document = make_document(world, upload=pdf_file(content=one_page_pdf()))
    with tenant_context(world.acme):
        file_preview_make(document.current_version.file_id)
    return (document.pk, 1, 1)


def internal_version(world) -> tuple:
    return (*internal_document(world), 1)


def on_northwind(case):
    """``case`` on something of Northwind's: Southwind's client admin never learns it exists."""
    return hiding(case, "other_company")


def team_only(case):
    """``case`` on something internal: it does not exist for any client."""
    return hiding(case, *CLIENTS)


# The matrix posts no form fields: whoever may post gets the form back with errors (400).
TENANT_ROUTES = {
    # Client people have one space: the hub sends them to it.
    "documents:hub": signed_in(200, 302, TEAM),
    "documents:search": signed_in(200, 200, SIGNED_IN_HERE),
    "documents:space": on_northwind(signed_in(200, 403, SEES_NORTHWIND, args=northwind)),
    "documents:folder": on_northwind(signed_in(200, 403, SEES_NORTHWIND, args=northwind_folder)),
    "documents:folder_create": on_northwind(
        signed_in(400, 403, TEAM, method="post", args=northwind)
    ),
    "documents:upload": on_northwind(
        signed_in(400, 403, NORTHWIND_UPLOADERS, method="post", args=northwind)
    ),
    "documents:document": on_northwind(
        signed_in(200, 403, SEES_NORTHWIND, args=northwind_document)
    ),
    "documents:edit": on_northwind(
        signed_in(400, 403, TEAM, method="post", args=northwind_document)
    ),
    "documents:version_add": on_northwind(
        signed_in(400, 403, NORTHWIND_UPLOADERS, method="post", args=northwind_document)
    ),
    "documents:version_download": on_northwind(
        signed_in(200, 403, SEES_NORTHWIND, args=northwind_version)
    ),
    "documents:version_preview_page": on_northwind(
        signed_in(200, 403, SEES_NORTHWIND, args=northwind_preview_page)
    ),
    # The API (tests/test_documents_api.py walks API_MORE_CASES below).
    "api-document-folders": api(200, 200, SIGNED_IN_HERE),
    "api-documents": api(200, 200, SIGNED_IN_HERE),
    "api-document": on_northwind(api(200, 403, SEES_NORTHWIND, args=northwind_document)),
    "api-document-versions": on_northwind(api(200, 403, SEES_NORTHWIND, args=northwind_document)),
    # The matrix's body is "{}" and names no file: a 400 once access is granted.
    "api-document-version-upload": on_northwind(
        api(400, 403, NORTHWIND_UPLOADERS, method="put", args=northwind_document)
    ),
    "api-document-version-download": on_northwind(
        api(200, 403, SEES_NORTHWIND, args=northwind_version)
    ),
    "api-document-version-preview-page": on_northwind(
        api(200, 403, SEES_NORTHWIND, args=northwind_preview_page)
    ),
}

# Second objects of the page routes above; tests/test_documents_pages.py walks them.
MORE_CASES = {
    "internal folder": (
        "documents:folder",
        team_only(signed_in(200, 403, TEAM, args=internal_folder)),
    ),
    "internal document": (
        "documents:document",
        team_only(signed_in(200, 403, TEAM, args=internal_document)),
    ),
    "internal version download": (
        "documents:version_download",
        team_only(signed_in(200, 403, TEAM, args=internal_version)),
    ),
    # Staff work for Northwind only; Southwind's client admin uploads to their own space.
    "upload to Southwind": (
        "documents:upload",
        hiding(
            signed_in(400, 403, ["owner", "admin", "other_company"], method="post", args=southwind),
            "staff",
            "client_admin",
            "approver",
            "finance",
            "viewer",
        ),
    ),
}

# The API's second methods and objects. The matrix sends an empty JSON body: whoever may write
# gets field errors (400), an empty PATCH changes nothing (200), and multipart-only uploads
# answer 415 once access is granted.
API_MORE_CASES = {
    "folders (post)": ("api-document-folders", api(400, 403, TEAM, method="post")),
    "documents (post)": (
        "api-documents",
        api(415, 403, [*NORTHWIND_UPLOADERS, "other_company"], method="post"),
    ),
    "document (patch)": (
        "api-document",
        on_northwind(api(200, 403, TEAM, method="patch", args=northwind_document)),
    ),
    "versions (post)": (
        "api-document-versions",
        on_northwind(api(415, 403, NORTHWIND_UPLOADERS, method="post", args=northwind_document)),
    ),
    "internal document": (
        "api-document",
        team_only(api(200, 403, TEAM, args=internal_document)),
    ),
    "internal version download": (
        "api-document-version-download",
        team_only(api(200, 403, TEAM, args=internal_version)),
    ),
}
