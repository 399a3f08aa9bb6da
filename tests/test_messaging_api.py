"""Conversations over /api/v1/: threads, messages with files and mentions, edits with their
history, read marks, downloads; the same policy as the pages, and in the OpenAPI schema."""

import pytest
from django_tenants.utils import tenant_context

from tenant_apps.messaging.models import Message, Thread
from tests.access_matrix import PERSONAS
from tests.conftest import signed_in_client
from tests.routes_messaging import API_MORE_CASES, post_message, text_file
from tests.routes_requests import submit_request
from tests.test_access_matrix import TENANT_URLCONF, check
from tests.test_isolation import obtain_tokens


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(API_MORE_CASES))
def test_more_access_cases(world, case, persona):
    name, matrix_case = API_MORE_CASES[case]
    check(world, TENANT_URLCONF, "acme.localhost", name, matrix_case, persona)


def api(world, persona):
    who = world.personas[persona]
    access = obtain_tokens(who.host, who.user.email)["access"]
    client = signed_in_client(who)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {access}"
    return client


def post_json(client, path, data):
    return client.post(path, data, content_type="application/json")


def test_opening_the_thread_about_an_item_starts_it_once(world):
    request = submit_request(world)
    staff = api(world, "staff")
    body = {"about": "request", "item_id": request.pk}
    started = post_json(staff, "/api/v1/threads", body)
    assert started.status_code == 201
    thread = started.json()
    assert (thread["about"], thread["item_id"], thread["is_internal"]) == (
        "request",
        request.pk,
        False,
    )
    assert thread["title"] == f"Request #{request.pk}: {request.title}"
    assert thread["item_url"].endswith(f"/requests/{request.pk}/")
    assert started["Location"] == f"/api/v1/threads/{thread['id']}"
    again = post_json(staff, "/api/v1/threads", body | {"body": "First words"})
    assert again.status_code == 200 and again.json()["id"] == thread["id"]
    with tenant_context(world.acme):
        assert Message.objects.get().body == "First words"
    # Items the caller cannot see are not there; nor is the team's thread, for a client.
    hidden = submit_request(world, by="other_company", company=world.southwind)
    missing = post_json(
        api(world, "client_admin"), "/api/v1/threads", body | {"item_id": hidden.pk}
    )
    assert missing.status_code == 404
    internal = post_json(
        api(world, "client_admin"), "/api/v1/threads", body | {"is_internal": True}
    )
    assert internal.status_code == 404
    viewer = post_json(api(world, "viewer"), "/api/v1/threads", body)
    assert viewer.status_code == 403


def test_threads_list_with_unread_counts_and_filters(world):
    request = submit_request(world)
    post_message(world, body="General")
    post_message(world, item=request, body="One")
    post_message(world, item=request, body="Two")
    post_message(world, internal=True, body="Team only")
    client = api(world, "client_admin")
    listed = client.get("/api/v1/threads").json()
    rows = {row["title"]: row["unread"] for row in listed["results"]}
    assert rows == {
        f"Request #{request.pk}: {request.title}": 2,
        "General conversation with Northwind": 1,
    }
    about = client.get("/api/v1/threads", {"about": "company"}).json()["results"]
    assert [row["about"] for row in about] == ["company"]
    owner_rows = api(world, "owner").get("/api/v1/threads").json()["results"]
    assert [row["is_internal"] for row in owner_rows].count(True) == 1
    paged = client.get("/api/v1/threads", {"page_size": 1}).json()
    assert len(paged["results"]) == 1 and paged["next"]
    second = client.get(paged["next"]).json()
    assert [row["title"] for row in second["results"]] == ["General conversation with Northwind"]


def test_messages_post_follow_edit_and_read(world):
    first = post_message(world, body="Hello from the team")
    thread_id = first.thread_id
    client = api(world, "client_admin")
    url = f"/api/v1/threads/{thread_id}/messages"

    posted = client.post(
        url,
        {"body": "Notes attached, @staff@acme.example", "files": [text_file("notes.txt")]},
    )
    assert posted.status_code == 201
    message = posted.json()
    assert message["author"]["full_name"] == "Northwind Client Admin"
    assert message["mentions"] == [
        {
            "id": world.personas["staff"].user.pk,
            "full_name": "Acme Staff",
            "email": "staff@acme.example",
        }
    ]
    assert message["source"] == "api"
    [attachment] = message["attachments"]
    download = client.get(attachment["download_url"])
    assert b"".join(download.streaming_content) == b"Minutes of Monday's call.\n"

    # Following: only what came after the newest one already had.
    newer = client.get(url, {"after": first.pk}).json()["results"]
    assert [row["id"] for row in newer] == [message["id"]]
    assert client.get(url, {"after": message["id"]}).json()["results"] == []

    one = f"{url}/{message['id']}"
    edited = client.patch(one, {"body": "Notes attached."}, content_type="application/json")
    assert edited.status_code == 200
    assert edited.json()["edited_at"] and edited.json()["mentions"] == []
    assert [revision["body"] for revision in edited.json()["revisions"]] == [
        "Notes attached, @staff@acme.example"
    ]
    not_theirs = api(world, "staff").patch(one, {"body": "x"}, content_type="application/json")
    assert not_theirs.status_code == 403

    read = post_json(api(world, "staff"), f"/api/v1/threads/{thread_id}/read", {})
    assert read.json() == {"last_read_message_id": message["id"], "unread": 0}
    before = post_json(client, f"/api/v1/threads/{thread_id}/read", {"up_to": first.pk})
    assert before.json()["last_read_message_id"] == message["id"]  # never moves back


def test_a_mention_without_access_is_a_400_and_nothing_is_saved(world):
    thread_id = post_message(world).thread_id
    response = post_json(
        api(world, "client_admin"),
        f"/api/v1/threads/{thread_id}/messages",
        {"body": "@ca@southwind.example look"},
    )
    assert response.status_code == 400
    assert list(response.json()) == ["body"]
    assert "cannot see this conversation" in response.json()["body"][0]
    with tenant_context(world.acme):
        assert Message.objects.count() == 1 and Thread.objects.count() == 1


def test_client_people_never_reach_team_only_threads(world):
    internal = post_message(world, internal=True, body="Margins").thread_id
    client = api(world, "client_admin")
    for path in [
        f"/api/v1/threads/{internal}",
        f"/api/v1/threads/{internal}/messages",
    ]:
        assert client.get(path).status_code == 404
    assert post_json(client, f"/api/v1/threads/{internal}/read", {}).status_code == 404


def test_the_schema_documents_the_conversation_api(world):
    schema = signed_in_client(world.personas["owner"]).get("/api/schema/?format=json").json()
    for path in [
        "/api/v1/threads",
        "/api/v1/threads/{thread_id}",
        "/api/v1/threads/{thread_id}/messages",
        "/api/v1/threads/{thread_id}/messages/{message_id}",
        "/api/v1/threads/{thread_id}/read",
        "/api/v1/threads/{thread_id}/attachments/{attachment_id}/download",
    ]:
        assert path in schema["paths"], path
