"""Every list page is built from one skeleton (templates/includes/filtered_list.html): its
results partial answers htmx with the skeleton's empty states, and its headings, column
headers, counts, empty states and filter labels use the agency's words for a client and a
request."""

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.test.html import Element, parse_html
from django_tenants.utils import tenant_context

from branding.selectors import brand_forget
from tenant_apps.brand_settings.actions import brand_update
from tenant_apps.notifications.actions import notification_send
from tenant_apps.people.actions import team_member_create
from tests.conftest import PASSWORD, Persona, signed_in_client
from tests.routes_approvals import ask
from tests.routes_inbox import ask_for_file
from tests.routes_invoices import make_invoice
from tests.routes_messaging import post_message
from tests.routes_projects import post_milestone
from tests.routes_requests import submit_request

HTMX = {"HX-Request": "true"}
# Each list page and the id of its results element.
LISTS = {
    "/invoices/": "invoice-results",
    "/requests/": "request-results",
    "/approvals/": "approval-results",
    "/messages/": "thread-results",
    "/file-requests/": "file-request-results",
    "/notifications/": "notification-results",
    "/activity/": "log-results",
    "/activity/workspace/": "log-results",
    "/projects/": "milestone-results",
    "/clients/": "company-results",
}
# The app's own words, which an agency with words of its own never sees on these pages. A file
# request (the team asking for a file) is not one of the agency's requests.
DEFAULT_WORDS = re.compile(r"\b(?<!file )(client|request)s?\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


@pytest.fixture
def customers(world):
    """Acme calls its clients customers and their requests tickets."""
    words = {
        "client_word": "customer",
        "clients_word": "customers",
        "request_word": "ticket",
        "requests_word": "tickets",
    }
    with tenant_context(world.acme):
        brand_update(agency=world.acme, actor=world.personas["owner"].user, changes=words)
    yield
    brand_forget(world.acme)  # the cache outlives the test's rolled-back transaction


def _text(node) -> str:
    if isinstance(node, str):
        return node
    return " ".join(_text(child) for child in node.children)


def _elements(node, wanted):
    if isinstance(node, Element):
        if wanted(node):
            yield node
        for child in node.children:
            yield from _elements(child, wanted)


def _attribute(element, name):
    return dict(element.attributes).get(name)


def _without(text: str, names) -> str:
    for name in names:
        text = text.replace(name, "")
    return text


def words_shown(response, results_id: str, people=()) -> str:
    """What the page says in its headings, column headers, filter labels and their "any"
    choices, in the results besides the rows (the count, or why there are none), and the
    activity logs' lines."""
    page = parse_html(response.text)
    [results] = _elements(page, lambda element: _attribute(element, "id") == results_id)
    parts = [
        *(_text(element) for element in _elements(page, lambda e: e.name in ("h1", "th", "label"))),
        *(_text(select.children[0]) for select in _elements(page, lambda e: e.name == "select")),
        *(_text(child) for child in results.children if getattr(child, "name", None) == "p"),
        # The activity logs are lines in words, not a table: the words around the item (in a
        # link or <em>) and the people's names, which are the agency's data, not its words.
        *(
            _without("".join(c for c in line.children if isinstance(c, str)), people)
            for line in _elements(results, lambda e: _attribute(e, "class") == "sentence")
        ),
    ]
    return " | ".join(" ".join(part.split()) for part in parts)


def test_list_pages_use_the_agencys_words(world, customers):
    owner = signed_in_client(world.personas["owner"])
    people = [persona.user.full_name for persona in world.personas.values()]
    # Empty lists: the empty states and the filters (the workspace log always has entries).
    empty = {
        "/invoices/": ["No invoices yet.", "Customer", "Any customer"],
        "/requests/": ["Tickets", "No tickets yet.", "Customer", "Any customer"],
        "/approvals/": ["No approvals yet.", "Customer", "Any customer"],
        "/messages/": ["No conversations yet.", "on a customer's page", "Any customer"],
        "/file-requests/": ["No file requests yet."],
        "/projects/": ["No milestones yet. Open a customer below", "Any customer"],
        "/activity/workspace/": ["Customer", "Any customer"],
    }
    for url, expected in empty.items():
        shown = words_shown(owner.get(url), LISTS[url], people)
        for words in expected:
            assert words in shown, (url, shown)
        assert not DEFAULT_WORDS.search(shown), (url, shown)

    # A row on each list: the column headers and counts.
    make_invoice(world)
    submit_request(world)
    with tenant_context(world.acme):
        ask(world)
    post_message(world)
    ask_for_file(world)
    post_milestone(world)
    with tenant_context(world.acme):
        notification_send(
            recipients=[world.personas["owner"].user],
            kind="file_request.created",
            target=world.northwind,
            title="Northwind uploaded the contract",
            url=f"/clients/{world.northwind.pk}/",
        )
    headers = {
        "/invoices/": "Number | Customer | Status",
        "/requests/": "Ticket | Submitted ↓ | Customer | Type",
        "/approvals/": "Approval | Asked about | Customer | Status",
        "/messages/": "Conversation | Customer | Last message",
        "/file-requests/": "What | Customer | Needed by",
        "/notifications/": "1 notification",
        "/activity/": "added the customer",
        "/activity/workspace/": "submitted the ticket",
        "/projects/": "Customer | Milestone | Status",
        "/clients/": (
            "Customer companies | Company | People | Customer since | 2 customer companies"
        ),
    }
    assert headers.keys() == LISTS.keys()
    for url, expected in headers.items():
        response = owner.get(url)
        assert response.status_code == 200, url
        shown = words_shown(response, LISTS[url], people)
        assert expected in shown, (url, shown)
        assert not DEFAULT_WORDS.search(shown), (url, shown)
    assert words_shown(owner.get("/requests/"), "request-results").endswith("| 1 ticket")


@pytest.fixture
def unassigned_staff(world) -> Persona:
    """A staff member who sees no client company yet."""
    with tenant_context(world.acme):
        member = team_member_create(
            email="new-staff@acme.example",
            full_name="Acme Newcomer",
            role="staff",
            password_hash=make_password(PASSWORD),
            actor=world.personas["owner"].user,
            sees_all_clients=False,
        )
    return Persona("newcomer", world.acme, member.user)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("/invoices/", "No invoices yet. Create the first one for a client."),
        ("/invoices/?status=lost", "Correct the filters above to see invoices."),
        ("/requests/", "No requests yet."),
        ("/requests/?status=open", "No requests match these filters."),
        ("/approvals/", "No approvals yet. Ask for one from a document version or an invoice."),
        ("/messages/?unread=on", "No conversations match these filters."),
        ("/file-requests/", "No file requests yet."),
        ("/notifications/", "No notifications yet. When something needs you, it shows up here."),
        ("/notifications/?show=unread", "You're all caught up."),
        ("/activity/?before=1", "No entries yet."),
        ("/activity/workspace/?until=2000-01-01", "No entries match these filters."),
        ("/activity/workspace/?since=someday", "Correct the filters above to see entries."),
        ("/projects/", "No milestones yet. Open a client below to post their first."),
        ("/projects/?status=lost", "Correct the filters above to see milestones."),
        ("/clients/", "No client companies yet."),
    ],
)
def test_each_results_partial_answers_htmx_with_the_empty_state(world, unassigned_staff, url, said):
    # The owner sees everything (and may create); a newcomer sees no client company.
    persona = unassigned_staff if url == "/clients/" else world.personas["owner"]
    results_id = LISTS[url.partition("?")[0]]
    response = signed_in_client(persona).get(url, headers=HTMX | {"HX-Target": results_id})
    assert response.status_code == 200  # even for bad filters: htmx swaps only a 2xx
    assert response.text.lstrip().startswith(f'<div id="{results_id}">')
    assert "<form" not in response.text and "<html" not in response.text
    shown = " ".join(response.text.split())
    assert re.sub(r"<[^>]+>", "", shown).count(said) == 1, shown
