"""A client's request, worked by the team, in two real browsers side by side.

What the test commits (its request, files and intake type) is removed afterwards; activity
entries cannot be deleted, so everything here is asserted on this test's own rows only.
"""

import re
import uuid

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.client_requests.models import ClientRequest, RequestAttachment, RequestType
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.conftest import PASSWORD

ACME = "acme.localhost"
NOTE = "Internal: their contract caps us at two revisions."


@pytest.fixture
def run(django_db_blocker):
    """This run's unique names, an intake type to choose, and the cleanup of all of it."""
    tag = uuid.uuid4().hex[:8]
    names = {"title": f"Invoices show the old logo {tag}", "type_key": f"invoice-{tag}"}

    def acme():
        return Agency.objects.get(subdomain="acme")

    def create_type():
        with tenant_context(acme()):
            RequestType.objects.create(
                key=names["type_key"],
                name=f"Invoice issue {tag}",
                description="Something is wrong on an invoice.",
                intake_fields=[
                    {
                        "key": "invoice",
                        "label": "Invoice number",
                        "kind": "text",
                        "required": True,
                        "choices": [],
                    }
                ],
            )

    def remove():
        with tenant_context(acme()):
            requests = ClientRequest.objects.filter(title=names["title"])
            files = list(
                StoredFile.objects.filter(
                    pk__in=RequestAttachment.objects.filter(request__in=requests).values("file")
                )
            )
            requests.delete()  # its events, attachments, pauses and notifications go with it
            for stored in files:
                file_storage().delete(stored.key)
                stored.delete()
            RequestType.objects.filter(key=names["type_key"]).delete()

    _with_database(django_db_blocker, create_type)
    yield names
    _with_database(django_db_blocker, remove)


def sign_in(page, live_url, email):
    page.goto(live_url(ACME, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def status_badge(page):
    return page.locator("#request-status")


def timeline(page):
    return page.locator("#request-timeline")


def test_a_client_request_is_worked_to_resolution(new_page, live_url, run):
    title = run["title"]
    client, team = new_page(), new_page()

    # The client sends a request with a file; the type's intake field appears when chosen.
    sign_in(client, live_url, "ca@northwind.example")
    client.get_by_role("navigation").get_by_role("link", name="Requests").click()
    client.get_by_role("link", name="New request").click()
    client.get_by_label("Type of request").select_option(run["type_key"])
    expect(client.get_by_text("Something is wrong on an invoice.")).to_be_visible()
    client.get_by_label("Title").fill(title)
    client.get_by_label("Details").fill("Every invoice since Monday shows last year's logo.")
    client.get_by_label("Priority").select_option("high")
    client.get_by_role("button", name="Send request").click()
    # Forgot the intake field: told so, with what was typed kept.
    expect(client.locator(".field.has-error")).to_contain_text("Invoice number")
    expect(client.get_by_label("Title")).to_have_value(title)
    client.get_by_label("Invoice number").fill("INV-2041")
    client.get_by_label("Attachments").set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    client.get_by_role("button", name="Send request").click()

    expect(client).to_have_url(re.compile(r"/requests/\d+/$"))
    request_url = client.url
    expect(client.get_by_role("heading", name=title)).to_be_visible()
    expect(status_badge(client)).to_have_text("New")
    expect(client.locator("#promise")).to_contain_text(re.compile(r"We'll respond by \w+day \d+"))
    expect(client.get_by_text("INV-2041")).to_be_visible()
    expect(timeline(client).get_by_role("link", name="invoice.pdf")).to_be_visible()

    # Staff, who work on Northwind, find it waiting in their list: new and unassigned.
    sign_in(team, live_url, "staff@acme.example")
    team.get_by_role("navigation").get_by_role("link", name="Requests").click()
    row = team.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("New")
    expect(row).to_contain_text("Unassigned")
    expect(row).to_contain_text("Northwind")
    row.get_by_role("link", name=title).click()
    expect(team).to_have_url(request_url)
    with team.expect_download() as download:
        timeline(team).get_by_role("link", name="invoice.pdf").click()
    assert download.value.suggested_filename == "invoice.pdf"

    # Everything in place, without a page load (the marker would not survive one).
    team.evaluate("window.samePage = true")
    team.get_by_label("Owner").select_option(label="Acme Staff")
    team.get_by_label("Internal note").fill(NOTE)
    team.get_by_role("button", name="Save changes").click()
    expect(team.get_by_role("status")).to_have_text(
        "Saved: owner → Acme Staff, internal note added."
    )
    expect(team.locator("#request-header")).to_contain_text("OwnerAcme Staff")
    expect(timeline(team).locator(".event.internal").filter(has_text=NOTE)).to_be_visible()
    team.get_by_label("Reply to the client").fill("Fixed on our side. Which logo should we use?")
    team.get_by_role("button", name="Send reply").click()
    expect(timeline(team)).to_contain_text("Which logo should we use?")
    expect(team.get_by_label("Reply to the client")).to_have_value("")
    team.get_by_label("Status").select_option("waiting_on_client")
    team.get_by_role("button", name="Save changes").click()
    expect(status_badge(team)).to_have_text("Waiting on client")
    expect(timeline(team)).to_contain_text("moved it from new to waiting on client")
    assert team.evaluate("window.samePage") is True

    # The client sees the status, the reply and whose move it is; never the note.
    client.reload()
    expect(status_badge(client)).to_have_text("Waiting on client")
    expect(client.locator("#promise")).to_contain_text("We're waiting on you.")
    expect(timeline(client)).to_contain_text("Which logo should we use?")
    expect(client.locator("body")).not_to_contain_text(NOTE)
    client.get_by_label("Your reply").fill("The blue one, from the brand pack.")
    client.get_by_role("button", name="Send reply").click()
    expect(status_badge(client)).to_have_text("In progress")
    expect(timeline(client)).to_contain_text("The blue one, from the brand pack.")

    # The team resolves it; the client sees it resolved.
    team.reload()
    expect(timeline(team)).to_contain_text("The blue one, from the brand pack.")
    team.get_by_label("Status").select_option("resolved")
    team.get_by_role("button", name="Save changes").click()
    expect(status_badge(team)).to_have_text("Resolved")
    client.reload()
    expect(status_badge(client)).to_have_text("Resolved")
    expect(client.locator("#promise")).to_contain_text("Resolved on")
    expect(client.locator("body")).not_to_contain_text(NOTE)
    client.get_by_role("navigation").get_by_role("link", name="Requests").click()
    expect(client.get_by_role("row").filter(has_text=title)).to_contain_text("Resolved")
    client.screenshot(path="/tmp/requests_client_list.png", full_page=True)
    team.screenshot(path="/tmp/requests_team_detail.png", full_page=True)
