"""The approval pages: the list and its filters, asking from a version or an invoice, deciding
in place, supersede and ask again, downloads and exports, and how each way of signing in is
recorded on a decision."""

import hashlib
import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.approvals.actions import approval_decide
from tenant_apps.approvals.models import ApprovalDecision, ApprovalRequest, ApprovalStatus
from tenant_apps.files.actions import file_store
from tenant_apps.invoices.models import Invoice
from tests.access_matrix import PERSONAS
from tests.conftest import host_client, signed_in_client
from tests.routes_approvals import (
    MORE_CASES,
    PDF,
    ask,
    decide,
    deliverable,
    invoice_with_pdf,
    new_version,
    pdf_upload,
    user,
)
from tests.security_support import enable_two_factor, link_in, password_sign_in, totp_code
from tests.test_access_matrix import TENANT_URLCONF, check

pytest_plugins = ["tests.security_fixtures"]

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(MORE_CASES))
def test_more_access_cases(world, case, persona):
    name, matrix_case = MORE_CASES[case]
    check(world, TENANT_URLCONF, "acme.localhost", name, matrix_case, persona)


def in_acme(world, work):
    with tenant_context(world.acme):
        return work()


def browser(world, persona):
    return signed_in_client(world.personas[persona])


def reloaded(world, approval) -> ApprovalRequest:
    return in_acme(world, lambda: ApprovalRequest.objects.get(pk=approval.pk))


def listed(response) -> list[str]:
    return re.findall(r'<a href="/approvals/\d+/">([^<]+)</a>', response.text)


# The list


def test_each_side_lists_what_it_may_see_and_what_needs_attention(world):
    today = timezone.localdate()

    def make():
        overdue = ask(world, title="Overdue logo", due_date=today)
        ApprovalRequest.objects.filter(pk=overdue.pk).update(due_date=today - timedelta(days=2))
        ask(world, title="Asks the admin", approvers=("client_admin",))
        ask(world, invoice_with_pdf(world), title="Invoice for the approver")
        southwind = deliverable(world, company=world.southwind).current_version
        ask(world, southwind, title="Southwind flyer", approvers=("other_company",))

    in_acme(world, make)

    team = browser(world, "owner").get("/approvals/")
    assert set(listed(team)) == {
        "Overdue logo",
        "Asks the admin",
        "Invoice for the approver",
        "Southwind flyer",
    }
    assert "1 approval overdue" in team.text and 'class="badge overdue"' in team.text
    assert listed(browser(world, "owner").get("/approvals/?status=overdue")) == ["Overdue logo"]

    approver = browser(world, "approver").get("/approvals/")
    assert set(listed(approver)) == {"Overdue logo", "Asks the admin", "Invoice for the approver"}
    assert "2 approvals waiting on you" in approver.text
    waiting = browser(world, "approver").get("/approvals/?waiting_on_me=on")
    assert set(listed(waiting)) == {"Overdue logo", "Invoice for the approver"}
    # Viewers see the company's document approvals, not its invoices'.
    assert set(listed(browser(world, "viewer").get("/approvals/"))) == {
        "Overdue logo",
        "Asks the admin",
    }
    assert listed(browser(world, "other_company").get("/approvals/")) == ["Southwind flyer"]
    assert (
        listed(browser(world, "staff").get("/approvals/?company=" + str(world.southwind.pk))) == []
    )


def test_filters_by_status_and_explains_bad_ones(world):
    def make():
        done = ask(world, title="Done")
        approval_decide(
            approval=done,
            actor=user(world, "approver"),
            decision="approved",
            comment="",
            request=_request(world),
        )
        ask(world, title="Open")

    in_acme(world, make)
    client = browser(world, "staff")
    assert listed(client.get("/approvals/?status=completed")) == ["Done"]
    assert listed(client.get("/approvals/?status=pending")) == ["Open"]
    bad = client.get("/approvals/?status=nonsense")
    assert bad.status_code == 400 and "Select a valid choice" in bad.text
    results = client.get(
        "/approvals/?status=pending", headers=HTMX | {"HX-Target": "approval-results"}
    )
    assert results.text.lstrip().startswith('<div id="approval-results">')


def _request(world):
    request = RequestFactory().post("/")
    request.user = user(world, "approver")
    request.session = {}
    return request


@pytest.mark.parametrize("persona", ["owner", "staff", "approver"])
def test_the_list_costs_the_same_queries_at_10_and_40_approvals(world, persona):
    """At 10 rows and at 40 (more than a page) the page runs the same queries: session, user,
    the actor, for limited staff their companies, the attention count, the COUNT for the
    pager, the page of approvals with their counts, the brand, and the filters' choices."""
    client = browser(world, persona)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/approvals/").status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    def add(number):
        in_acme(world, lambda: [ask(world, title=f"Counted {n}") for n in range(number)])

    add(10)
    queries()  # the first request switches schema and caches the brand
    at_10 = queries()
    add(30)
    queries()  # the new approvals' notifications reset the bell's cached count
    at_40 = queries()
    assert len(at_10) == len(at_40), "\n".join(at_40)


def test_the_nav_links_to_approvals(world):
    assert 'href="/approvals/"' in browser(world, "viewer").get("/approvals/").text


# Asking


def test_the_team_asks_from_a_document_version(world):
    version = in_acme(world, lambda: deliverable(world, name="Spring campaign").current_version)
    client = browser(world, "staff")
    page = client.get(f"/approvals/new/versions/{version.pk}/")
    assert page.status_code == 200
    assert "Approve Spring campaign, version 1" in page.text
    # Only Northwind's approvers and client admins are offered.
    assert "approver@northwind.example" in page.text and "ca@northwind.example" in page.text
    assert "finance@northwind.example" not in page.text

    due = timezone.localdate() + timedelta(days=5)
    response = client.post(
        f"/approvals/new/versions/{version.pk}/",
        {
            "title": "Approve the spring campaign",
            "approvers": [user(world, "approver").pk],
            "due_date": due.isoformat(),
            "message": "Pages 2-3 changed.",
        },
    )
    approval = in_acme(world, lambda: ApprovalRequest.objects.get())
    assert response.status_code == 302 and response["Location"] == f"/approvals/{approval.pk}/"
    assert (approval.version_id, approval.due_date, approval.message) == (
        version.pk,
        due,
        "Pages 2-3 changed.",
    )


def test_asking_mistakes_are_form_errors_and_nothing_is_saved(world):
    version = in_acme(world, lambda: deliverable(world).current_version)
    internal = in_acme(world, lambda: deliverable(world, internal=True).current_version)
    client = browser(world, "staff")
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    approver = user(world, "approver").pk

    past = client.post(
        f"/approvals/new/versions/{version.pk}/",
        {"title": "T", "approvers": [approver], "due_date": yesterday},
    )
    assert "The due date cannot be in the past." in past.text
    foreign = client.post(
        f"/approvals/new/versions/{version.pk}/",
        {"title": "T", "approvers": [user(world, "other_company").pk]},
    )
    assert "Select a valid choice" in foreign.text
    hidden = client.post(
        f"/approvals/new/versions/{internal.pk}/", {"title": "T", "approvers": [approver]}
    )
    assert "internal" in hidden.text
    assert client.get("/approvals/new/versions/999999/").status_code == 404
    assert in_acme(world, lambda: ApprovalRequest.objects.count()) == 0


def test_the_team_asks_about_an_invoice(world):
    invoice = in_acme(world, lambda: invoice_with_pdf(world))
    asking = f'href="/approvals/new/invoices/{invoice.pk}/"'
    assert asking in browser(world, "staff").get(f"/invoices/{invoice.pk}/").text
    assert asking not in browser(world, "finance").get(f"/invoices/{invoice.pk}/").text
    client = browser(world, "owner")
    assert (
        f"Approve Invoice {invoice.number}"
        in client.get(f"/approvals/new/invoices/{invoice.pk}/").text
    )
    client.post(
        f"/approvals/new/invoices/{invoice.pk}/",
        {"title": "Approve the invoice", "approvers": [user(world, "approver").pk]},
    )
    approval = in_acme(world, lambda: ApprovalRequest.objects.get())
    assert approval.invoice_id == invoice.pk and approval.sha256 == invoice.pdf.sha256


# Deciding


def test_the_approver_decides_in_place(world):
    approval = in_acme(world, lambda: ask(world, approvers=("approver", "client_admin")))
    page = browser(world, "approver").get(f"/approvals/{approval.pk}/")
    assert "Your decision" in page.text and approval.sha256 in page.text
    as_admin = browser(world, "client_admin").get(page.request["PATH_INFO"])
    assert "Request changes</button>" in as_admin.text
    # Those not asked see the approval without the form.
    for persona in ["staff", "finance", "viewer"]:
        other = browser(world, persona).get(f"/approvals/{approval.pk}/")
        assert other.status_code == 200 and "Request changes</button>" not in other.text

    client = browser(world, "approver")
    response = client.post(
        f"/approvals/{approval.pk}/decide/",
        {"decision": "approved", "comment": "Lovely."},
        headers=HTMX | {"User-Agent": "Safari/18"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card decide" id="approval-decide" ')
    assert "You approved" in response.text
    assert 'id="approval-header" hx-swap-oob="true"' in response.text
    assert (
        'id="approval-decisions" hx-swap-oob="true"' in response.text and "Lovely." in response.text
    )
    record = in_acme(world, lambda: ApprovalDecision.objects.get())
    assert (record.user_agent, record.ip_address) == ("Safari/18", "127.0.0.1")
    assert (
        reloaded(world, approval).status == ApprovalStatus.PENDING
    )  # the admin is still to decide


def test_decision_mistakes_are_explained_and_nothing_is_written(world):
    approval = in_acme(world, lambda: ask(world))
    client = browser(world, "approver")
    url = f"/approvals/{approval.pk}/decide/"

    no_comment = client.post(url, {"decision": "changes_requested", "comment": " "})
    assert no_comment.status_code == 400 and "Say what needs to change." in no_comment.text
    assert client.post(url, {"decision": "maybe"}).status_code == 400
    assert in_acme(world, lambda: ApprovalDecision.objects.count()) == 0

    assert client.post(url, {"decision": "approved"}).status_code == 302
    again = client.post(url, {"decision": "changes_requested", "comment": "Oh wait"})
    assert again.status_code == 400 and "You already decided" in again.text
    assert in_acme(world, lambda: ApprovalDecision.objects.count()) == 1
    assert reloaded(world, approval).status == ApprovalStatus.APPROVED


def test_superseded_shows_and_the_team_asks_again_on_the_new_version(world):
    document = in_acme(world, lambda: deliverable(world))
    approval = in_acme(world, lambda: ask(world, document.current_version))
    in_acme(world, lambda: new_version(world, document))

    approver_view = browser(world, "approver").get(f"/approvals/{approval.pk}/")
    assert 'id="superseded"' in approver_view.text
    assert "Request changes</button>" not in approver_view.text
    refused = browser(world, "approver").post(
        f"/approvals/{approval.pk}/decide/", {"decision": "approved"}
    )
    assert refused.status_code == 400 and "superseded" in refused.text

    team = browser(world, "staff")
    page = team.get(f"/approvals/{approval.pk}/")
    assert "Ask again about version 2" in page.text and "version 2 is current" in page.text
    response = team.post(f"/approvals/{approval.pk}/ask-again/", {})
    again = in_acme(world, lambda: ApprovalRequest.objects.get(replaces=approval))
    assert response["Location"] == f"/approvals/{again.pk}/"
    assert (
        f'Asks again after <a href="/approvals/{approval.pk}/">'
        in team.get(response["Location"]).text
    )


def test_a_decided_approval_on_an_older_version_shows_as_superseded(world):
    document = in_acme(world, lambda: deliverable(world))
    approval = in_acme(world, lambda: ask(world, document.current_version))
    in_acme(world, lambda: decide(world, approval))
    in_acme(world, lambda: new_version(world, document))

    page = browser(world, "approver").get(f"/approvals/{approval.pk}/")
    assert 'id="approval-status">Approved<' in page.text
    assert "Superseded by version 2" in page.text
    assert "this approved decision covers version 1 only" in page.text
    document_page = browser(world, "staff").get(f"/documents/{document.pk}/")
    assert "Superseded by v2" in document_page.text


def test_the_team_cancels_a_pending_approval(world):
    approval = in_acme(world, lambda: ask(world))
    client = browser(world, "staff")
    assert client.post(f"/approvals/{approval.pk}/cancel/").status_code == 302
    assert reloaded(world, approval).status == ApprovalStatus.CANCELLED
    again = client.post(f"/approvals/{approval.pk}/cancel/", follow=True)
    assert "This approval was cancelled" in again.text


# Files and exports


def test_the_file_asked_about_downloads_as_an_attachment(world):
    approval = in_acme(world, lambda: ask(world))
    response = browser(world, "approver").get(f"/approvals/{approval.pk}/file/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == approval.sha256


def test_the_record_and_certificate_download(world, tmp_path):
    approval = in_acme(world, lambda: ask(world))
    client = browser(world, "approver")
    client.post(f"/approvals/{approval.pk}/decide/", {"decision": "approved"})

    record = client.get(f"/approvals/{approval.pk}/record.json")
    assert record["Content-Type"] == "application/json"
    assert (
        record["Content-Disposition"]
        == f'attachment; filename="approval-{approval.pk}-record.json"'
    )
    data = json.loads(record.content)
    assert [proof["action"] for proof in data["activity_entries"]] == [
        "approval.requested",
        "approval.decided",
    ]
    certificate = client.get(f"/approvals/{approval.pk}/certificate.pdf")
    assert certificate["Content-Type"] == "application/pdf"
    assert certificate.content.startswith(b"%PDF")


# How the decider had signed in


def _password(world, persona, run_tasks=None):
    client, response = password_sign_in(user(world, persona).email)
    assert response.status_code == 302
    return client


def _magic_link(world, persona, run_tasks):
    client = host_client("acme.localhost")
    with run_tasks():
        client.post("/auth/magic-link/", {"email": user(world, persona).email})
    path = link_in(mail.outbox[-1])
    assert client.post(path).status_code == 302
    return client


def _two_factor(world, persona, run_tasks=None):
    device, _ = enable_two_factor(world.personas[persona])
    client = _password(world, persona)
    with tenant_context(world.acme):
        code = totp_code(device)
    assert client.post("/auth/verify/", {"code": code}).status_code == 302
    return client


def _forced(world, persona, run_tasks=None):
    return browser(world, persona)


@pytest.mark.parametrize(
    ("sign_in", "recorded"),
    [
        (_password, "password"),
        (_magic_link, "magic_link"),
        (_two_factor, "two_factor"),
        (_forced, "unknown"),  # a session that never said (e.g. begun before this was kept)
    ],
)
def test_a_decision_records_how_its_decider_signed_in(world, run_tasks, sign_in, recorded):
    approval = in_acme(world, lambda: ask(world))
    client = sign_in(world, "approver", run_tasks)
    response = client.post(f"/approvals/{approval.pk}/decide/", {"decision": "approved"})
    assert response.status_code == 302
    assert in_acme(world, lambda: ApprovalDecision.objects.get().signed_in_by) == recorded


def test_the_emailed_single_purpose_link_opens_the_approval_to_decide(world, run_tasks):
    with run_tasks():
        approval = in_acme(world, lambda: ask(world))
    [message] = [m for m in mail.outbox if m.to == [user(world, "approver").email]]
    client = host_client("acme.localhost")
    opened = client.post(link_in(message))
    assert opened["Location"] == f"/approvals/{approval.pk}/"
    assert "Request changes</button>" in client.get(opened["Location"]).text
    client.post(f"/approvals/{approval.pk}/decide/", {"decision": "approved"})
    record = in_acme(world, lambda: ApprovalDecision.objects.get())
    assert record.signed_in_by == "action_link"
    # The link opens that approval only.
    assert client.get("/approvals/").status_code == 302


def test_an_invoice_pdf_replaced_since_is_not_served_as_the_one_asked_about(world):
    def make():
        invoice = invoice_with_pdf(world)
        approval = ask(world, invoice)
        replaced = file_store(
            upload=pdf_upload("invoice.pdf", PDF + b"% corrected\n"),
            uploaded_by=user(world, "owner"),
        )
        Invoice.objects.filter(pk=invoice.pk).update(pdf=replaced)
        return approval

    approval = in_acme(world, make)
    client = browser(world, "approver")
    assert client.get(f"/approvals/{approval.pk}/file/").status_code == 404
    page = client.get(f"/approvals/{approval.pk}/")
    assert "The PDF has changed since" in page.text and approval.sha256 in page.text
