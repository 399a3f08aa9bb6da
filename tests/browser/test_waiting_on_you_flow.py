"""Issue 6's flow in real browsers side by side: staff ask a client for a file and write to
them; the client finds both in Waiting on you, uploads the file from there, then opens the
message from there and replies, and the reply appears in the staff member's open conversation
without a reload. The client's notification email holds a single-purpose link that works, then
fails once withdrawn and on another agency's host.

What the test commits (its file request, the uploaded document, its threads and messages, their
notifications and links) is removed afterwards; activity entries cannot be deleted, so
assertions use this run's rows.
"""

import re
import time
import uuid
from dataclasses import dataclass
from email import message_from_bytes, policy

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.documents.models import Document, DocumentVersion
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenant_apps.inbox.models import FileRequest
from tenant_apps.messaging.models import Message, Thread
from tenant_apps.notifications.models import ActionLink, Notification
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.test_messaging_flow import conversation
from tests.browser.test_requests_flow import ACME, sign_in
from tests.processes import outbox_files

GLOBEX = "globex.localhost"
CLIENT = "ca@northwind.example"
MAIL_SECONDS = 30
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass(frozen=True)
class Run:
    tag: str  # in every title and message this run writes
    title: str  # of its file request
    northwind: int  # the company's id, for its page


@pytest.fixture
def run(django_db_blocker):
    """This run's words and Northwind's id, and the removal of all the run leads to."""
    tag = uuid.uuid4().hex[:8]
    title = f"Signed contract {tag}"

    def before():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            northwind = ClientCompany.objects.get(name="Northwind")
            threads = Thread.objects.values_list("pk", flat=True)
            notifications = Notification.objects.values_list("pk", flat=True)
            return northwind.pk, set(threads), set(notifications)

    northwind, threads_before, notifications_before = _with_database(django_db_blocker, before)
    yield Run(tag=tag, title=title, northwind=northwind)

    def remove_conversation():
        Message.objects.filter(body__contains=tag).delete()
        about_threads = Notification.objects.filter(object_type="messaging.thread").exclude(
            pk__in=notifications_before
        )
        ActionLink.objects.filter(notification__in=about_threads).delete()
        about_threads.delete()
        # New threads take their messages, files, read marks and email records with them.
        Thread.objects.exclude(pk__in=threads_before).delete()

    def remove():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            remove_conversation()
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


def test_a_file_asked_for_and_a_message_are_dealt_with_from_waiting_on_you(
    new_page, live_url, celery_worker, run
):
    title = run.title
    hello = f"Hello Northwind, the contract is ready to sign ({run.tag})."
    reply = f"Thank you, it is uploaded ({run.tag})."
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

    # And write to Northwind in the conversation on its company page, which stays open.
    team.goto(live_url(ACME, f"/clients/{run.northwind}/people/"))
    panel = team.locator(".thread-panel")
    expect(panel).to_contain_text("Northwind sees this conversation")
    panel.get_by_label("Message").fill(hello)
    panel.get_by_role("button", name="Send").click()
    expect(conversation(team)).to_contain_text(hello)
    team.evaluate("window.samePage = true")  # a reload would lose it

    # The client sees both in Waiting on you: the file with its due date, the unread message.
    sign_in(client, live_url, CLIENT)
    waiting = client.locator("section").filter(
        has=client.get_by_role("heading", name="Waiting on you")
    )
    item = waiting.get_by_role("listitem").filter(has_text=title)
    expect(item).to_contain_text("Due ")
    unread = waiting.get_by_role("listitem").filter(has_text="General conversation with Northwind")
    expect(unread).to_contain_text("1 unread message")
    expect(client.locator("#notification-bell .bell-count")).to_be_visible()

    # They upload the file from there, in place.
    client.evaluate("window.samePage = true")
    item.get_by_label(f"File for {title}").set_input_files(
        {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    item.get_by_role("button", name="Upload").click()
    done = waiting.get_by_role("listitem").filter(has_text=title)
    expect(done).to_contain_text("Uploaded, thank you.")
    expect(done).to_contain_text("saved as contract.pdf")
    assert client.evaluate("window.samePage") is True

    # Then open the message from there and reply.
    unread.get_by_role("link", name="Read and reply").click()
    expect(
        client.get_by_role("heading", name="General conversation with Northwind")
    ).to_be_visible()
    expect(client.locator(".message.unread")).to_contain_text(hello)
    client.get_by_label("Message").fill(reply)
    client.get_by_role("button", name="Send").click()
    expect(conversation(client)).to_contain_text(reply)

    # The reply turns up in the staff member's open conversation, which never reloaded.
    expect(conversation(team).locator(".message").last).to_contain_text(reply, timeout=10_000)
    expect(conversation(team).locator(".message.unread")).to_contain_text("Northwind Client Admin")
    assert team.evaluate("window.samePage") is True

    # The file request shows the upload on the team's side.
    team.goto(live_url(ACME, request_path))
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
