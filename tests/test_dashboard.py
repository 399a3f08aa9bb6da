"""The dashboards on the home page and at /api/v1/dashboard: counters that equal the lists
they link to, for every role; a client feed that never shows team-only things; the team's
workload, pending approvals, clients needing attention and today's activity, limited to the
clients a staff member sees; the same figures over the API; constant query counts."""

import itertools
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.actions import activity_record
from tenant_apps.approvals.models import ApprovalRequest
from tenant_apps.client_requests.actions import (
    request_assign,
    request_note_add,
    request_reply_add,
    request_status_change,
)
from tenant_apps.client_requests.models import ClientRequest, SlaState
from tenant_apps.documents.actions import folder_create
from tenant_apps.invoices.actions import invoice_move
from tenant_apps.invoices.models import Invoice
from tenant_apps.projects.actions import milestone_status_change
from tenant_apps.workspace.selectors import HEALTH_CACHE_KEY
from tests.conftest import CLIENT_PERSONAS, signed_in_client
from tests.people_support import api_client, api_get
from tests.routes_approvals import ask, decide, deliverable, pdf_upload
from tests.routes_documents import make_document
from tests.routes_inbox import ask_for_file
from tests.routes_invoices import make_invoice
from tests.routes_messaging import post_message
from tests.routes_projects import post_milestone
from tests.routes_requests import submit_request

# Words only in team-only things (internal notes, documents, threads): clients never see them.
SECRET = "marmalade"
_numbers = itertools.count()
COUNT_SHOWN = re.compile(r'<p class="muted">(\d+) (?:request|approval|invoice)s?</p>')


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


@pytest.fixture(autouse=True)
def fresh_health(world):
    """No health scores cached by an earlier test (the cache outlives its transaction)."""
    with tenant_context(world.acme):
        cache.delete(HEALTH_CACHE_KEY)


def user(world, persona):
    return world.personas[persona].user


def northwind_story(world, number: int = 1, *, company=None):
    """``number`` of each thing a dashboard counts or shows, for Northwind unless told
    otherwise, made as the team and the client make them; and beside them team-only things
    (an internal note, an internal document, an internal thread) that hold SECRET."""
    company = company or world.northwind
    client = "client_admin" if company == world.northwind else "other_company"
    for _ in range(number):
        n = next(_numbers)
        client_request = submit_request(world, by=client, company=company, title=f"Logo {n}")
        with tenant_context(world.acme):
            request_reply_add(
                client_request=client_request, body="On it.", actor=user(world, "owner")
            )
            request_status_change(
                client_request=client_request, status="in_review", actor=user(world, "owner")
            )
            request_note_add(
                client_request=client_request, body=f"{SECRET} budget", actor=user(world, "owner")
            )
            shared = deliverable(world, company=company, name=f"Brochure {n}", by="owner")
            deliverable(world, company=company, name=f"{SECRET} margins {n}", internal=True)
            approvers = ("approver",) if company == world.northwind else ("other_company",)
            ask(world, shared.current_version, approvers=approvers, by="owner")
            post_message(world, by="owner", item=company, body="Hello!")
            post_message(world, by="owner", item=company, internal=True, body=SECRET)
        make_invoice(world, moves=["send"], company=company)
        post_milestone(world, company=company, by="owner", title=f"Phase {n}")
        ask_for_file(world, company=company, by="owner", title=f"Contract {n}")


def counters_on(html: str) -> dict[str, tuple[int, str]]:
    """{key: (count, url)} of the counters on a dashboard page."""
    found = re.findall(
        r'<a class="counter[^"]*" href="([^"]+)" id="counter-(\w+)">\s*'
        r'<span class="count">(\d+)</span>',
        html,
    )
    return {key: (int(count), url.replace("&amp;", "&")) for url, key, count in found}


def count_on_list(client, url: str) -> int:
    """How many rows the list at ``url`` says it holds, as the person sees it."""
    page = client.get(url, follow=True)
    assert page.status_code == 200, url
    html = page.content.decode()
    if page.request["PATH_INFO"].startswith("/documents/clients/"):
        # A client's space: the documents at its top and those its folders hold.
        folders = re.findall(r'<td colspan="4" class="muted">(\d+) documents?', html)
        return html.count('<tr id="document-') + sum(int(count) for count in folders)
    found = COUNT_SHOWN.search(html)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("persona", CLIENT_PERSONAS)
def test_each_client_counter_equals_the_list_it_links_to(world, persona):
    northwind_story(world, 2)
    northwind_story(world, 1, company=world.southwind)
    with tenant_context(world.acme):
        # A shared folder holds one more document; a resolved request no longer counts.
        folder = folder_create(company=world.northwind, name="Designs", actor=user(world, "owner"))
        make_document_in(world, folder)
        done = ClientRequest.objects.filter(company=world.northwind).first()
        request_status_change(client_request=done, status="resolved", actor=user(world, "owner"))
    client = signed_in_client(world.personas[persona])

    counters = counters_on(client.get("/").content.decode())

    assert set(counters) == {"open_requests", "shared_files", "pending_approvals"}
    for key, (count, url) in counters.items():
        assert count == count_on_list(client, url), (persona, key, url)
    assert counters["open_requests"][0] == 1
    assert counters["shared_files"][0] == 3  # two brochures and the one in the folder
    # The approver was asked; everyone at Northwind sees the company's pending approvals.
    assert counters["pending_approvals"][0] == 2


def make_document_in(world, folder):
    return make_document(world, folder=folder, upload=pdf_upload("in-folder.pdf"), by="owner")


@pytest.mark.parametrize("persona", ["owner", "staff"])
def test_each_team_counter_equals_the_list_it_links_to(world, persona):
    northwind_story(world, 2)
    northwind_story(world, 2, company=world.southwind)
    yesterday = timezone.localdate() - timedelta(days=1)
    with tenant_context(world.acme):
        for company in (world.northwind, world.southwind):
            requests = ClientRequest.objects.filter(company=company)
            requests.filter(pk=requests.first().pk).update(due_date=yesterday)
            requests.filter(pk=requests.last().pk).update(sla_state=SlaState.BREACHED)
            request_assign(
                client_request=requests.last(),
                owner=user(world, "staff"),
                actor=user(world, "owner"),
            )
            approvals = ApprovalRequest.objects.filter(company=company)
            approvals.filter(pk=approvals.first().pk).update(due_date=yesterday)
        invoice = make_invoice(world, moves=["send"], company=world.southwind)
        invoice_move(invoice=invoice, move="mark_overdue")
        invoice = make_invoice(world, moves=["send"])
        invoice_move(invoice=invoice, move="mark_overdue")
    client = signed_in_client(world.personas[persona])

    counters = counters_on(client.get("/").content.decode())

    for key, (count, url) in counters.items():
        assert count == count_on_list(client, url), (persona, key, url)
    # The owner sees both clients; the staff member only Northwind.
    clients = 2 if persona == "owner" else 1
    assert {key: count for key, (count, _) in counters.items()} == {
        "open_requests": 2 * clients,
        "unassigned_requests": clients,
        "breached_requests": clients,
        "pending_approvals": 2 * clients,
        "overdue_requests": clients,
        "overdue_approvals": clients,
        "overdue_invoices": clients,
    }


# The client's feed


def test_the_client_feed_shows_what_happened_with_status_badges(world):
    # Ten entries a client may read, oldest first, among team-only ones they may not.
    client_request = submit_request(world, title="Logo on invoices")
    with tenant_context(world.acme):
        owner = user(world, "owner")
        request_status_change(client_request=client_request, status="in_review", actor=owner)
        request_note_add(client_request=client_request, body=SECRET, actor=owner)
        deliverable(world, name=f"{SECRET} margins", internal=True)
        post_message(world, internal=True, body=SECRET)
    make_invoice(world, moves=["send"], number="INV-0042")
    post_message(world, body="The drafts are in.")
    ask_for_file(world, title="Signed contract")
    with tenant_context(world.acme):
        milestone = post_milestone(world, title="Launch", by="owner")
        milestone_status_change(milestone=milestone, status="completed", actor=owner)
        copy = deliverable(world, name="Website copy", by="owner").current_version
        decide(world, ask(world, copy, approvers=("approver",), title="Website content"))
    page = signed_in_client(world.personas["finance"]).get("/").content.decode()
    feed = page.split('id="activity-heading"')[1]

    headlines = re.findall(r'<a href="[^"]+">([^<]+)</a>\s*<span class="meta">', feed)
    badges = re.findall(r"</div>\s*(?:<span class=\"badge\"[^>]*>([^<]*)</span>)?\s*</li>", feed)
    assert list(zip(headlines, badges, strict=True)) == [
        ("Website content was approved", "Approved"),
        ("Acme Staff asked for approval of Website content", "Approved"),
        ("Acme Owner uploaded Website copy", ""),
        ("Acme Owner moved the milestone Launch to Completed", "Completed"),
        ("Acme Owner posted the milestone Launch", "Completed"),
        ("Acme Staff asked Northwind for a file: Signed contract", "Open"),
        ("Acme Staff wrote in General conversation with Northwind", ""),
        ("Acme Owner sent Invoice INV-0042", "Sent"),
        (f"Acme Owner moved #{client_request.pk} Logo on invoices to In review", "In review"),
        (
            f"Northwind Client Admin submitted the request #{client_request.pk} Logo on invoices",
            "In review",
        ),
    ]
    assert SECRET not in page


@pytest.mark.parametrize("persona", [*CLIENT_PERSONAS, "other_company"])
def test_clients_never_see_team_only_things_nor_other_clients(world, persona):
    northwind_story(world, 2)
    northwind_story(world, 1, company=world.southwind)
    with tenant_context(world.acme):
        southwind = submit_request(world, by="other_company", company=world.southwind)
        request_note_add(client_request=southwind, body=SECRET, actor=user(world, "owner"))

    page = signed_in_client(world.personas[persona]).get("/").content.decode()
    data = api_get(world, persona, "/api/v1/dashboard").json()

    for shown in (page, str(data)):
        assert SECRET not in shown
        assert "internal" not in shown.lower()
    other = "Northwind" if persona == "other_company" else "Southwind"
    assert other not in page and other not in str(data)
    # Team-only figures are absent, not just empty.
    for team_only in ("workload", "pending_approvals", "clients_needing_attention", "today"):
        assert data[team_only] is None
    assert data["next_actions"] is None
    assert "Workload" not in page and "Clients needing attention" not in page
    # Invoices only for those who may read them.
    reads_invoices = persona in ("client_admin", "finance", "other_company")
    assert (" sent Invoice " in page) == reads_invoices
    assert (data["payments"] is not None) == reads_invoices


def test_the_feed_of_every_client_role_matches_the_items_it_may_open(world):
    """Each entry the feed links to opens for that person: the feed never offers what the
    item's own page would refuse."""
    northwind_story(world)
    for persona in CLIENT_PERSONAS:
        client = signed_in_client(world.personas[persona])
        data = api_get(world, persona, "/api/v1/dashboard").json()
        assert data["activity"], persona
        for entry in data["activity"]:
            assert client.get(entry["url"]).status_code == 200, (persona, entry)


# The team's dashboard


def test_the_team_sees_workload_pending_approvals_attention_and_today(world):
    northwind_story(world, 2)
    northwind_story(world, 1, company=world.southwind)
    with tenant_context(world.acme):
        requests = ClientRequest.objects.filter(company=world.northwind).order_by("id")
        request_assign(
            client_request=requests[0], owner=user(world, "staff"), actor=user(world, "owner")
        )
        requests.filter(pk=requests[0].pk).update(sla_state=SlaState.BREACHED)
        oldest = ApprovalRequest.objects.filter(company=world.southwind).get()
        ApprovalRequest.objects.filter(pk=oldest.pk).update(
            created_at=timezone.now() - timedelta(days=9)
        )
        # Southwind's people signed in, but its invoice is overdue: its health score drops
        # below Northwind's, whose people never signed in.
        other = user(world, "other_company")
        activity_record(action="auth.signed_in", actor=other, target=other)
        invoice = make_invoice(world, moves=["send"], company=world.southwind)
        Invoice.objects.filter(pk=invoice.pk).update(
            issue_date=timezone.localdate() - timedelta(days=40),
            sent_at=timezone.now() - timedelta(days=40),
            due_date=timezone.localdate() - timedelta(days=10),
        )

    owner = api_get(world, "owner", "/api/v1/dashboard").json()
    staff = api_get(world, "staff", "/api/v1/dashboard").json()

    assert owner["side"] == "team" and owner["activity"] is None
    workload = {row["owner"]: row for row in owner["workload"]}
    assert workload["Acme Staff"]["total"] == 1
    assert {cell["state"]: cell["count"] for cell in workload["Acme Staff"]["cells"]}[
        "breached"
    ] == 1
    assert workload["Unassigned"]["total"] == 2  # Northwind's other and Southwind's
    assert owner["pending_approvals"]["total"] == 3
    first = owner["pending_approvals"]["approvals"][0]
    assert (first["company"], first["age_days"]) == ("Southwind", 9)  # longest waiting first
    attention = owner["clients_needing_attention"]
    assert attention[0]["company"] == "Southwind"
    assert attention[0]["worst"]["signal"] == "overdue_invoices"
    assert attention[0]["score"] <= attention[-1]["score"]
    assert owner["today"]["total"] >= 20
    headlines = [entry["headline"] for entry in owner["today"]["entries"]]
    assert any(headline.startswith("File requested: Contract") for headline in headlines)

    # The staff member works on Northwind alone: nothing of Southwind's anywhere.
    assert "Southwind" not in str(staff)
    assert staff["pending_approvals"]["total"] == 2
    assert [row["company"] for row in staff["clients_needing_attention"]] == ["Northwind"]
    assert {entry["company"] for entry in staff["today"]["entries"]} == {"Northwind"}


def test_the_team_page_links_each_workload_cell_to_its_requests(world):
    northwind_story(world, 2)
    client = signed_in_client(world.personas["owner"])
    page = client.get("/").content.decode()
    cells = re.findall(r'<td class="number"><a href="([^"]+)"[^>]*>(\d+)</a>', page)
    assert cells
    for url, count in cells:
        assert count_on_list(client, url.replace("&amp;", "&")) == int(count), url


# The API


def test_the_api_gives_the_pages_figures(world):
    northwind_story(world, 2)
    for persona in ["owner", "staff", *CLIENT_PERSONAS]:
        page = signed_in_client(world.personas[persona]).get("/").content.decode()
        data = api_get(world, persona, "/api/v1/dashboard").json()
        assert {c["key"]: (c["count"], c["url"]) for c in data["counters"]} == counters_on(page)


def test_the_dashboard_is_in_the_openapi_schema(world):
    schema = signed_in_client(world.personas["owner"]).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/dashboard"]["get"]
    output = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][output.rsplit("/", 1)[1]]["properties"]
    assert {"counters", "activity", "workload", "clients_needing_attention"} <= set(fields)


# Constant queries


VIEWS = [
    ("client_admin", "/"),
    ("viewer", "/"),
    ("owner", "/"),
    ("staff", "/"),
    ("finance", "/api/v1/dashboard"),
    ("owner", "/api/v1/dashboard"),
]


def test_a_dashboard_runs_the_same_queries_at_10_and_200_rows(world):
    """At about 10 rows (one of each kind) and about 200 (fifteen of each, with their log
    entries), the same queries run, for each side, page and API.

    Client people: session, user, the actor, the agency's time zone, the counters (one
    statement), the feed (one), Waiting on you (one per source: approvals, file requests,
    invoices for admins and finance, requests, unread threads), the milestones (one), and for
    admins and finance the open invoices and their totals (two).
    The team: session or token user, the actor, for limited staff their companies, the
    agency's time zone, the counters (one statement), the workload, the pending approvals,
    the names of the clients needing attention (their health scores, one query, come from
    the cache once worked out), today's activity, and Next actions
    (one per section: overdue requests, approvals and invoices, requests to answer, approvals
    returned, client uploads).
    Pages add the brand and the notification bell's count."""
    visitors = {}
    for persona, path in VIEWS:
        if path == "/":
            visitors[persona, path] = (signed_in_client(world.personas[persona]), {})
        else:
            visitors[persona, path] = api_client(world, persona)

    def queries(persona, path) -> list[str]:
        client, headers = visitors[persona, path]
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, **headers).status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    def measure() -> dict:
        for view in VIEWS:
            queries(*view)  # the first request switches schema; notifications reset the bell
        return {view: queries(*view) for view in VIEWS}

    northwind_story(world, 1)
    at_10 = measure()
    northwind_story(world, 14)
    at_200 = measure()
    for view in VIEWS:
        assert len(at_10[view]) == len(at_200[view]), (view, "\n\n".join(at_200[view]))
