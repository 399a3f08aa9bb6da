"""Staff ask a client for a file; the client uploads it from Waiting on you; the client's
notification email holds a single-purpose link that works, then fails once withdrawn and on
another agency's host.

What the test commits (its file request, the uploaded document, its notifications and links)
is removed afterwards; activity entries cannot be deleted, so assertions use this run's rows.
"""

import re
import time
import uuid
from email import message_from_bytes, policy

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.documents.models import Document, DocumentVersion
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenant_apps.inbox.models import FileRequest
from tenant_apps.notifications.models import ActionLink, Notification
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.conftest import PASSWORD
from tests.processes import outbox_files

ACME = "acme.localhost"
GLOBEX = "globex.localhost"
CLIENT = "ca@northwind.example"
MAIL_SECONDS = 30
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def run(django_db_blocker):
    """This run's file request title, and the removal of all it leads to."""
    title = f"Signed contract {uuid.uuid4().hex[:8]}"
    yield title

    def remove():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            file_requests = list(FileRequest.objects.filter(title=title))
            ids = [str(file_request.pk) for file_request in file_requests]
            documents = [fr.document_id for fr in file_requests if fr.document_id]
            notifications = Notification.objects.filter(
                object_type="inbox.filerequest", object_id__in=ids
            )
            ActionLink.objects.filter(notification__in=notifications).delete()
            notifications.delete()
            FileRequest.objects.filter(title=title).delete()
            versions = DocumentVersion.objects.filter(document_id__in=documents)
            files = list(StoredFile.objects.filter(pk__in=versions.values("file")))
            Document.objects.filter(pk__in=documents).update(current_version=None)
            versions.delete()
            Document.objects.filter(pk__in=documents).delete()
            for stored in files:
                file_storage().delete(stored.key)
                stored.delete()

    _with_database(django_db_blocker, remove)


def sign_in(page, live_url, email):
    page.goto(live_url(ACME, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def emailed_action_link(to: str, subject_has: str) -> str:
    """Waits for the worker's notification email and returns its single-purpose link's path
    (the worker builds links for the dev server's port, not this test server's)."""
    link = re.compile(rf"https?://{re.escape(ACME)}(?::\d+)?(/l/[\w.-]+/)")
    deadline = time.monotonic() + MAIL_SECONDS
    while True:
        for raw in outbox_files(to):
            message = message_from_bytes(raw, policy=policy.default)
            if subject_has in message["Subject"]:
                match = link.search(message.get_body(("plain",)).get_content())
                assert match, "the notification email has no single-purpose link"
                return match.group(1)
        assert time.monotonic() < deadline, f"no notification email to {to} about {subject_has}"
        time.sleep(0.2)


def test_a_file_asked_for_is_uploaded_from_waiting_on_you_and_the_emailed_link_is_scoped(
    new_page, live_url, celery_worker, run
):
    title = run
    team, client = new_page(), new_page()

    # Staff ask Northwind's client admin for a file, due tomorrow.
    sign_in(team, live_url, "staff@acme.example")
    expect(team.get_by_role("heading", name="Next actions")).to_be_visible()
    team.get_by_role("link", name="Request a file").click()
    team.get_by_label("Client").select_option(label="Northwind")
    team.get_by_label("What do you need?").fill(title)
    team.get_by_label("Details").fill("The countersigned PDF, please.")
    team.get_by_label("Needed by").fill(
        time.strftime("%Y-%m-%d", time.localtime(time.time() + 86400))
    )
    team.get_by_label("Ask").select_option(label="Northwind Client Admin (Northwind)")
    team.get_by_role("button", name="Send the request").click()
    expect(team.get_by_role("heading", name=title)).to_be_visible()
    expect(team.locator(".badge.big")).to_have_text("Open")
    request_path = re.search(r"/file-requests/\d+/$", team.url).group(0)

    # The client sees it in Waiting on you, with its due date, and uploads from there.
    sign_in(client, live_url, CLIENT)
    waiting = client.locator("section").filter(
        has=client.get_by_role("heading", name="Waiting on you")
    )
    item = waiting.get_by_role("listitem").filter(has_text=title)
    expect(item).to_contain_text("Due ")
    expect(client.locator("#notification-bell .bell-count")).to_be_visible()
    client.evaluate("window.samePage = true")
    item.get_by_label(f"File for {title}").set_input_files(
        {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    item.get_by_role("button", name="Upload").click()
    done = waiting.get_by_role("listitem").filter(has_text=title)
    expect(done).to_contain_text("Uploaded, thank you.")
    expect(done).to_contain_text("saved as contract.pdf")
    assert client.evaluate("window.samePage") is True

    team.reload()
    expect(team.locator(".badge.big")).to_have_text("Uploaded")
    expect(team.get_by_role("link", name="contract.pdf")).to_be_visible()

    # The client's notification email holds a link that opens just that file request.
    link_path = emailed_action_link(CLIENT, title)
    via_link = new_page()
    via_link.goto(live_url(ACME, link_path))
    expect(via_link.get_by_text("This link opens this one item for")).to_be_visible()
    via_link.get_by_role("button", name="Continue").click()
    expect(via_link).to_have_url(live_url(ACME, request_path))
    expect(via_link.get_by_role("heading", name=title)).to_be_visible()
    expect(via_link.get_by_role("link", name="Sign in to see everything")).to_be_visible()
    # Anything else asks for a password.
    via_link.goto(live_url(ACME, "/"))
    expect(via_link).to_have_url(re.compile(r"/auth/login/\?next=/$"))

    # On another agency's host the same link is refused outright.
    elsewhere = new_page()
    refused = elsewhere.goto(live_url(GLOBEX, link_path))
    assert refused.status == 403
    expect(elsewhere.get_by_role("alert")).to_contain_text("belongs to another workspace")

    # The client withdraws it; it stops working, and so does the session it opened.
    client.goto(live_url(ACME, "/notifications/preferences/"))
    row = client.get_by_role("row").filter(has_text=title)
    row.get_by_role("button", name="Withdraw").click()
    expect(client.locator(".messages")).to_contain_text("no longer works")
    again = new_page()
    gone = again.goto(live_url(ACME, link_path))
    assert gone.status == 410
    expect(again.get_by_role("alert")).to_contain_text("withdrawn")
    via_link.goto(live_url(ACME, request_path))
    expect(via_link).to_have_url(re.compile(r"/auth/login/"))
