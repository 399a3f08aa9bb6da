"""The request list's tags, saved views and bulk changes: the actions, the pages and the API,
who may do what, isolation, refusals reported per item, and the queries a bulk item costs."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.actions import (
    BULK_INLINE_LIMIT,
    bulk_job_run,
    bulk_job_start,
    request_status_change,
    request_tag_add,
)
from tenant_apps.client_requests.models import (
    TAG_HEX,
    BulkJob,
    ClientRequest,
    RequestTag,
    RequestType,
    SavedView,
    Status,
    TagColour,
)
from tenant_apps.client_requests.tasks import request_bulk_run
from tenant_apps.people.actions import client_company_create
from tests.access_matrix import PERSONAS
from tests.conftest import signed_in_client
from tests.people_support import ACME, api_client
from tests.routes_request_lists import MORE_CASES, a_tag
from tests.routes_requests import submit_request
from tests.test_access_matrix import TENANT_URLCONF, check

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(MORE_CASES))
def test_more_access_cases(world, case, persona):
    name, matrix_case = MORE_CASES[case]
    check(world, TENANT_URLCONF, ACME, name, matrix_case, persona)


class Api:
    def __init__(self, world, persona):
        self.client, self.headers = api_client(world, persona)

    def get(self, path, params=None):
        return self.client.get(path, params or {}, **self.headers)

    def post(self, path, data=None):
        return self.client.post(path, data or {}, content_type="application/json", **self.headers)

    def delete(self, path):
        return self.client.delete(path, **self.headers)


def in_acme(world, work):
    with tenant_context(world.acme):
        return work()


def browser(world, persona):
    return signed_in_client(world.personas[persona])


def many(world, count, *, company=None, title="Bulk") -> list[int]:
    """``count`` requests, quickly: the first through the action, the rest copies of it."""
    first = submit_request(world, company=company, title=f"{title} 0")

    def copies():
        made = ClientRequest.objects.bulk_create(
            ClientRequest(
                company_id=first.company_id,
                type_id=first.type_id,
                title=f"{title} {number}",
                details="Made in bulk.",
                created_by_id=first.created_by_id,
            )
            for number in range(1, count)
        )
        return [first.pk, *(item.pk for item in made)]

    return in_acme(world, copies)


# Tags


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_tag_colour_carries_white_text_at_aa_contrast_and_the_css_agrees():
    css = Path("tenant_apps/client_requests/static/client_requests/requests.css").read_text()
    assert set(TAG_HEX) == set(TagColour.values)
    for colour, hex_colour in TAG_HEX.items():
        contrast = 1.05 / (_luminance(hex_colour) + 0.05)
        assert contrast >= 4.5, (colour, contrast)
        assert f".tag-{colour} {{ background: {hex_colour}; }}" in css


def test_owners_define_tags_the_team_puts_them_on_and_filters_by_them(world):
    owner, staff = Api(world, "owner"), Api(world, "staff")
    created = owner.post("/api/v1/request-tags", {"name": "VIP", "colour": "purple"})
    assert created.status_code == 201, created.content
    tag = created.json()
    assert tag["name"] == "VIP" and tag["colour"] == "purple"
    again = owner.post("/api/v1/request-tags", {"name": "vip"})
    assert again.status_code == 400 and "name" in again.json()
    assert owner.post("/api/v1/request-tags", {"name": "X", "colour": "neon"}).status_code == 400
    assert staff.post("/api/v1/request-tags", {"name": "Mine"}).status_code == 403

    tagged = submit_request(world, title="Tagged one")
    submit_request(world, title="Plain one")
    answer = staff.post(f"/api/v1/requests/{tagged.pk}/tags", {"tag": tag["id"]})
    assert answer.status_code == 200 and [t["name"] for t in answer.json()] == ["VIP"]
    # Once only: a second add changes nothing and logs nothing.
    staff.post(f"/api/v1/requests/{tagged.pk}/tags", {"tag": tag["id"]})
    assert (
        in_acme(world, lambda: ActivityEntry.objects.filter(action="request.tagged").count()) == 1
    )
    bad = staff.post(f"/api/v1/requests/{tagged.pk}/tags", {"tag": 999999})
    assert bad.status_code == 400 and "tag" in bad.json()

    listed = staff.get("/api/v1/requests", {"tag": tag["id"]}).json()["results"]
    assert [item["title"] for item in listed] == ["Tagged one"]
    assert listed[0]["tags"] == [{"id": tag["id"], "name": "VIP", "colour": "purple"}]
    assert staff.get("/api/v1/requests", {"tag": "abc"}).status_code == 400

    page = browser(world, "staff").get(f"/requests/?tag={tag['id']}").text
    assert "Tagged one" in page and "Plain one" not in page
    assert '<span class="tag tag-purple">VIP</span>' in page

    detail = browser(world, "owner").get(f"/requests/{tagged.pk}/").text
    assert 'aria-label="Remove the tag VIP"' in detail
    removed = staff.delete(f"/api/v1/requests/{tagged.pk}/tags/{tag['id']}")
    assert removed.status_code == 204
    assert staff.get("/api/v1/requests", {"tag": tag["id"]}).json()["results"] == []


def test_clients_never_see_tags_nor_filter_by_them(world):
    tag = a_tag(world, "Difficult client")
    mine = submit_request(world, title="Ours")
    in_acme(
        world,
        lambda: request_tag_add(client_request=mine, tag=tag, actor=world.personas["owner"].user),
    )
    client = Api(world, "client_admin")
    listed = client.get("/api/v1/requests").json()["results"]
    assert [item["tags"] for item in listed] == [[]]
    # The parameter means nothing to them: it neither filters nor tells tagged from not.
    assert len(client.get("/api/v1/requests", {"tag": tag.pk}).json()["results"]) == 1
    assert client.get("/api/v1/request-tags").status_code == 403
    for page in (
        browser(world, "client_admin").get("/requests/").text,
        browser(world, "client_admin").get(f"/requests/{mine.pk}/").text,
    ):
        assert "Difficult client" not in page
        assert 'name="ids"' not in page


def test_tags_page_adds_and_deletes_a_tag(world):
    owner = browser(world, "owner")
    response = owner.post("/requests/settings/tags/", {"name": "Urgent billing", "colour": "red"})
    assert response.status_code == 302
    tag = in_acme(world, lambda: RequestTag.objects.get(name="Urgent billing"))
    duplicate = owner.post("/requests/settings/tags/", {"name": "urgent BILLING", "colour": "red"})
    assert duplicate.status_code == 200 and "There is a tag of that name already." in duplicate.text
    client_request = submit_request(world)
    assert owner.post(f"/requests/{client_request.pk}/tags/", {"tag": tag.pk}).status_code == 302
    assert owner.post(f"/requests/settings/tags/{tag.pk}/delete/").status_code == 302
    assert in_acme(world, lambda: client_request.tags.count()) == 0


# Saved views


def test_a_view_saved_from_the_filters_is_in_the_navigation_and_applies_them(world):
    owner = browser(world, "owner")
    submit_request(world, title="Unassigned one")
    response = owner.post(
        "/requests/views/new/",
        {"name": "Open, nobody's", "shared": "on", "query": "status=open&owner=none&page=3"},
    )
    assert response.status_code == 302
    view = in_acme(world, lambda: SavedView.objects.get(name="Open, nobody's"))
    assert view.query == {"status": ["open"], "owner": ["none"]}  # no page: a view is filters
    assert response["Location"] == "/requests/?status=open&owner=none"
    applied = owner.get(response["Location"]).text
    assert "Unassigned one" in applied
    # In everyone's navigation on the team once shared; a personal one only in its owner's.
    link = '<a href="/requests/?status=open&amp;owner=none"'
    assert link in browser(world, "staff").get("/").text
    owner.post("/requests/views/new/", {"name": "Mine only", "query": "sort=due"})
    assert "Mine only" in owner.get("/").text
    assert "Mine only" not in browser(world, "admin").get("/").text
    assert "Saved views" not in browser(world, "client_admin").get("/").text
    # The same name twice is a form error, nothing saved.
    twice = owner.post("/requests/views/new/", {"name": "mine ONLY", "query": ""})
    assert twice.status_code == 400 and "You have a view of that name already." in twice.text


def test_saved_views_over_the_api(world):
    owner, staff = Api(world, "owner"), Api(world, "staff")
    made = owner.post(
        "/api/v1/request-views",
        {"name": "Breached", "shared": True, "query": {"sla_state": ["breached"]}},
    )
    assert made.status_code == 201, made.content
    assert made.json()["url"] == "/requests/?sla_state=breached"
    bad = owner.post("/api/v1/request-views", {"name": "Odd", "query": {"status": ["lost"]}})
    assert bad.status_code == 400 and "status" in bad.json()["query"]
    unknown = owner.post("/api/v1/request-views", {"name": "Odd", "query": {"colour": ["x"]}})
    assert unknown.status_code == 400 and "query" in unknown.json()
    assert owner.post("/api/v1/request-views", {"query": {}}).status_code == 400
    listed = staff.get("/api/v1/request-views").json()
    assert [(view["name"], view["mine"]) for view in listed] == [("Breached", False)]
    # Staff may not delete a view the owner shared; the owner may.
    view_id = made.json()["id"]
    assert staff.delete(f"/api/v1/request-views/{view_id}").status_code == 403
    assert owner.delete(f"/api/v1/request-views/{view_id}").status_code == 204
    assert owner.get("/api/v1/request-views").json() == []


# Bulk changes


def activity(world, action) -> int:
    return in_acme(world, lambda: ActivityEntry.objects.filter(action=action).count())


def test_a_bulk_assign_reports_what_it_refused_and_leaves_those_as_they_were(world):
    """Staff (Northwind only) assign Northwind's and Southwind's requests and one of another
    agency: only Northwind's change, one activity entry each; the rest are refused, by why."""
    northwind = many(world, 3, title="North")
    southwind = submit_request(world, by="other_company", company=world.southwind)
    with tenant_context(world.globex):
        with connection.cursor() as cursor:  # an id acme has no request with
            cursor.execute("SELECT setval('client_requests_clientrequest_id_seq', 900000)")
        outsider = world.personas["outsider"].user
        globex_request = ClientRequest.objects.create(
            company=client_company_create(name="Globex client", actor=outsider),
            type=RequestType.objects.get(key="support"),
            title="Globex's own",
            details="Not acme's.",
            created_by=outsider,
        )
    staff = world.personas["staff"].user
    answer = Api(world, "staff").post(
        "/api/v1/requests/bulk",
        {
            "operation": "assign",
            "value": staff.pk,
            "request_ids": [*northwind, southwind.pk, globex_request.pk],
        },
    )
    assert answer.status_code == 200, answer.content
    job = answer.json()
    assert (job["state"], job["total"], job["done"], job["changed"]) == ("finished", 5, 5, 3)
    assert {(item["id"], item["reason"]) for item in job["refused"]} == {
        (southwind.pk, "You may not change this request."),
        (globex_request.pk, "There is no such request."),
    }
    # Refused items say nothing of requests the caller cannot see, not even their titles.
    assert [item["title"] for item in job["refused"]] == ["", ""]
    owners = in_acme(world, lambda: dict(ClientRequest.objects.values_list("pk", "owner_id")))
    assert [owners[pk] for pk in northwind] == [staff.pk] * 3
    assert owners[southwind.pk] is None
    with tenant_context(world.globex):
        assert ClientRequest.objects.get(pk=globex_request.pk).owner_id is None
    assert activity(world, "request.assigned") == 3
    assert Api(world, "staff").get(f"/api/v1/requests/bulk/{job['id']}").json() == job
    # Only its starter follows a job.
    assert Api(world, "admin").get(f"/api/v1/requests/bulk/{job['id']}").status_code == 404


def test_a_status_move_not_allowed_is_refused_per_item_and_the_others_move(world):
    open_ids = many(world, 2, title="Open")
    closed = submit_request(world, title="Closed one")
    owner = world.personas["owner"].user

    def close():
        request_status_change(client_request=closed, status=Status.RESOLVED, actor=owner)
        request_status_change(client_request=closed, status=Status.CLOSED, actor=owner)

    in_acme(world, close)
    before = activity(world, "request.status_changed")
    answer = Api(world, "owner").post(
        "/api/v1/requests/bulk",
        {
            "operation": "status",
            "value": "waiting_on_client",
            "request_ids": [closed.pk, *open_ids],
        },
    )
    job = answer.json()
    assert job["changed"] == 2
    assert job["refused"] == [
        {
            "id": closed.pk,
            "title": "Closed one",
            "reason": "A request that is closed cannot move to waiting on client.",
        }
    ]
    statuses = in_acme(world, lambda: dict(ClientRequest.objects.values_list("pk", "status")))
    assert statuses[closed.pk] == Status.CLOSED
    assert [statuses[pk] for pk in open_ids] == [Status.WAITING_ON_CLIENT] * 2
    assert activity(world, "request.status_changed") == before + 2
    # Already so: counted, not changed, nothing logged.
    again = (
        Api(world, "owner")
        .post(
            "/api/v1/requests/bulk",
            {"operation": "priority", "value": "normal", "request_ids": open_ids},
        )
        .json()
    )
    assert (again["changed"], again["refused"]) == (0, [])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"operation": "explode", "value": 1, "request_ids": [1]}, "operation"),
        ({"operation": "assign", "value": "abc", "request_ids": [1]}, "value"),
        ({"operation": "status", "value": "lost", "request_ids": [1]}, "value"),
        ({"operation": "due_date", "value": "2001-01-01", "request_ids": [1]}, "value"),
        ({"operation": "due_date", "value": "soon", "request_ids": [1]}, "value"),
        ({"operation": "add_tag", "value": 424242, "request_ids": [1]}, "value"),
        ({"operation": "assign", "value": "99999999999999999999", "request_ids": [1]}, "value"),
        ({"operation": "add_tag", "value": "²", "request_ids": [1]}, "value"),
        ({"operation": "priority", "value": "high", "request_ids": [2**40]}, "request_ids"),
        ({"operation": "priority", "value": "high"}, "request_ids"),
        ({"operation": "priority", "value": "high", "request_ids": []}, "request_ids"),
        ({"operation": "priority", "value": "high", "request_ids": ["x"]}, "request_ids"),
        ({"operation": "priority", "value": "high", "filters": "status=lost"}, "filters"),
    ],
)
def test_a_bad_bulk_change_is_a_400_naming_the_field_and_writes_nothing(world, body, field):
    answer = Api(world, "owner").post("/api/v1/requests/bulk", body)
    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    assert in_acme(world, BulkJob.objects.count) == 0


def test_assigning_to_someone_who_does_not_see_the_client_is_refused_per_item(world):
    southwind = submit_request(world, by="other_company", company=world.southwind)
    northwind = submit_request(world)
    job = (
        Api(world, "owner")
        .post(
            "/api/v1/requests/bulk",
            {
                "operation": "assign",
                "value": world.personas["staff"].user.pk,  # sees Northwind only
                "request_ids": [southwind.pk, northwind.pk],
            },
        )
        .json()
    )
    assert job["changed"] == 1
    assert job["refused"][0]["reason"] == "That person doesn't work on this client's requests."
    client_person = world.personas["client_admin"].user.pk
    not_team = Api(world, "owner").post(
        "/api/v1/requests/bulk",
        {"operation": "assign", "value": client_person, "request_ids": [northwind.pk]},
    )
    assert not_team.status_code == 400 and "value" in not_team.json()


def test_every_request_matching_the_filters_gets_the_tag(world):
    tag = a_tag(world, "Q3 audit")
    urgent = many(world, 3, title="Urgent")
    in_acme(world, lambda: ClientRequest.objects.filter(pk__in=urgent).update(priority="urgent"))
    calm = submit_request(world, title="Calm")
    job = (
        Api(world, "owner")
        .post(
            "/api/v1/requests/bulk",
            {"operation": "add_tag", "value": tag.pk, "filters": "priority=urgent"},
        )
        .json()
    )
    assert job["changed"] == 3
    assert in_acme(world, lambda: sorted(tag.requests.values_list("pk", flat=True))) == urgent
    assert in_acme(world, lambda: calm.tags.count()) == 0
    assert activity(world, "request.tagged") == 3


def test_the_list_page_bulk_bar_changes_the_chosen_rows_and_reports(world):
    ids = many(world, 4, title="Paged")
    owner = browser(world, "owner")
    page = owner.get("/requests/").text
    assert 'data-select-page aria-label="Select all on this page"' in page
    assert "All 4 requests matching these filters" in page
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = owner.post(
        "/requests/bulk/", {"operation": "due_date", "due_date": due, "ids": ids[:2]}
    )
    assert response.status_code == 302
    result = owner.get(response["Location"])
    assert "Done: 2 changed." in result.text
    dues = in_acme(world, lambda: dict(ClientRequest.objects.values_list("pk", "due_date")))
    assert [str(dues[pk]) for pk in ids[:2]] == [due, due]
    assert dues[ids[2]] is None
    # Everything matching the filters, here every one.
    response = owner.post(
        "/requests/bulk/",
        {"operation": "priority", "priority": "high", "everything": "on", "filters": ""},
    )
    assert "Done: 4 changed." in owner.get(response["Location"]).text
    # Nothing chosen: the page says so, a 400, nothing started.
    nothing = owner.post("/requests/bulk/", {"operation": "priority", "priority": "high"})
    assert nothing.status_code == 400 and "Choose at least one request." in nothing.text
    assert in_acme(world, BulkJob.objects.count) == 2


def test_a_big_change_runs_in_the_task_with_progress_and_resumes_where_it_stopped(world):
    ids = many(world, BULK_INLINE_LIMIT + 20, title="Big")
    answer = Api(world, "owner").post(
        "/api/v1/requests/bulk", {"operation": "priority", "value": "low", "request_ids": ids}
    )
    assert answer.status_code == 202, answer.content
    job = answer.json()
    assert (job["state"], job["done"]) == ("queued", 0)
    owner = browser(world, "owner")
    progress = owner.get(f"/requests/bulk/{job['id']}/", headers=HTMX).text
    assert "Working: 0 of 120 done." in progress and 'hx-trigger="every 1s"' in progress

    def stopped_halfway():  # a worker killed after 50 items: they committed with the progress
        loaded = BulkJob.objects.get(pk=job["id"])
        loaded.request_ids = ids[:50]
        bulk_job_run(job=loaded)
        BulkJob.objects.filter(pk=job["id"]).update(state="running")

    in_acme(world, stopped_halfway)
    in_acme(world, lambda: request_bulk_run(job["id"]))  # the task, as a worker runs it
    in_acme(world, lambda: request_bulk_run(job["id"]))  # again: a finished job is left alone
    done = Api(world, "owner").get(f"/api/v1/requests/bulk/{job['id']}").json()
    assert (done["state"], done["done"], done["changed"]) == ("finished", 120, 120)
    assert activity(world, "request.updated") == 120  # one entry per item, none twice
    assert "Done: 120 changed." in owner.get(f"/requests/bulk/{job['id']}/").text


def test_a_bulk_item_costs_the_same_queries_at_10_and_100_items(world):
    """Per item: the policy needs none (items are loaded 200 at a time with their company and
    owner); the action writes the request, its timeline event, its activity entry (lock, last
    hash, insert) and the owner's notice, in a savepoint with the job's progress. The same
    constant at 10, 20 and 100 items: no query grows with the batch beyond it."""
    owner = world.personas["owner"].user
    admin = world.personas["admin"].user

    def queries(count: int) -> int:
        ids = many(world, count, title=f"Counted {count}")

        def run():
            with CaptureQueriesContext(connection) as captured:
                job = bulk_job_start(
                    operation="assign", value=admin.pk, request_ids=ids, actor=owner
                )
            assert job.changed == count
            return len(captured.captured_queries)

        return in_acme(world, run)

    queries(1)  # the first run caches the acting user's membership on it (actor=owner)
    at_10, at_20, at_100 = queries(10), queries(20), queries(100)
    per_item = (at_20 - at_10) / 10
    assert per_item == int(per_item), (at_10, at_20)
    assert at_100 - at_10 == 90 * per_item, (at_10, at_20, at_100)
    assert per_item <= 20, per_item


def test_the_job_page_is_only_its_starters(world):
    client_request = submit_request(world)
    job = in_acme(
        world,
        lambda: bulk_job_start(
            operation="priority",
            value="high",
            request_ids=[client_request.pk],
            actor=world.personas["owner"].user,
        ),
    )
    assert browser(world, "admin").get(f"/requests/bulk/{job.pk}/").status_code == 404
    text = browser(world, "owner").get(f"/requests/bulk/{job.pk}/").text
    assert re.search(r"Set priority: 1 request\b", text)


def test_tagged_rows_cost_the_list_no_query_per_row(world):
    """The rows' tags come in one prefetch: the page runs as many queries at 5 tagged rows as
    at 25, for the team; for clients no tag query at all."""
    tags = [a_tag(world, "One"), a_tag(world, "Two")]
    owner, client = browser(world, "owner"), browser(world, "client_admin")

    def tagged(count):
        ids = many(world, count, title=f"Tagged {count}")
        through = ClientRequest.tags.through
        in_acme(
            world,
            lambda: through.objects.bulk_create(
                through(clientrequest_id=pk, requesttag_id=tag.pk) for pk in ids for tag in tags
            ),
        )

    def queries(who) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert who.get("/requests/").status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    tagged(5)
    queries(owner), queries(client)  # the first request switches schema and caches the brand
    at_5, client_at_5 = queries(owner), queries(client)
    tagged(20)
    at_25 = queries(owner)
    assert len(at_5) == len(at_25), "\n".join(at_25)
    assert sum("client_requests_requesttag" in sql for sql in at_25) == 2  # rows, filter
    assert len(client_at_5) == len(queries(client))
    assert not any("client_requests_requesttag" in sql for sql in client_at_5)
    assert owner.get("/requests/").text.count('<span class="tag tag-blue">One</span>') == 25
