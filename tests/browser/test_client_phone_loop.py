"""The whole client loop on a 390 px phone, as a client admin at Northwind does it: sign in,
see what waits, send a request with a file, preview and approve a deliverable, open an
invoice, and reply to a message. Every page on the way fits the screen (no sideways
scrolling) and axe-core finds no WCAG 2.2 A/AA violation on it.

What the run writes is removed afterwards, except its approval and decision and the activity
entries, which can never be deleted; names carry the run's tag.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenant_apps.approvals.actions import approval_request
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.documents.actions import document_upload
from tenant_apps.documents.models import DocumentKind
from tenant_apps.files.tasks import file_preview_make
from tenant_apps.invoices.actions import invoice_create, invoice_move
from tenant_apps.invoices.models import Invoice
from tenant_apps.messaging.actions import message_post
from tenant_apps.messaging.models import Message
from tenant_apps.messaging.selectors import thread_for
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import HEIGHTS, check_page
from tests.browser.test_requests_flow import ACME, sign_in
from tests.routes_invoices import tax_rate
from tests.test_previews import pdf_pages

CLIENT = "ca@northwind.example"
PHONE = {"width": 390, "height": HEIGHTS[390]}


@dataclass(frozen=True)
class Run:
    tag: str
    deliverable: str  # the document put to the client for approval
    invoice: str  # its number
    hello: str  # the team's message waiting for a reply


@pytest.fixture
def run(django_db_blocker):
    """A deliverable awaiting the client's approval (its preview drawn), an invoice sent to
    Northwind and a message from the team; afterwards all of it that may go, goes."""
    tag = uuid.uuid4().hex[:8]
    run = Run(
        tag=tag,
        deliverable=f"Spring menu {tag}",
        invoice=f"PH-{tag}",
        hello=f"The spring menu is ready for you to look at ({tag}).",
    )

    def acme():
        return Agency.objects.get(subdomain="acme")

    def make():
        with tenant_context(acme()):
            staff = User.objects.get(email="staff@acme.example")
            northwind = ClientCompany.objects.get(name="Northwind")
            document = document_upload(
                company=northwind,
                upload=SimpleUploadedFile(f"menu-{tag}.pdf", pdf_pages(2), "application/pdf"),
                actor=staff,
                name=run.deliverable,
                kind=DocumentKind.DELIVERABLE,
            )
            # The task a worker runs after the upload commits, run here so the page has it.
            file_preview_make(document.current_version.file_id)
            approval_request(
                company=northwind,
                actor=staff,
                approvers=[User.objects.get(email=CLIENT)],
                version=document.current_version,
                title=f"Please approve {run.deliverable}",
            )
            today = timezone.localdate()
            invoice = invoice_create(
                company=northwind,
                number=run.invoice,
                currency="EUR",
                issue_date=today,
                due_date=today + timedelta(days=14),
                lines=[
                    {
                        "description": "Menu design",
                        "quantity": Decimal(1),
                        "unit_price": Decimal("1250.50"),
                        "tax_rate": tax_rate(Decimal(20)),
                    }
                ],
                actor=staff,
            )
            invoice_move(invoice=invoice, move="send", actor=staff)
            message_post(thread=thread_for(northwind), author=staff, body=run.hello)

    def remove():
        with tenant_context(acme()):
            ClientRequest.objects.filter(title__contains=tag).delete()
            Message.objects.filter(body__contains=tag).delete()
            Invoice.objects.filter(number=run.invoice).delete()

    _with_database(django_db_blocker, make)
    yield run
    _with_database(django_db_blocker, remove)


def fits_and_passes_axe(page, step: str) -> None:
    """check_page at the phone's width (its screenshot: docs/screenshots/phone-loop-<step>-390.png),
    then back to the phone's own height."""
    check_page(page, f"phone-loop-{step}", widths=(PHONE["width"],))
    page.set_viewport_size(PHONE)


def test_a_client_does_the_whole_loop_on_a_phone(new_page, live_url, run, tmp_path):
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(live_url(ACME, "/auth/login/"))
    fits_and_passes_axe(page, "sign-in")
    sign_in(page, live_url, CLIENT)

    # What waits: the approval is on the home page.
    waiting = page.get_by_role("link", name=re.compile(f"Please approve {run.deliverable}"))
    expect(waiting.first).to_be_visible()
    fits_and_passes_axe(page, "home")

    # A request with a file, from the bottom bar.
    shortcuts = page.get_by_role("navigation", name="Shortcuts")
    shortcuts.get_by_role("link", name="Requests").click()
    page.get_by_role("link", name=re.compile("New request")).first.click()
    fits_and_passes_axe(page, "request-new")
    page.get_by_label("Type of request").select_option(index=1)
    page.get_by_label("Title").fill(f"New opening hours on the menu {run.tag}")
    page.get_by_label("Details").fill("Sundays we now open at ten.")
    photo = tmp_path / "opening-hours.pdf"
    photo.write_bytes(pdf_pages(1))
    page.get_by_label("Attachments").set_input_files(str(photo))
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(run.tag)
    expect(page.get_by_role("link", name="opening-hours.pdf")).to_be_visible()
    fits_and_passes_axe(page, "request-sent")

    # The deliverable: previewed on the page, then approved.
    shortcuts.get_by_role("link", name="Approvals").click()
    page.get_by_role("link", name=re.compile(f"Please approve {run.deliverable}")).first.click()
    preview = page.locator("#file-preview .preview-pages img")
    expect(preview).to_have_count(2)
    expect(preview.first).to_be_visible()
    # The page image really loads (decode() waits for it).
    assert preview.first.evaluate("image => image.decode().then(() => image.naturalWidth)") > 0
    fits_and_passes_axe(page, "approval")
    page.locator("#approval-decide").get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("#approval-decide .confirmation")).to_contain_text(
        f"You approved {run.deliverable}"
    )
    fits_and_passes_axe(page, "approved")

    # The invoice, from the menu behind More.
    shortcuts.get_by_role("button", name="More").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    page.get_by_role("link", name=run.invoice).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(run.invoice)
    expect(page.locator("main")).to_contain_text("€1,500.60")  # 1,250.50 and 20 % tax
    fits_and_passes_axe(page, "invoice")

    # The team's message, answered.
    shortcuts.get_by_role("link", name="Messages").click()
    page.get_by_role("link", name=re.compile("General conversation with Northwind")).click()
    thread = page.locator(".conversation .thread-messages")
    expect(thread).to_contain_text(run.hello)
    reply = f"Lovely, we'll look tonight ({run.tag})."
    page.get_by_label("Message").fill(reply)
    page.get_by_role("button", name="Send").click()
    expect(thread.locator(".message").last).to_contain_text(reply)
    fits_and_passes_axe(page, "conversation")
