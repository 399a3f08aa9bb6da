"""Previewing and deciding, in a real browser on a phone (390 px) and a laptop (1280 px): the
approver opens an approval, sees the deliverable's pages beside Approve and Request changes,
is told a comment is needed to request changes, approves, and is told what they approved.
The document page shows the same preview. No horizontal scrolling, no axe violations.

Approvals and their decisions can never be deleted, so what this writes stays in the test
database until it is dropped; names carry this run's tag.
"""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenant_apps.approvals.actions import approval_request
from tenant_apps.documents.actions import document_upload
from tenant_apps.documents.models import DocumentKind
from tenant_apps.files.tasks import file_preview_make
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.browser.test_requests_flow import ACME, sign_in
from tests.test_previews import pdf_pages


def deliverable_to_approve(tag: str) -> tuple[int, int, str]:
    """A three-page Northwind deliverable, drawn as a worker would, put to the approver.
    Returns the document's and the approval's ids, and the document's name."""
    with tenant_context(Agency.objects.get(subdomain="acme")):
        staff = User.objects.get(email="staff@acme.example")
        name = f"Booking widget {tag}"
        document = document_upload(
            company=ClientCompany.objects.get(name="Northwind"),
            upload=SimpleUploadedFile(f"widget-{tag}.pdf", pdf_pages(3), "application/pdf"),
            actor=staff,
            name=name,
            kind=DocumentKind.DELIVERABLE,
        )
        file_preview_make(document.current_version.file_id)
        approval = approval_request(
            company=document.company,
            actor=staff,
            approvers=[User.objects.get(email="approver@northwind.example")],
            version=document.current_version,
            title=f"Please approve {name}",
        )
        return document.pk, approval.pk, name


@pytest.mark.parametrize("width", [390, 1280])
def test_an_approver_previews_and_decides(new_page, live_url, django_db_blocker, width):
    tag = uuid.uuid4().hex[:8]
    document_id, approval_id, name = _with_database(
        django_db_blocker, lambda: deliverable_to_approve(tag)
    )
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_url, "approver@northwind.example")

    page.goto(live_url(ACME, f"/approvals/{approval_id}/"))
    pages = page.locator("#file-preview .preview-pages img")
    expect(pages).to_have_count(3)
    expect(pages.first).to_be_visible()
    assert pages.first.evaluate("image => image.naturalWidth") > 0  # the PNG really loaded
    decide = page.locator("#approval-decide")
    expect(decide.get_by_role("button", name="Approve", exact=True)).to_be_visible()
    expect(decide.get_by_role("button", name="Request changes")).to_be_visible()
    expect(page.get_by_text("SHA-256")).to_be_hidden()  # inside the closed disclosure
    if width > 900:  # the preview beside the decision, not above it
        preview_box = page.locator(".review-file").bounding_box()
        decide_box = decide.bounding_box()
        assert decide_box["x"] > preview_box["x"] + preview_box["width"] - 1
    check_page(page, "approval-preview", widths=(width,))

    decide.get_by_role("button", name="Request changes").click()
    error = decide.locator("#decision-comment_error")
    expect(error).to_have_text("Say what needs to change.")
    expect(decide.get_by_label("Comment")).to_have_attribute("aria-invalid", "true")
    check_page(page, "approval-changes-error", widths=(width,))

    decide.get_by_role("button", name="Approve", exact=True).click()
    confirmation = page.locator("#approval-decide .confirmation")
    expect(confirmation).to_contain_text(f"You approved {name}, version 1 on")
    expect(page.locator("#approval-status")).to_have_text("Approved")
    page.get_by_text("Verification details").click()
    # The proof is all there; the command that checks it is the team's business.
    expect(page.locator("#verification")).to_contain_text("File fingerprint (SHA-256)")
    expect(page.locator("#verification")).not_to_contain_text("verify_activity_log")
    check_page(page, "approval-approved", widths=(width,))

    page.goto(live_url(ACME, f"/documents/{document_id}/"))
    expect(page.locator("#file-preview .preview-pages img")).to_have_count(3)
    check_page(page, "document-preview", widths=(width,))
