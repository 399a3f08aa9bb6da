"""Conversation pages: the inbox with unread counts, a thread that updates while open, posting
and editing with htmx, files, and the panel that item pages embed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.messaging import views
from tenant_apps.messaging.actions import message_edit
from tenant_apps.messaging.models import Message, Thread
from tenant_apps.messaging.selectors import thread_for, unread_threads
from tests.access_matrix import PERSONAS
from tests.conftest import host_client, signed_in_client
from tests.routes_approvals import ask, deliverable, invoice_with_pdf
from tests.routes_messaging import MORE_CASES, POLL, post_message, text_file
from tests.routes_requests import submit_request
from tests.test_access_matrix import TENANT_URLCONF, check
from tests.test_messaging import actor

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(MORE_CASES))
def test_more_access_cases(world, case, persona):
    name, matrix_case = MORE_CASES[case]
    check(world, TENANT_URLCONF, "acme.localhost", name, matrix_case, persona)


def browser(world, persona):
    return signed_in_client(world.personas[persona])


def text(response) -> str:
    return response.content.decode()


def unread(world, persona) -> dict[str, int]:
    who = actor(world, persona)
    with tenant_context(world.acme):
        return {thread.title: thread.unread for thread in unread_threads(who)}


def test_opening_a_thread_shows_new_messages_as_new_and_marks_them_read(world):
    first = post_message(world, body="Kick-off on Monday")
    second = post_message(world, body="Agenda attached", files=[text_file("agenda.txt")])
    assert unread(world, "client_admin") == {"General conversation with Northwind": 2}

    page = browser(world, "client_admin").get(f"/messages/{first.thread_id}/")
    assert page.status_code == 200
    html = text(page)
    assert html.count('class="badge new"') == 2
    assert "Kick-off on Monday" in html and "agenda.txt" in html
    assert f"/messages/{first.thread_id}/files/" in html
    assert unread(world, "client_admin") == {}
    # Seen once, no longer new; the poller asks for what comes after the newest.
    again = text(browser(world, "client_admin").get(f"/messages/{first.thread_id}/"))
    assert 'class="badge new"' not in again
    assert f"after={second.pk}" in again and 'hx-trigger="every 3s"' in again


def test_a_conversation_page_shows_no_flash_boxes_but_its_own(world):
    thread_id = post_message(world, body="Kick-off on Monday").thread_id
    client = browser(world, "client_admin")
    page = text(client.get(f"/messages/{thread_id}/"))
    assert "Kick-off on Monday" in page
    assert 'class="messages"' not in page  # base.html's flash boxes
    # Without htmx a post flashes and goes back to the page, which shows just that.
    sent = text(client.post(f"/messages/{thread_id}/post/", {"body": "See you"}, follow=True))
    assert re.findall(r'<ul class="messages">(.*?)</ul>', sent) == [
        '<li class="success">Message sent.</li>'
    ]


def test_posting_with_htmx_answers_with_the_conversation_and_a_fresh_form(world):
    thread_id = post_message(world, body="Hello Northwind").thread_id
    response = browser(world, "client_admin").post(
        f"/messages/{thread_id}/post/", {"body": "Hello Acme!"}, **HTMX
    )
    assert response.status_code == 200
    html = text(response)
    assert html.lstrip().startswith('<section class="card conversation"')
    assert "Hello Acme!" in html and "Hello Northwind" in html
    assert "Hello Acme!</textarea>" not in html  # the form is fresh
    with tenant_context(world.acme):
        posted = Message.objects.latest("id")
    assert (posted.author, posted.body) == (world.personas["client_admin"].user, "Hello Acme!")
    # Without htmx: back to the thread's page.
    plain = browser(world, "client_admin").post(f"/messages/{thread_id}/post/", {"body": "Hi"})
    assert plain.status_code == 302 and plain["Location"] == f"/messages/{thread_id}/"


def test_a_refused_mention_is_shown_on_the_form_and_nothing_is_posted(world):
    thread_id = post_message(world, body="Hello").thread_id
    response = browser(world, "client_admin").post(
        f"/messages/{thread_id}/post/",
        {"body": "@ca@southwind.example have a look", "files": [text_file()]},
        **HTMX,
    )
    assert response.status_code == 200
    assert "@ca@southwind.example cannot see this conversation" in text(response)
    assert "@ca@southwind.example have a look</textarea>" in text(response)  # kept to fix
    with tenant_context(world.acme):
        assert Message.objects.count() == 1


def test_an_empty_message_is_refused(world):
    thread_id = post_message(world, body="Hello").thread_id
    response = browser(world, "staff").post(f"/messages/{thread_id}/post/", {"body": " "}, **HTMX)
    assert "Write a message or attach a file." in text(response)


def test_the_poller_gets_nothing_until_someone_else_writes_then_only_that(world):
    first = post_message(world, body="First")
    thread_id = first.thread_id
    client = browser(world, "client_admin")
    since = timezone.now().isoformat()
    poll = f"/messages/{thread_id}/poll/"
    params = {"first": first.pk, "after": first.pk, "since": since}
    assert client.get(poll, params, **HTMX).status_code == 204

    second = post_message(world, body="Second, live")
    response = client.get(poll, params, **HTMX)
    assert response.status_code == 200
    html = text(response)
    assert "Second, live" in html and "First" not in html
    assert f'hx-swap-oob="beforeend:#messages-company-{world.northwind.pk}"' in html
    # The new poller asks from the newest message on.
    assert html.lstrip().startswith('<div class="poller"') and f"after={second.pk}" in html
    assert unread(world, "client_admin") == {}  # seen as it arrived

    # An edit shows up too, swapped in place of the message.
    with tenant_context(world.acme):
        message_edit(
            message=Message.objects.get(pk=first.pk),
            body="First (edited)",
            actor=world.personas["staff"].user,
        )
    params["after"] = second.pk
    edited = text(client.get(poll, params, **HTMX))
    assert f'id="message-{first.pk}" hx-swap-oob="true"' in edited
    assert "First (edited)" in edited and "edited" in edited


def test_an_idle_poll_is_cheap(world):
    first = post_message(world, body="First")
    client = browser(world, "client_admin")
    url = f"/messages/{first.thread_id}/poll/"
    params = {"first": first.pk, "after": first.pk, "since": timezone.now().isoformat()}
    client.get(url, params)  # the first request switches schema
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 204
    # The session and its user, the actor, the thread (visibility in the query), its messages.
    assert len(captured) <= 5, [query["sql"] for query in captured]


def test_bad_poll_parameters_are_a_400(world):
    thread_id = post_message(world).thread_id
    client = browser(world, "staff")
    assert client.get(f"/messages/{thread_id}/poll/", {"after": "x"}).status_code == 400
    assert (
        client.get(
            f"/messages/{thread_id}/poll/", {"first": 1, "after": 1, "since": "2026-01-01"}
        ).status_code
        == 400
    )  # a time without its zone


def test_editing_in_place_keeps_the_history_visible(world):
    message = post_message(world, by="client_admin", body="Meet on Tusday")
    client = browser(world, "client_admin")
    url = f"/messages/{message.thread_id}/messages/{message.pk}/edit/"
    form = client.get(url, **HTMX)
    assert "Meet on Tusday</textarea>" in text(form)
    saved = client.post(url, {"body": "Meet on Tuesday"}, **HTMX)
    html = text(saved)
    assert html.lstrip().startswith(f'<li class="message mine" id="message-{message.pk}"')
    assert "Meet on Tuesday" in html and ">edited<" in html
    assert "Edit history" in html and "Meet on Tusday" in html
    # Someone else may not edit it.
    assert browser(world, "staff").post(url, {"body": "Nope"}).status_code == 403


def test_files_download_for_readers_only(world):
    message = post_message(world, files=[text_file("minutes.txt", b"We agreed.\n")])
    with tenant_context(world.acme):
        attachment = message.attachments.get()
    url = f"/messages/{message.thread_id}/files/{attachment.pk}/"
    download = browser(world, "viewer").get(url)
    assert b"".join(download.streaming_content) == b"We agreed.\n"
    assert download["Content-Disposition"].startswith("attachment;")
    assert browser(world, "other_company").get(url).status_code == 404
    # A file of an internal thread does not exist for clients.
    internal = post_message(world, internal=True, files=[text_file("margins.txt")])
    with tenant_context(world.acme):
        hidden = internal.attachments.get()
    hidden_url = f"/messages/{internal.thread_id}/files/{hidden.pk}/"
    assert browser(world, "client_admin").get(hidden_url).status_code == 404
    assert browser(world, "staff").get(hidden_url).status_code == 200


# The panel item pages embed


def test_item_pages_embed_their_conversation_panel(world):
    request = submit_request(world)
    page = text(browser(world, "client_admin").get(f"/requests/{request.pk}/"))
    assert f'hx-get="/messages/about/request/{request.pk}/"' in page
    company = text(browser(world, "viewer").get(f"/clients/{world.northwind.pk}/people/"))
    assert f'hx-get="/messages/about/company/{world.northwind.pk}/"' in company
    with tenant_context(world.acme):
        document = deliverable(world)
        approval = ask(world, document.current_version)
        invoice = invoice_with_pdf(world)
    for about, item_id, url in [
        ("document", document.pk, f"/documents/{document.pk}/"),
        ("approval", approval.pk, f"/approvals/{approval.pk}/"),
        ("invoice", invoice.pk, f"/invoices/{invoice.pk}/"),
    ]:
        page = text(browser(world, "client_admin").get(url))
        assert f'hx-get="/messages/about/{about}/{item_id}/"' in page


def test_the_panel_starts_the_thread_with_its_first_message(world):
    request = submit_request(world)
    url = f"/messages/about/request/{request.pk}/"
    staff = browser(world, "staff")
    empty = text(staff.get(url, **HTMX))
    assert "No messages yet." in empty and "With the client" in empty and "Team only" in empty
    assert 'class="poller"' not in empty  # nothing to poll until it exists
    started = text(staff.post(url, {"body": "We are looking into it."}, **HTMX))
    assert "We are looking into it." in started and 'class="poller"' in started
    with tenant_context(world.acme):
        thread = Thread.objects.get(request=request)
    assert not thread.is_internal and thread.company == world.northwind
    # The client sees it in their panel, without the team's tabs.
    client_panel = text(browser(world, "client_admin").get(url, **HTMX))
    assert "We are looking into it." in client_panel and "Team only" not in client_panel
    # The team's own conversation about it is another thread, never shown to the client.
    staff.post(f"{url}?internal=1", {"body": "SLA is tight on this one."}, **HTMX)
    assert "SLA is tight" not in text(browser(world, "client_admin").get(url, **HTMX))
    assert browser(world, "client_admin").get(f"{url}?internal=1", **HTMX).status_code == 404


def test_viewers_read_the_panel_without_a_form(world):
    post_message(world, body="For everyone at Northwind")
    html = text(
        browser(world, "viewer").get(f"/messages/about/company/{world.northwind.pk}/", **HTMX)
    )
    assert "For everyone at Northwind" in html
    assert "<form" not in html and "read this conversation but not write" in html


def test_the_panel_of_an_unknown_or_hidden_item_is_a_404(world):
    client = browser(world, "client_admin")
    assert client.get("/messages/about/request/999999/").status_code == 404
    assert client.get("/messages/about/nonsense/1/").status_code == 404
    southwind = submit_request(world, by="other_company", company=world.southwind)
    assert client.get(f"/messages/about/request/{southwind.pk}/").status_code == 404


def test_mention_help_lists_only_people_who_can_read_the_thread(world):
    post_message(world, internal=True, body="Team talk")
    with tenant_context(world.acme):
        thread_id = thread_for(world.northwind, is_internal=True).pk
    html = text(browser(world, "owner").get(f"/messages/{thread_id}/"))
    help_text = html[html.index('class="mention-help"') :]
    assert "@staff@acme.example" in help_text
    assert "@ca@northwind.example" not in help_text


def test_earlier_messages_load_on_demand(world):
    thread = None
    for number in range(views.MESSAGES_SHOWN + 3):
        thread = post_message(world, body=f"Message {number}").thread
    page = text(browser(world, "staff").get(f"/messages/{thread.pk}/"))
    assert "Message 2<" not in page and f"Message {views.MESSAGES_SHOWN + 2}<" in page
    before = re.search(r"\?before=(\d+)", page).group(1)
    earlier = text(browser(world, "staff").get(f"/messages/{thread.pk}/", {"before": before}))
    assert all(f"Message {number}<" in earlier for number in range(3))
    assert "Show earlier messages" not in earlier


# The inbox


def test_the_inbox_lists_threads_with_unread_counts(world):
    request = submit_request(world, title="Broken logo")
    post_message(world, body="General news")
    post_message(world, item=request, body="About the logo")
    post_message(world, item=request, body="Any update?")
    post_message(world, internal=True, body="Team only chatter")
    client = browser(world, "client_admin")
    html = text(client.get("/messages/"))
    assert "General conversation with Northwind" in html
    assert f"Request #{request.pk}: Broken logo" in html
    assert 'title="2 unread"' in html and 'title="1 unread"' in html
    assert "Team only chatter" not in html and "Team only" not in html
    team = text(browser(world, "owner").get("/messages/"))
    assert "Team only chatter" in team
    # Filters: unread only, words in messages.
    with tenant_context(world.acme):
        general = thread_for(world.northwind)
    client.get(f"/messages/{general.pk}/")
    filtered = text(client.get("/messages/", {"unread": "on"}))
    assert "General conversation" not in filtered and "Broken logo" in filtered
    found = text(client.get("/messages/", {"q": "logo"}))
    assert "Broken logo" in found and "General conversation" not in found


def test_the_inbox_costs_the_same_queries_for_few_and_many_threads(world):
    client = browser(world, "staff")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/messages/").status_code == 200
        return len(captured)

    post_message(world, body="One")
    queries()  # the first request switches schema and caches the brand
    few = queries()
    for _ in range(12):
        post_message(world, item=submit_request(world), body="About a request")
    assert queries() == few


def test_signed_out_the_panel_and_poller_leave_the_page_alone(world):
    """A page stays open after its session ends (or a single-purpose link's session asks for
    something outside its item): htmx gets nothing to swap, and the poller stops (286)."""
    message = post_message(world)
    anonymous = host_client("acme.localhost")
    poll = anonymous.get(f"/messages/{message.thread_id}/poll/", POLL, **HTMX)
    assert poll.status_code == 286
    panel = anonymous.get(f"/messages/about/company/{world.northwind.pk}/", **HTMX)
    assert (panel.status_code, panel.content) == (204, b"")
    # Without htmx, as any page: sign in first.
    assert anonymous.get(f"/messages/{message.thread_id}/poll/", POLL).status_code == 302
