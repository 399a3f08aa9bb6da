"""Saved replies (issue 19): the team's shared ones and each member's own, with variables
filled from the request where they are inserted into the reply box; usage counted; never
sent by inserting; variables checked when saved."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.models import ClientRequest, EventKind, RequestEvent
from tenant_apps.replies.models import SavedReply
from tenant_apps.replies.variables import fill
from tests.access_matrix import PERSONAS
from tests.conftest import signed_in_client
from tests.routes_replies import MORE_CASES, make_reply
from tests.routes_requests import submit_request
from tests.test_access_matrix import TENANT_URLCONF, check
from tests.test_webhooks import api_as

HTMX = {"HX-Request": "true"}
PROMISE = (
    "Hi {client_name}, about {request_number}: {agent_name} will have it done by {promise_date}."
)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(MORE_CASES))
def test_more_access_cases(world, case, persona):
    name, matrix_case = MORE_CASES[case]
    check(world, TENANT_URLCONF, "acme.localhost", name, matrix_case, persona)


def test_only_known_variables_are_accepted_and_each_is_filled_where_it_is_written():
    assert fill("Hi {client_name}, {x} {client_name}", {"client_name": "Northwind"}) == (
        "Hi Northwind, {x} Northwind"
    )


def test_a_reply_naming_an_unknown_variable_is_refused_with_the_known_ones(world):
    with pytest.raises(ValidationError) as refused:
        make_reply(world, body="Hi {client}, see {due}.")
    (message,) = refused.value.message_dict["body"]
    assert message.startswith("Unknown variables {client}, {due}. Use {client_name}")
    with tenant_context(world.acme):
        assert not SavedReply.objects.exists()

    # The page says so beside the text; the API under its field.
    page = signed_in_client(world.personas["staff"]).post(
        "/settings/replies/", {"title": "Bad", "body": "Hello {clientname}"}
    )
    assert page.status_code == 200
    assert "Unknown variables {clientname}." in page.content.decode()
    answer = api_as(world, "staff").post(
        "/api/v1/saved-replies",
        {"title": "Bad", "body": "Hello {clientname}"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert list(answer.json()) == ["body"]


def test_each_member_sees_the_shared_replies_and_their_own_and_only_owners_share(world):
    shared = make_reply(world, title="Greeting")
    mine = make_reply(world, by="staff", shared=False, title="My sign-off")
    theirs = make_reply(world, by="admin", shared=False, title="Admin's own")

    staff = api_as(world, "staff")
    listed = staff.get("/api/v1/saved-replies").json()
    assert [reply["title"] for reply in listed] == ["Greeting", "My sign-off"]
    assert staff.get(f"/api/v1/saved-replies/{theirs.pk}").status_code == 404
    # Staff use the shared one but neither change nor share.
    assert (
        staff.patch(
            f"/api/v1/saved-replies/{shared.pk}",
            {"title": "Mine now"},
            content_type="application/json",
        ).status_code
        == 404
    )
    refused = staff.patch(
        f"/api/v1/saved-replies/{mine.pk}", {"shared": True}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert list(refused.json()) == ["shared"]
    page = signed_in_client(world.personas["staff"]).get("/settings/replies/").content.decode()
    assert "Share with the whole team" not in page
    assert "Admin&#x27;s own" not in page and "Admin's own" not in page

    # The owner shares the admin's? No: only their own or the shared ones are theirs to edit.
    owner = api_as(world, "owner")
    assert owner.get(f"/api/v1/saved-replies/{theirs.pk}").status_code == 404
    made = owner.post(
        "/api/v1/saved-replies",
        {"title": "Closing", "body": "Closing {request_number}.", "shared": True},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["shared"] is True
    with tenant_context(world.acme):
        entry = ActivityEntry.objects.filter(action="reply.saved").latest("id")
    assert entry.changes == {"title": "Closing", "shared": True}


def test_inserting_fills_the_variables_from_the_request_counts_a_use_and_sends_nothing(world):
    reply = make_reply(world, title="Promise", body=PROMISE)
    request = submit_request(world, title="Broken checkout")
    with tenant_context(world.acme):
        ClientRequest.objects.filter(pk=request.pk).update(due_date=date(2027, 1, 15))
    browser = signed_in_client(world.personas["staff"])
    url = f"/requests/{request.pk}/replies/insert/"

    answer = browser.post(url, {"saved_reply": reply.pk, "reply-body": "Thanks!"}, headers=HTMX)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.lstrip().startswith('<form id="reply-form"')
    staff_name = world.personas["staff"].user.full_name
    filled = (
        f"Thanks!\n\nHi Northwind, about #{request.pk}: {staff_name} will have it done by "
        "15 Jan 2027."
    )
    assert f'id="id_reply-body">\n{filled}</textarea>' in html.replace("&#x27;", "'")
    with tenant_context(world.acme):
        assert SavedReply.objects.get(pk=reply.pk).uses == 1
        assert not RequestEvent.objects.filter(request=request, kind=EventKind.REPLY).exists()

    # Without JavaScript: the whole page, the reply box filled the same way.
    page = browser.post(url, {"saved_reply": reply.pk, "reply-body": ""}).content.decode()
    assert "<!doctype html>" in page.lower()
    assert filled.removeprefix("Thanks!\n\n") in page.replace("&#x27;", "'")


def test_a_reply_not_yours_cannot_be_inserted_and_a_client_has_none(world):
    others = make_reply(world, by="admin", shared=False, body="Secret {client_name}")
    request = submit_request(world)
    url = f"/requests/{request.pk}/replies/insert/"
    staff = signed_in_client(world.personas["staff"])
    html = staff.post(url, {"saved_reply": others.pk, "reply-body": "Kept"}, headers=HTMX)
    assert "Choose a saved reply to insert." in html.content.decode()
    assert "Secret" not in html.content.decode()
    assert '">\nKept</textarea>' in html.content.decode()

    client = signed_in_client(world.personas["client_admin"])
    assert 'name="saved_reply"' not in client.get(f"/requests/{request.pk}/").content.decode()
    answer = client.post(url, {"saved_reply": make_reply(world).pk}, headers=HTMX)
    assert "Choose a saved reply to insert." in answer.content.decode()
    with tenant_context(world.acme):
        assert SavedReply.objects.get(pk=others.pk).uses == 0


def test_the_settings_list_runs_the_same_queries_for_3_replies_as_for_30(world):
    browser = signed_in_client(world.personas["owner"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get("/settings/replies/").status_code == 200
        return len(captured)

    for number in range(3):
        make_reply(world, title=f"Reply {number}")
    queries()  # the first request switches schema and caches the brand
    few = queries()
    for number in range(3, 30):
        make_reply(world, by="owner", shared=number % 2 == 0, title=f"Reply {number}")
    assert queries() == few
