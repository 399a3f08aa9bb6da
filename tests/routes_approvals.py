"""Matrix entries for the approvals routes (see tests/access_matrix.py), and the builders of
the approvals tests' objects."""

from datetime import timedelta
from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.approvals.actions import approval_cancel, approval_decide, approval_request
from tenant_apps.approvals.models import ApprovalRequest
from tenant_apps.documents.actions import document_upload, folder_create, version_add
from tenant_apps.documents.models import Document, DocumentKind
from tenant_apps.files.actions import file_store
from tenant_apps.files.tasks import file_preview_make
from tenant_apps.invoices.models import Invoice, InvoiceStatus
from tests.access_matrix import SIGNED_IN_HERE, TEAM, api, signed_in
from tests.routes_documents import one_page_pdf
from tests.routes_people import SEES_NORTHWIND, hiding

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
_numbers = count(1)


def pdf_upload(name="brand-guide.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def user(world, persona):
    return world.personas[persona].user


def deliverable(world, *, company=None, name=None, internal=False, by="staff") -> Document:
    """A Northwind deliverable (version 1) uploaded by the staff member; call in acme."""
    folder = None
    if internal:
        folder = folder_create(
            company=company or world.northwind,
            name=f"Internal {next(_numbers)}",
            actor=user(world, "owner"),
            is_internal=True,
        )
    return document_upload(
        company=company or world.northwind,
        upload=pdf_upload(content=PDF + f"% {next(_numbers)}\n".encode()),
        actor=user(world, by),
        folder=folder,
        name=name or f"Brand guide {next(_numbers)}",
        kind=DocumentKind.DELIVERABLE,
    )


def new_version(world, document, *, by="staff"):
    """Version n + 1 of ``document``, with different bytes; call in acme."""
    content = PDF + f"% revision {next(_numbers)}\n".encode()
    return version_add(document=document, upload=pdf_upload(content=content), actor=user(world, by))


def invoice_with_pdf(world, *, company=None, status=InvoiceStatus.SENT) -> Invoice:
    """An uploaded-PDF invoice to Northwind, sent unless a draft; call in acme."""
    owner = user(world, "owner")
    today = timezone.localdate()
    return Invoice.objects.create(
        company=company or world.northwind,
        number=f"INV-{next(_numbers):04}",
        currency="EUR",
        status=status,
        issue_date=today,
        due_date=today + timedelta(days=30),
        pdf=file_store(upload=pdf_upload("invoice.pdf"), uploaded_by=owner),
        created_by=owner,
        sent_at=None if status == InvoiceStatus.DRAFT else timezone.now(),
    )


def ask(world, subject=None, *, approvers=("approver",), by="staff", **fields) -> ApprovalRequest:
    """``by`` asks Northwind's ``approvers`` about ``subject`` (a DocumentVersion or Invoice;
    a new deliverable's version 1 by default); call in acme."""
    if subject is None:
        subject = deliverable(world).current_version
    about = {"invoice": subject} if isinstance(subject, Invoice) else {"version": subject}
    return approval_request(
        company=subject.company if isinstance(subject, Invoice) else subject.document.company,
        actor=user(world, by),
        approvers=[user(world, persona) for persona in approvers],
        title=fields.pop("title", "Please approve the brand guide"),
        **about,
        **fields,
    )


def web_request(world, persona, *, ip="203.0.113.9", agent="Firefox/140"):
    """A browser request by ``persona`` that signed in with a password."""
    request = RequestFactory().post("/", REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    request.user = user(world, persona)
    request.session = {"security:signed-in-by": "password"}
    return request


def decide(world, approval, persona="approver", decision="approved", comment="", **request):
    return approval_decide(
        approval=approval,
        actor=user(world, persona),
        decision=decision,
        comment=comment,
        request=web_request(world, persona, **request),
    )


# Object builders for the matrix: made afresh for each check, rolled back after it.


def in_acme(world, make):
    with tenant_context(world.acme):
        return make()


def northwind_version(world) -> tuple:
    return (in_acme(world, lambda: deliverable(world).current_version.pk),)


def northwind_invoice(world) -> tuple:
    return (in_acme(world, lambda: invoice_with_pdf(world).pk),)


def northwind_approval(world) -> tuple:
    return (in_acme(world, lambda: ask(world).pk),)


def northwind_approval_page(world) -> tuple:
    """Page 1 of the preview of the file a Northwind approval asks about."""

    def make():
        document = document_upload(
            company=world.northwind,
            upload=pdf_upload(content=one_page_pdf(f"Approve me {next(_numbers)}")),
            actor=user(world, "staff"),
            name=f"Previewed {next(_numbers)}",
            kind=DocumentKind.DELIVERABLE,
        )
        file_preview_make(document.current_version.file_id)
        return ask(world, document.current_version).pk

    return (in_acme(world, make), 1)


def approval_asking_client_admin(world) -> tuple:
    return (in_acme(world, lambda: ask(world, approvers=("approver", "client_admin")).pk),)


def cancelled_approval(world) -> tuple:
    def make():
        approval = ask(world)
        return approval_cancel(approval=approval, actor=user(world, "staff")).pk

    return (in_acme(world, make),)


def invoice_approval(world) -> tuple:
    return (in_acme(world, lambda: ask(world, invoice_with_pdf(world)).pk),)


def on_northwind(case):
    """``case`` on a Northwind object: Southwind's client admin never learns it exists."""
    return hiding(case, "other_company")


# Who sees a Northwind invoice's approval that asks the approver: the team, the approver
# (asked), and the client admin and finance person (who see invoices); not the viewer.
SEES_INVOICE_APPROVAL = [*TEAM, "client_admin", "approver", "finance"]

# The matrix posts no form fields: a form someone may post comes back with field errors
# (200 for a page that re-renders, 400 for the decision form and the API).
TENANT_ROUTES = {
    "approvals:list": signed_in(200, 200, SIGNED_IN_HERE),
    "approvals:request_version": on_northwind(signed_in(200, 403, TEAM, args=northwind_version)),
    # The approver and the viewer do not see invoices at all.
    "approvals:request_invoice": hiding(
        signed_in(200, 403, TEAM, args=northwind_invoice), "approver", "viewer", "other_company"
    ),
    "approvals:detail": on_northwind(signed_in(200, 403, SEES_NORTHWIND, args=northwind_approval)),
    "approvals:decide": on_northwind(
        signed_in(400, 403, ["approver"], method="post", args=northwind_approval)
    ),
    "approvals:rerequest": on_northwind(
        signed_in(302, 403, TEAM, method="post", args=cancelled_approval)
    ),
    "approvals:cancel": on_northwind(
        signed_in(302, 403, TEAM, method="post", args=northwind_approval)
    ),
    "approvals:file": on_northwind(signed_in(200, 403, SEES_NORTHWIND, args=northwind_approval)),
    "approvals:preview_page": on_northwind(
        signed_in(200, 403, SEES_NORTHWIND, args=northwind_approval_page)
    ),
    "approvals:record": on_northwind(signed_in(200, 403, SEES_NORTHWIND, args=northwind_approval)),
    "approvals:certificate": on_northwind(
        signed_in(200, 403, SEES_NORTHWIND, args=northwind_approval)
    ),
    "api-approvals": api(200, 200, SIGNED_IN_HERE),
    "api-approval": on_northwind(api(200, 403, SEES_NORTHWIND, args=northwind_approval)),
    "api-approval-decisions": on_northwind(api(200, 403, SEES_NORTHWIND, args=northwind_approval)),
    "api-approval-rerequest": on_northwind(
        api(201, 403, TEAM, method="post", args=cancelled_approval)
    ),
    "api-approval-cancel": on_northwind(
        api(200, 403, TEAM, method="post", args=northwind_approval)
    ),
    "api-approval-file": on_northwind(api(200, 403, SEES_NORTHWIND, args=northwind_approval)),
    "api-approval-preview-page": on_northwind(
        api(200, 403, SEES_NORTHWIND, args=northwind_approval_page)
    ),
    "api-approval-record": on_northwind(api(200, 403, SEES_NORTHWIND, args=northwind_approval)),
    "api-approval-certificate": on_northwind(
        api(200, 403, SEES_NORTHWIND, args=northwind_approval)
    ),
}
PUBLIC_ROUTES: dict = {}

# Second methods and second objects of the routes above; tests/test_approvals_access.py
# walks them.
MORE_CASES = {
    "request_version (post)": (
        "approvals:request_version",
        on_northwind(signed_in(200, 403, TEAM, method="post", args=northwind_version)),
    ),
    # A named client admin may decide too; the approver, not asked here, may not.
    "decide as a named client admin": (
        "approvals:decide",
        on_northwind(
            signed_in(
                400,
                403,
                ["approver", "client_admin"],
                method="post",
                args=approval_asking_client_admin,
            )
        ),
    ),
    "invoice approval": (
        "approvals:detail",
        hiding(signed_in(200, 404, SEES_INVOICE_APPROVAL, args=invoice_approval), "other_company"),
    ),
    "invoice approval's file": (
        "approvals:file",
        hiding(signed_in(200, 404, SEES_INVOICE_APPROVAL, args=invoice_approval), "other_company"),
    ),
    "api invoice approval": (
        "api-approval",
        hiding(api(200, 404, SEES_INVOICE_APPROVAL, args=invoice_approval), "other_company"),
    ),
    "api-approvals (post)": ("api-approvals", api(400, 403, TEAM, method="post")),
    "api-approval-decisions (post)": (
        "api-approval-decisions",
        on_northwind(api(400, 403, ["approver"], method="post", args=northwind_approval)),
    ),
}
