"""The requests API: who may do what, isolation, bad input, the status machine, what clients
never see, pagination and query counts."""

import base64
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.actions import (
    request_attachment_add,
    request_note_add,
    request_reply_add,
)
from tenant_apps.client_requests.api import FILTER_PARAMETERS
from tenant_apps.client_requests.filters import RequestFilterForm
from tenant_apps.client_requests.models import (
    TRANSITIONS,
    ClientRequest,
    EventKind,
    RequestEvent,
    RequestType,
    Status,
)
from tenant_apps.files.models import StoredFile
from tests.access_matrix import PERSONAS
from tests.conftest import host_client
from tests.people_support import ACME, api_client
from tests.routes_requests import API_MORE_CASES, submit_request
from tests.test_access_matrix import TENANT_URLCONF, check

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# Words that appear only in internal notes and internal files; clients must never meet them.
SECRET = "marmalade"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("label", sorted(API_MORE_CASES))
def test_more_api_cases(world, label, persona):
    name, case = API_MORE_CASES[label]
    check(world, TENANT_URLCONF, ACME, name, case, persona)


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"
    return settings.FILE_STORAGE_ROOT


class Api:
    """acme's API as one persona."""

    def __init__(self, world, persona):
        self.client, self.headers = api_client(world, persona)

    def get(self, path, params=None):
        return self.client.get(path, params or {}, **self.headers)

    def post(self, path, data=None):
        return self.client.post(path, data or {}, content_type="application/json", **self.headers)

    def upload(self, path, data):
        return self.client.post(path, data, **self.headers)  # multipart

    def patch(self, path, data):
        return self.client.patch(path, data, content_type="application/json", **self.headers)


@pytest.fixture
def as_(world):
    """``as_("staff")``: the API as that persona, signed in once per test."""
    made = {}

    def persona(key) -> Api:
        if key not in made:
            made[key] = Api(world, key)
        return made[key]

    return persona


def user(email) -> User:
    return User.objects.get(email=email)


def counts(world) -> dict:
    with tenant_context(world.acme):
        return {
            "requests": ClientRequest.objects.count(),
            "events": RequestEvent.objects.count(),
            "files": StoredFile.objects.count(),
            "submitted": ActivityEntry.objects.filter(action="request.submitted").count(),
        }


def stored_objects(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# Submitting


def test_a_client_submits_for_their_company(world, as_):
    wanted_by = (timezone.localdate() + timedelta(days=7)).isoformat()
    response = as_("approver").post(
        "/api/v1/requests",
        {
            "type": "support",
            "title": "  Logo is blurry ",
            "details": "On every invoice.",
            "priority": "high",
            "wanted_by": wanted_by,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"/api/v1/requests/{body['id']}"
    assert (body["title"], body["type"], body["priority"], body["status"]) == (
        "Logo is blurry",
        "support",
        "high",
        "new",
    )
    assert body["company"] == {"id": world.northwind.pk, "name": "Northwind"}
    assert body["wanted_by"] == wanted_by
    assert body["promise_date"] is not None
    assert body["sla"] is None  # service levels are the team's business
    with tenant_context(world.acme):
        created = ClientRequest.objects.get(pk=body["id"])
        assert created.created_by.email == "approver@northwind.example"
        entry = ActivityEntry.objects.get(object_id=str(created.pk), action="request.submitted")
        assert entry.actor == created.created_by


def test_the_team_names_the_company(world, as_):
    fields = {"type": "change", "title": "New footer", "details": "Add the address."}
    assert as_("owner").post("/api/v1/requests", fields).json() == {
        "company": ["This field is required."]
    }
    refused = as_("staff").post("/api/v1/requests", {**fields, "company": world.southwind.pk})
    assert refused.status_code == 400
    assert list(refused.json()) == ["company"]  # staff work on Northwind only
    created = as_("staff").post("/api/v1/requests", {**fields, "company": world.northwind.pk})
    assert created.status_code == 201
    assert created.json()["company"]["id"] == world.northwind.pk
    assert created.json()["sla"]["state"] == "on_track"


@pytest.fixture
def project_type(world):
    with tenant_context(world.acme):
        return RequestType.objects.create(
            key="website",
            name="Website",
            intake_fields=[
                {"key": "budget", "label": "Budget", "kind": "number", "required": True},
                {"key": "launch", "label": "Launch", "kind": "date", "required": False},
                {
                    "key": "tier",
                    "label": "Tier",
                    "kind": "choice",
                    "required": False,
                    "choices": ["gold", "silver"],
                },
                {"key": "brief", "label": "Brief", "kind": "file", "required": True},
            ],
        )


def test_multipart_answers_intake_fields_and_attaches_files(world, as_, project_type):
    response = as_("client_admin").upload(
        "/api/v1/requests",
        {
            "type": "website",
            "title": "A new site",
            "details": "Five pages.",
            "intake.budget": "1200",
            "intake.launch": "2031-05-01",
            "intake.tier": "gold",
            "intake.brief": SimpleUploadedFile("brief.pdf", PDF),
            "files": [
                SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + bytes(16)),
                SimpleUploadedFile("notes.txt", b"Blue, mostly.\n"),
            ],
        },
    )
    assert response.status_code == 201, response.content
    with tenant_context(world.acme):
        created = ClientRequest.objects.get(pk=response.json()["id"])
        assert created.intake == {
            "budget": 1200,
            "launch": "2031-05-01",
            "tier": "gold",
            "brief": "brief.pdf",
        }
        names = sorted(created.attachments.values_list("file__name", flat=True))
    assert names == ["brief.pdf", "logo.png", "notes.txt"]
    detail = as_("viewer").get(f"/api/v1/requests/{created.pk}").json()
    assert detail["intake"] == created.intake


def _website(**changes):
    fields = {"type": "website", "title": "A site", "details": "Pages.", "intake.budget": "10"}
    fields["intake.brief"] = SimpleUploadedFile("brief.pdf", PDF)
    return {key: value for key, value in (fields | changes).items() if value is not None}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"type": "tax-return"},
            {"type": ['There is no request type "tax-return".']},
        ),
        ({"intake.budget": None}, {"intake": {"budget": ["This field is required."]}}),
        ({"intake.brief": None}, {"intake": {"brief": ["This field is required."]}}),
        ({"intake.budget": "lots"}, {"intake": {"budget": ["Enter a number."]}}),
        (
            {"intake.tier": "bronze"},
            {
                "intake": {
                    "tier": ["Select a valid choice. bronze is not one of the available choices."]
                }
            },
        ),
        (
            {"intake.colour": "blue"},
            {"intake": {"colour": ['The "Website" type has no such intake field.']}},
        ),
        ({"wanted_by": "2020-01-01"}, {"wanted_by": ["The wanted-by date cannot be in the past."]}),
        (
            {"intake.brief": SimpleUploadedFile("brief.exe", b"MZ")},
            {
                "intake": {
                    "brief": [
                        '"brief.exe" was refused: .exe files are not accepted (accepted: csv, '
                        "doc, docx, gif, jpeg, jpg, pdf, png, ppt, pptx, txt, webp, xls, xlsx, "
                        "zip)."
                    ]
                }
            },
        ),
        (
            {"files": SimpleUploadedFile("page.txt", b"<html><script>")},
            {
                "files": {
                    "0": [
                        '"page.txt" was refused: it contains HTML or SVG markup, which is never '
                        "accepted."
                    ]
                }
            },
        ),
    ],
)
def test_bad_submissions_are_400s_with_field_errors_and_save_nothing(
    world, as_, project_type, storage_root, fields, errors
):
    before = counts(world)
    response = as_("client_admin").upload("/api/v1/requests", _website(**fields))
    assert response.status_code == 400
    assert response.json() == errors
    assert counts(world) == before
    assert stored_objects(storage_root) == []


def test_a_file_over_the_limit_is_refused_before_anything_is_stored(
    world, as_, settings, storage_root
):
    settings.FILE_MAX_UPLOAD_BYTES = 20
    before = counts(world)
    response = as_("client_admin").upload(
        "/api/v1/requests",
        {
            "type": "support",
            "title": "Scan",
            "details": "Attached.",
            "files": SimpleUploadedFile("scan.pdf", PDF),
        },
    )
    assert response.json() == {
        "files": {"0": ['"scan.pdf" was refused: it is larger than the 20\xa0bytes limit.']}
    }
    assert counts(world) == before
    assert stored_objects(storage_root) == []


def test_a_file_refused_while_streaming_rolls_the_whole_request_back(world, as_, storage_root):
    """The first bytes look like text, so only storing finds the bad UTF-8 further on."""
    before = counts(world)
    response = as_("client_admin").upload(
        "/api/v1/requests",
        {
            "type": "support",
            "title": "Export",
            "details": "Attached.",
            "files": SimpleUploadedFile("export.csv", b"a,b\n" * 2000 + b"\xff\xfe"),
        },
    )
    assert response.status_code == 400
    assert response.json() == {"files": ['"export.csv" was refused: its text is not valid UTF-8.']}
    assert counts(world) == before
    assert stored_objects(storage_root) == []


# Reading and isolation


@pytest.fixture
def both_companies(world):
    northwind = submit_request(world, title="Northwind's request")
    southwind = submit_request(
        world, company=world.southwind, by="other_company", title="Southwind's request"
    )
    return northwind, southwind


@pytest.mark.parametrize(
    ("persona", "titles"),
    [
        ("owner", {"Northwind's request", "Southwind's request"}),
        ("staff", {"Northwind's request"}),
        ("viewer", {"Northwind's request"}),
        ("other_company", {"Southwind's request"}),
    ],
)
def test_each_person_lists_the_requests_of_companies_they_see(
    world, as_, both_companies, persona, titles
):
    assert {row["title"] for row in results(as_(persona).get("/api/v1/requests"))} == titles


@pytest.mark.parametrize(
    ("persona", "company"),
    [("staff", "southwind"), ("viewer", "southwind"), ("other_company", "northwind")],
)
def test_another_companys_request_is_a_404_everywhere(world, as_, persona, company):
    other = submit_request(world, company=getattr(world, company), by="owner")
    for path in ["", "/replies", "/notes", "/attachments"]:
        response = as_(persona).get(f"/api/v1/requests/{other.pk}{path}")
        assert response.status_code == 404, path
    reply = as_(persona).post(f"/api/v1/requests/{other.pk}/replies", {"body": "Hi"})
    assert reply.status_code == 404
    assert as_(persona).patch(f"/api/v1/requests/{other.pk}", {}).status_code == 404


def test_the_detail_shows_sla_to_the_team_and_the_promise_date_to_everyone(world, as_):
    created = submit_request(world, priority="urgent", details="Everything is down.")
    team = as_("staff").get(f"/api/v1/requests/{created.pk}").json()
    client = as_("finance").get(f"/api/v1/requests/{created.pk}").json()
    assert team["sla"] == {
        "state": "on_track",
        "response_due_at": team["promise_date"],
        "resolution_due_at": team["sla"]["resolution_due_at"],
        "first_response_at": None,
    }
    assert team["sla"]["resolution_due_at"] > team["promise_date"]
    assert client["sla"] is None
    assert client["promise_date"] == team["promise_date"]
    assert (client["details"], client["created_by"]["full_name"]) == (
        "Everything is down.",
        "Northwind Client Admin",
    )


def test_filters_are_query_parameters_and_status_repeats(world, as_):
    new = submit_request(world, title="Fresh", priority="urgent")
    reviewing = submit_request(world, title="Reviewing", priority="low")
    done = submit_request(world, title="Done", priority="urgent")
    with tenant_context(world.acme):
        ClientRequest.objects.filter(pk=reviewing.pk).update(
            status=Status.IN_REVIEW, owner=user("staff@acme.example")
        )
        ClientRequest.objects.filter(pk=done.pk).update(status=Status.CLOSED)
    owner = as_("owner")

    def ids(params) -> list[int]:
        return [row["id"] for row in results(owner.get("/api/v1/requests", params))]

    assert ids({"status": ["new", "in_review"]}) == [reviewing.pk, new.pk]
    assert ids({"status": "open", "priority": "urgent"}) == [new.pk]
    assert ids({"owner": "none", "status": "open"}) == [new.pk]
    assert ids({"owner": world.personas["staff"].user.pk}) == [reviewing.pk]
    assert ids({"q": "reviewing"}) == [reviewing.pk]
    assert ids({"sort": "oldest"}) == [new.pk, reviewing.pk, done.pk]
    assert as_("staff").get("/api/v1/requests", {"owner": "me"}).json()["results"][0]["id"] == (
        reviewing.pk
    )


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"status": ["open", "lost"]},
            {"status": ["Select a valid choice. lost is not one of the available choices."]},
        ),
        ({"owner": "someone"}, {"owner": ['Use a user id, "me" or "none".']}),
        (
            {"sort": "random"},
            {"sort": ["Select a valid choice. random is not one of the available choices."]},
        ),
        ({"page_size": "0"}, {"page_size": ["Enter a whole number from 1 to 200."]}),
        (
            {"cursor": "not-a-cursor"},
            {"cursor": ["This cursor is not valid for this sort; start again without one."]},
        ),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(world, as_, params, errors):
    response = as_("admin").get("/api/v1/requests", params)
    assert response.status_code == 400
    assert response.json() == errors


def test_a_company_the_caller_cannot_see_is_a_bad_filter(world, as_):
    response = as_("staff").get("/api/v1/requests", {"company": world.southwind.pk})
    assert list(response.json()) == ["company"]
    assert as_("staff").get("/api/v1/requests", {"company": world.northwind.pk}).status_code == 200


@pytest.fixture
def many_requests(world):
    """Nine requests with ties in every sort key, and NULLs in the nullable ones."""
    now = timezone.now()
    today = timezone.localdate()
    with tenant_context(world.acme):
        support = RequestType.objects.get(key="support")
        rows = ClientRequest.objects.bulk_create(
            ClientRequest(
                company=world.northwind,
                type=support,
                title=f"Printer {index}",
                details="The printer jams." if index % 3 else "The printer and the scanner jam.",
                priority=["low", "normal", "urgent"][index % 3],
                due_date=None if index % 2 else today + timedelta(days=index % 4),
                resolution_due_at=None if index % 4 == 0 else now + timedelta(hours=index % 3),
                created_at=now - timedelta(minutes=index // 2),
                updated_at=now,
                created_by=user("ca@northwind.example"),
            )
            for index in range(9)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE client_requests_clientrequest SET search = to_tsvector('english', details)"
            )
    return rows


@pytest.mark.parametrize(
    "params",
    [
        {},
        *({"sort": sort} for sort in ["oldest", "updated", "priority", "due", "sla"]),
        {"q": "printer"},
    ],
    ids=["newest", "oldest", "updated", "priority", "due", "sla", "relevance"],
)
def test_pages_follow_the_sort_without_gaps_or_repeats(world, as_, many_requests, params):
    api = as_("owner")
    everything = [row["id"] for row in results(api.get("/api/v1/requests", params))]
    seen, page = [], api.get("/api/v1/requests", {**params, "page_size": 2}).json()
    while True:
        seen += [row["id"] for row in page["results"]]
        if page["next"] is None:
            break
        page = api.client.get(page["next"], **api.headers).json()
    assert seen == everything
    assert len(set(seen)) == 9


def test_a_cursor_belongs_to_its_sort_and_is_checked(world, as_, many_requests):
    api = as_("owner")
    cursor = api.get("/api/v1/requests", {"page_size": 2}).json()["next"].split("cursor=")[1]
    other_sort = api.get("/api/v1/requests", {"sort": "priority", "cursor": cursor})
    assert list(other_sort.json()) == ["cursor"]
    forged = json.dumps({"sort": ["-created_at", "-id"], "after": ["yesterday", "one"]})
    response = api.get("/api/v1/requests", {"cursor": base64.urlsafe_b64encode(forged.encode())})
    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


def _bulk_requests(world, count):
    with tenant_context(world.acme):
        support = RequestType.objects.get(key="support")
        ClientRequest.objects.bulk_create(
            ClientRequest(
                company=world.northwind,
                type=support,
                title=f"Request {index}",
                details="Details.",
                owner=user("staff@acme.example"),
                created_by=user("ca@northwind.example"),
            )
            for index in range(count)
        )


# The same statements for 10 requests as for 60 (a page holds 50): the token's user (JWT
# authentication), the user with their team membership (policy.actor_for), the staff
# member's assigned companies (visible_company_ids), and one page of requests with company,
# type and owner joined. SLA state and the promise date are stored columns: no more queries.
def test_a_list_page_costs_the_same_queries_for_10_or_60_requests(world, as_):
    api = as_("staff")

    def run():
        with CaptureQueriesContext(connection) as queries:
            rows = results(api.get("/api/v1/requests"))
        return [query["sql"] for query in queries.captured_queries], rows

    _bulk_requests(world, 10)
    ten, ten_rows = run()
    _bulk_requests(world, 50)
    sixty, sixty_rows = run()
    assert (len(ten_rows), len(sixty_rows)) == (10, 50)
    assert len(ten) == len(sixty), sixty
    # One query of the requests; their tags come in one more (the prefetch), never per row.
    assert len([sql for sql in sixty if 'FROM "client_requests_clientrequest" ' in sql]) == 1
    assert len([sql for sql in sixty if "client_requests_requesttag" in sql]) == 1


# Working a request


def test_the_team_works_a_request_in_one_patch(world, as_):
    created = submit_request(world)
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    staff_id = world.personas["staff"].user.pk
    response = as_("admin").patch(
        f"/api/v1/requests/{created.pk}",
        {"status": "in_progress", "owner": staff_id, "priority": "high", "due_date": due},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["priority"], body["due_date"]) == ("in_progress", "high", due)
    assert body["owner"] == {"id": staff_id, "full_name": "Acme Staff"}
    with tenant_context(world.acme):
        kinds = set(created.events.values_list("kind", flat=True))
        actions = set(ActivityEntry.objects.values_list("action", flat=True))
    assert kinds >= {EventKind.STATUS, EventKind.ASSIGNED, EventKind.PRIORITY, EventKind.DUE}
    assert actions >= {"request.status_changed", "request.assigned", "request.updated"}


def test_a_patch_is_all_or_nothing(world, as_):
    created = submit_request(world)
    response = as_("owner").patch(
        f"/api/v1/requests/{created.pk}",
        {"status": "in_review", "priority": "urgent", "due_date": "2020-01-01"},
    )
    assert response.status_code == 400
    assert response.json() == {"due_date": ["The due date cannot be in the past."]}
    with tenant_context(world.acme):
        created.refresh_from_db()
        assert (created.status, created.priority) == ("new", "normal")
        assert list(created.events.values_list("kind", flat=True)) == [EventKind.CREATED]


def test_a_patch_writes_only_what_changed_and_may_add_a_note(world, as_):
    created = submit_request(world)
    path = f"/api/v1/requests/{created.pk}"

    def written():
        with tenant_context(world.acme):
            return list(
                ActivityEntry.objects.filter(action__startswith="request.")
                .exclude(action="request.submitted")
                .order_by("id")
                .values_list("action", flat=True)
            )

    response = as_("staff").patch(path, {"priority": "normal", "status": "new", "note": "Plan"})
    assert response.status_code == 200, response.content
    assert written() == ["request.note_added"]  # the same priority and status write nothing
    with tenant_context(world.acme):
        note = created.events.get(kind=EventKind.NOTE)
    assert (note.body, note.is_internal) == ("Plan", True)
    assert as_("staff").patch(path, {"due_date": None}).status_code == 200
    assert written() == ["request.note_added"]  # no due date to clear
    refused = as_("staff").patch(path, {"note": ""})
    assert refused.status_code == 400 and "note" in refused.json()


def test_only_team_who_see_the_company_can_own_a_request(world, as_):
    southwind = submit_request(world, company=world.southwind, by="other_company")
    path = f"/api/v1/requests/{southwind.pk}"
    for persona in ["staff", "viewer"]:  # staff work on Northwind only; a client is no owner
        user_id = world.personas[persona].user.pk
        refused = as_("owner").patch(path, {"owner": user_id})
        assert refused.json() == {"owner": [f"User {user_id} does not work on this client."]}
    admin_id = world.personas["admin"].user.pk
    assert as_("owner").patch(path, {"owner": admin_id}).json()["owner"]["id"] == admin_id
    assert as_("owner").patch(path, {"owner": None}).json()["owner"] is None


INVALID_MOVES = [
    (before, after)
    for before in Status.values
    for after in Status.values
    if after != before and after not in TRANSITIONS[before]
]
VALID_MOVES = [(before, after) for before in Status.values for after in sorted(TRANSITIONS[before])]


def _in_status(world, status) -> ClientRequest:
    created = submit_request(world)
    with tenant_context(world.acme):
        ClientRequest.objects.filter(pk=created.pk).update(status=status)
    return created


@pytest.mark.parametrize(("before", "after"), INVALID_MOVES)
def test_every_invalid_transition_is_refused_with_a_clear_message(world, as_, before, after):
    created = _in_status(world, before)
    response = as_("staff").patch(f"/api/v1/requests/{created.pk}", {"status": after})
    assert response.status_code == 400
    assert response.json() == {
        "status": [
            f"A request that is {Status(before).label.lower()} cannot move to "
            f"{Status(after).label.lower()}."
        ]
    }
    with tenant_context(world.acme):
        assert ClientRequest.objects.get(pk=created.pk).status == before
        assert not created.events.filter(kind=EventKind.STATUS).exists()


@pytest.mark.parametrize(("before", "after"), VALID_MOVES)
def test_every_valid_transition_is_made(world, as_, before, after):
    created = _in_status(world, before)
    response = as_("staff").patch(f"/api/v1/requests/{created.pk}", {"status": after})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == after
    reopened = before in (Status.RESOLVED, Status.CLOSED) and after == Status.IN_PROGRESS
    assert response.json()["reopened_count"] == int(reopened)


@pytest.mark.parametrize("status", [Status.WAITING_ON_CLIENT, Status.RESOLVED])
def test_a_client_reply_puts_a_waiting_or_resolved_request_back_in_progress(world, as_, status):
    created = submit_request(world)
    as_("staff").patch(f"/api/v1/requests/{created.pk}", {"status": status})
    reply = as_("finance").post(f"/api/v1/requests/{created.pk}/replies", {"body": "Still broken."})
    assert reply.status_code == 201
    assert reply.json()["author"]["full_name"] == "Northwind Finance"
    detail = as_("finance").get(f"/api/v1/requests/{created.pk}").json()
    assert detail["status"] == "in_progress"
    assert detail["reopened_count"] == int(status == Status.RESOLVED)


def test_a_team_reply_is_the_first_response_and_reopens_nothing(world, as_):
    created = submit_request(world)
    as_("staff").patch(f"/api/v1/requests/{created.pk}", {"status": "resolved"})
    as_("staff").post(f"/api/v1/requests/{created.pk}/replies", {"body": "Glad to help."})
    detail = as_("staff").get(f"/api/v1/requests/{created.pk}").json()
    assert detail["status"] == "resolved"
    assert detail["sla"]["first_response_at"] is not None


def test_replies_list_oldest_first_with_files(world, as_):
    created = submit_request(world)
    as_("staff").post(f"/api/v1/requests/{created.pk}/replies", {"body": "Looking now."})
    as_("approver").upload(
        f"/api/v1/requests/{created.pk}/replies",
        {"body": "Here's a scan.", "files": SimpleUploadedFile("scan.pdf", PDF)},
    )
    replies = results(as_("viewer").get(f"/api/v1/requests/{created.pk}/replies"))
    assert [reply["body"] for reply in replies] == ["Looking now.", "Here's a scan."]
    [attachment] = replies[1]["attachments"]
    assert attachment["name"] == "scan.pdf"
    download = as_("viewer").get(attachment["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith('attachment; filename="scan.pdf"')


def test_an_empty_reply_is_refused(world, as_):
    created = submit_request(world)
    response = as_("approver").post(f"/api/v1/requests/{created.pk}/replies", {"body": ""})
    assert response.json() == {"body": ["This field may not be blank."]}


# What clients never see


@pytest.fixture
def request_with_secrets(world):
    """A Northwind request with a client-visible reply and file, and internal ones."""
    created = submit_request(world, title="Invoice logo")
    with tenant_context(world.acme):
        staff = user("staff@acme.example")
        request_reply_add(client_request=created, body="We are on it.", actor=staff)
        request_note_add(
            client_request=created,
            body=f"The {SECRET} client again.",
            actor=staff,
            files=[SimpleUploadedFile(f"{SECRET}-notes.txt", b"Internal.\n")],
        )
        request_attachment_add(
            client_request=created,
            actor=staff,
            files=[SimpleUploadedFile(f"{SECRET}-costs.csv", b"hours,rate\n")],
            is_internal=True,
        )
        request_attachment_add(
            client_request=created,
            actor=staff,
            files=[SimpleUploadedFile("mockup.png", b"\x89PNG\r\n\x1a\n" + bytes(16))],
        )
        internal = list(created.attachments.filter(is_internal=True).values_list("pk", flat=True))
    return created, internal


CLIENT_READERS = ["client_admin", "approver", "finance", "viewer"]


@pytest.mark.parametrize("persona", CLIENT_READERS)
def test_internal_notes_and_files_never_reach_clients(world, as_, request_with_secrets, persona):
    created, internal = request_with_secrets
    api = as_(persona)
    base = f"/api/v1/requests/{created.pk}"
    for path, params in [
        ("/api/v1/requests", {}),
        ("/api/v1/requests", {"q": SECRET}),
        (base, {}),
        (f"{base}/replies", {}),
        (f"{base}/attachments", {}),
    ]:
        response = api.get(path, params)
        assert response.status_code == 200, path
        assert SECRET not in response.content.decode(), path
    attachments = results(api.get(f"{base}/attachments"))
    assert [attachment["name"] for attachment in attachments] == ["mockup.png"]
    assert api.get(f"{base}/notes").status_code == 403
    for attachment_id in internal:
        assert api.get(f"{base}/attachments/{attachment_id}/download").status_code == 404
    assert not results(api.get("/api/v1/requests", {"q": SECRET}))


def test_the_team_sees_notes_and_internal_files(world, as_, request_with_secrets):
    created, internal = request_with_secrets
    base = f"/api/v1/requests/{created.pk}"
    notes = results(as_("staff").get(f"{base}/notes"))
    assert [note["body"] for note in notes] == [f"The {SECRET} client again."]
    assert notes[0]["is_internal"] is True
    attachments = results(as_("staff").get(f"{base}/attachments"))
    assert {row["name"]: row["is_internal"] for row in attachments} == {
        f"{SECRET}-notes.txt": True,
        f"{SECRET}-costs.csv": True,
        "mockup.png": False,
    }
    for attachment_id in internal:
        assert as_("staff").get(f"{base}/attachments/{attachment_id}/download").status_code == 200
    # Notes are never searchable, not even by the team.
    assert not results(as_("staff").get("/api/v1/requests", {"q": SECRET}))


def test_notes_are_written_by_the_team_only(world, as_):
    created = submit_request(world)
    note = as_("staff").post(f"/api/v1/requests/{created.pk}/notes", {"body": "Call them."})
    assert note.status_code == 201
    assert note.json()["is_internal"] is True
    refused = as_("client_admin").post(f"/api/v1/requests/{created.pk}/notes", {"body": "Hi"})
    assert refused.status_code == 403
    with tenant_context(world.acme):
        assert created.events.filter(kind=EventKind.NOTE).count() == 1
        denied = ActivityEntry.objects.get(action="access.denied", object_id=str(created.pk))
    assert denied.changes == {"permission": "request.work"}


def test_files_are_added_by_those_who_may_reply(world, as_):
    created = submit_request(world)
    base = f"/api/v1/requests/{created.pk}/attachments"
    response = as_("finance").upload(base, {"files": SimpleUploadedFile("po.pdf", PDF)})
    assert response.status_code == 201, response.content
    [added] = response.json()["attachments"]
    assert (added["name"], added["is_internal"], added["content_type"]) == (
        "po.pdf",
        False,
        "application/pdf",
    )
    internal = as_("finance").upload(
        base, {"files": SimpleUploadedFile("po.pdf", PDF), "is_internal": "true"}
    )
    assert internal.status_code == 403
    assert as_("viewer").upload(base, {"files": SimpleUploadedFile("a.pdf", PDF)}).status_code == (
        403
    )
    assert as_("finance").upload(base, {}).json() == {"files": ["This field is required."]}
    with tenant_context(world.acme):
        added = ActivityEntry.objects.filter(
            action="request.files_added", object_id=str(created.pk)
        )
        assert added.count() == 1


# Types and the schema


def test_request_types_list_active_types_with_intake_fields(world, as_, project_type):
    with tenant_context(world.acme):
        RequestType.objects.filter(key="document").update(is_active=False)
    types = as_("viewer").get("/api/v1/request-types").json()
    assert [row["key"] for row in types] == ["change", "project", "service", "support", "website"]
    website = types[-1]
    assert website["is_builtin"] is False
    assert website["intake_fields"][2] == {
        "key": "tier",
        "label": "Tier",
        "kind": "choice",
        "required": False,
        "choices": ["gold", "silver"],
    }
    assert website["intake_fields"][0]["choices"] == []


def test_the_schema_documents_the_filters(world):
    schema = host_client(ACME).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/requests"]["get"]
    documented = {parameter["name"] for parameter in operation["parameters"]}
    filters = {parameter.name for parameter in FILTER_PARAMETERS}
    assert filters == set(RequestFilterForm.base_fields)
    assert documented == filters | {"cursor", "page_size"}
