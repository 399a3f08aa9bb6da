"""A deliverable put to a client approver, in two real browsers side by side: staff upload it
from the document hub and ask Northwind's approver; the approver approves it; staff upload
version 2, which the approval of version 1 does not cover; staff ask about version 2, the
approver requests changes; the exported decision record verifies, and a tampered one fails.

An approval's decisions are immutable (the database refuses deletes) and protect the approval,
which protects its document version, so what this test writes stays in the test database
until it is dropped; names carry this run's tag and assertions are on this run's rows only.
"""

import hashlib
import json
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from fpdf import FPDF
from playwright.sync_api import expect

from tests.browser.conftest import _with_database
from tests.browser.test_requests_flow import sign_in

STAFF = "staff@acme.example"
APPROVER = "approver@northwind.example"
APPROVER_CHOICE = "Northwind Approver (approver@northwind.example, approver)"
CHANGES = "The logo is too small on mobile; make it twice the size."


def pdf(text: str) -> bytes:
    """A small, real one-page PDF saying ``text``."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text=text)
    return bytes(document.output())


def as_file(name: str, content: bytes) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": content}


def approval_status(page):
    return page.locator("#approval-status")


def version_row(page, number: int):
    return page.locator(f"#version-{number}")


def upload_through_form(form, content_field: str, file: dict, submit: str) -> None:
    """Send ``file`` through one of the hub's drag-and-drop upload forms; its script posts it
    on its own with a progress bar, which says "Uploaded." once the server has it."""
    form.get_by_label(content_field).set_input_files(file)
    form.get_by_role("button", name=submit).click()
    expect(form.locator("[data-upload-list] li").last).to_contain_text("Uploaded.")


def request_approval(page, version: int, title: str, message: str) -> None:
    """From the document page: ask the approver about ``version`` (the current one)."""
    version_row(page, version).get_by_role("link", name="Request approval").click()
    expect(page.get_by_role("heading", name="Request approval")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value(title)
    page.get_by_label(APPROVER_CHOICE).check()
    page.get_by_label("Message").fill(message)
    page.get_by_role("button", name="Request approval").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(approval_status(page)).to_have_text("Pending")
    expect(page.locator(".approvers")).to_contain_text("Waiting")


def decide(page, choice: str, comment: str) -> None:
    panel = page.locator("#approval-decide")
    panel.get_by_label("Comment").fill(comment)
    panel.get_by_role("button", name=choice, exact=True).click()


def verify_record(django_db_blocker, path) -> tuple[bool, str]:
    """Whether ``manage.py verify_activity_log --record path`` passes against the live test
    database, and what it said."""
    out = StringIO()

    def verify():
        try:
            call_command("verify_activity_log", record=str(path), stdout=out)
        except CommandError:
            return False
        return True

    return _with_database(django_db_blocker, verify), out.getvalue()


@pytest.fixture
def run():
    tag = uuid.uuid4().hex[:8]
    return {"name": f"homepage-design-{tag}.pdf", "message": f"Round one of the homepage {tag}."}


def test_a_deliverable_is_approved_then_sent_back_on_version_2_and_its_record_verifies(
    new_page, live_url, run, tmp_path, django_db_blocker
):
    name = run["name"]
    v1, v2 = pdf("Homepage design, round 1"), pdf("Homepage design, round 2")
    team, approver = new_page(), new_page()

    # Staff open Northwind's space in the document hub and upload the deliverable.
    sign_in(team, live_url, STAFF)
    team.get_by_role("navigation").get_by_role("link", name="Documents").click()
    team.get_by_role("link", name="Northwind").click()
    expect(team.get_by_role("heading", name="Northwind", exact=True)).to_be_visible()
    uploader = team.locator("form[data-uploader]")
    uploader.get_by_label("Kind").select_option(label="Deliverable")
    upload_through_form(uploader, "Files", as_file(name, v1), "Upload")
    row = team.locator("#document-listing").get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("Deliverable")
    expect(row).to_contain_text("v1")
    row.get_by_role("link", name=name).click()

    expect(team.get_by_role("heading", name=name)).to_be_visible()
    expect(team.locator(".document-header")).to_contain_text("Deliverable")
    expect(version_row(team, 1)).to_contain_text("Current")
    expect(team.locator("#document-versions .verification")).to_contain_text(
        hashlib.sha256(v1).hexdigest()
    )
    document_url = team.url

    # ...and ask Northwind's approver about version 1.
    title_v1 = f"Approve {name}, version 1"
    request_approval(team, 1, title_v1, run["message"])
    approval_v1_url = team.url

    # The approver finds it waiting on them, and approves it from the portal.
    sign_in(approver, live_url, APPROVER)
    waiting = approver.locator("section").filter(
        has=approver.get_by_role("heading", name="Waiting on you")
    )
    item = waiting.get_by_role("listitem").filter(has_text=title_v1)
    item.get_by_role("link", name="Review and decide").click()
    expect(approver.get_by_role("heading", name=title_v1)).to_be_visible()
    expect(approver.locator("#approval-header")).to_contain_text(run["message"])
    expect(approver.locator("#approval-decide")).to_contain_text(f"{name}, version 1")
    decide(approver, "Approve", "Looks great.")
    expect(approval_status(approver)).to_have_text("Approved")
    expect(approver.locator("#approval-decide")).to_contain_text(
        f"You approved {name}, version 1 on"
    )
    expect(approver.locator("#approval-decisions")).to_contain_text("Looks great.")
    record = approver.locator("#approval-decisions .decision-record")
    expect(record).to_contain_text(hashlib.sha256(v1).hexdigest())
    expect(record).to_contain_text("Signed in byPassword")

    # Staff upload version 2. The approval of version 1 keeps its decision (records are never
    # rewritten) and shows as superseded: it covers version 1 only.
    team.goto(document_url)
    expect(version_row(team, 1)).to_contain_text(f"{title_v1} Approved")
    versions_form = team.locator("form[data-uploader]")
    versions_form.get_by_label("Note").fill("Round 2: the new logo.")
    upload_through_form(versions_form, "New version", as_file(name, v2), "Upload new version")
    expect(version_row(team, 2)).to_contain_text("Current")
    expect(version_row(team, 2)).to_contain_text("Round 2: the new logo.")
    expect(team.locator("#document-versions .verification")).to_contain_text(
        hashlib.sha256(v2).hexdigest()
    )
    expect(version_row(team, 2)).to_contain_text("Request approval")
    expect(version_row(team, 1)).not_to_contain_text("Current")
    expect(version_row(team, 1)).to_contain_text(f"{title_v1} Approved Superseded by v2")
    expect(version_row(team, 1)).not_to_contain_text("Request approval")
    team.goto(approval_v1_url)
    expect(approval_status(team)).to_have_text("Approved")
    expect(team.locator("#approval-outdated")).to_have_text("Superseded by version 2")
    expect(team.locator("#approval-header")).to_contain_text("version 1 version 2 is current")
    expect(team.get_by_role("button", name="Ask again about version 2")).to_be_visible()

    # Staff ask about version 2.
    team.goto(document_url)
    title_v2 = f"Approve {name}, version 2"
    request_approval(team, 2, title_v2, "Round two: the new logo.")
    approval_v2_url = team.url

    # The approver finds it in their approvals and requests changes, saying which.
    approver.get_by_role("navigation").get_by_role("link", name="Approvals").click()
    listed = approver.get_by_role("row").filter(has_text=title_v2)
    expect(listed).to_contain_text("Waiting on you")
    expect(listed).to_contain_text("Pending")
    expect(approver.get_by_role("row").filter(has_text=title_v1)).to_contain_text("Approved")
    listed.get_by_role("link", name=title_v2).click()
    expect(approver.locator("#approval-decide")).to_contain_text(f"{name}, version 2")
    decide(approver, "Request changes", "")
    expect(approver.locator("#approval-decide .error")).to_have_text("Say what needs to change.")
    expect(approval_status(approver)).to_have_text("Pending")
    decide(approver, "Request changes", CHANGES)
    expect(approval_status(approver)).to_have_text("Changes requested")
    expect(approver.locator("#approval-decide")).to_contain_text(
        f"You requested changes to {name}, version 2 on"
    )
    expect(approver.locator("#approval-decisions")).to_contain_text(CHANGES)

    # Staff see the changes asked for, on version 2 only.
    team.goto(approval_v2_url)
    expect(approval_status(team)).to_have_text("Changes requested")
    expect(team.locator("#approval-decisions")).to_contain_text(CHANGES)
    expect(team.locator("#approval-decisions")).to_contain_text(hashlib.sha256(v2).hexdigest())
    team.goto(document_url)
    expect(version_row(team, 2)).to_contain_text(f"{title_v2} Changes requested")
    expect(version_row(team, 1)).to_contain_text(f"{title_v1} Approved")

    # The exported decision record verifies against the agency's log; an edited one fails.
    team.goto(approval_v2_url)
    with team.expect_download() as download:
        team.locator("#approval-decisions").get_by_role("link", name="record.json").click()
    exported = tmp_path / "record.json"
    download.value.save_as(exported)
    said = json.loads(exported.read_text())
    assert said["approval"]["status"] == "changes_requested"
    assert said["approval"]["subject"]["version"] == 2
    assert said["approval"]["sha256"] == hashlib.sha256(v2).hexdigest()
    [decision_proof] = [
        proof for proof in said["activity_entries"] if proof["action"] == "approval.decided"
    ]
    assert decision_proof["changes"]["comment"] == CHANGES
    assert decision_proof["changes"]["decided_by"] == APPROVER
    verified, report = verify_record(django_db_blocker, exported)
    assert verified, report
    assert f"{said['schema']}: the record's 2 entries are unaltered and in the log" in report

    decision_proof["changes"]["comment"] = "Approved as it is."
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(said))
    verified, report = verify_record(django_db_blocker, tampered)
    assert not verified
    assert f"entry {decision_proof['id']}: the record's fields do not hash" in report
