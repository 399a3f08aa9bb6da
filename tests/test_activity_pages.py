"""The My activity page, the workspace log with its filters, and its CSV export."""

import csv
import io
import json
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.events import REGISTRY
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.activity.selectors import PAGE_SIZE
from tenant_apps.people.actions import client_company_create
from tests.access_matrix import SIGNED_IN_HERE
from tests.conftest import signed_in_client
from tests.test_activity_log import QUIET_ACTION, record


def get(world, who, url):
    return signed_in_client(world.personas[who]).get(url)


def shown(response) -> list[int]:
    return [entry.pk for entry in response.context["window"].entries]


@pytest.mark.parametrize("who", SIGNED_IN_HERE)
def test_my_activity_shows_my_own_entries_newest_first(world, who):
    client = signed_in_client(world.personas[who])  # before the entries: signing in is logged
    for persona in SIGNED_IN_HERE:
        record(world, persona)
    mine = record(
        world,
        who,
        "team.role_changed",
        target=world.personas["staff"].user,
        changes={"role": ["staff", "admin"]},
    )
    response = client.get("/activity/")
    assert response.status_code == 200
    entries = response.context["window"].entries
    assert entries[0].pk == mine.pk
    assert {entry.actor_id for entry in entries} == {world.personas[who].user.pk}
    assert shown(response) == sorted(shown(response), reverse=True)
    assert "changed the team role of <em>Acme Staff</em> to Admin" in response.text
    assert "Role: Staff → Admin" in response.text


def test_an_action_without_a_description_shows_its_code(world, monkeypatch):
    # Written while some app still defined the code, read after a release retired it.
    with monkeypatch.context() as defined:
        defined.setitem(REGISTRY, "billing.plan_changed", "billing.plan_changed")
        record(world, "viewer", "billing.plan_changed")
    assert "billing.plan_changed" in get(world, "viewer", "/activity/").text


@pytest.mark.parametrize(("who", "linked"), [("admin", True), ("staff", False), ("viewer", False)])
def test_only_those_who_may_see_the_workspace_log_are_offered_it(world, who, linked):
    assert ('href="/activity/workspace/"' in get(world, who, "/activity/").text) is linked


def test_my_activity_pages_back_and_forth(world):
    client = signed_in_client(world.personas["viewer"])
    record(world, "viewer", count=PAGE_SIZE + 3)
    with tenant_context(world.acme):
        # Counted, not assumed: signing in may have logged an entry too.
        total = ActivityEntry.objects.filter(actor=world.personas["viewer"].user).count()
    first = client.get("/activity/")
    assert len(shown(first)) == PAGE_SIZE
    assert first.context["newer_url"] is None
    assert first.context["newest_url"] is None

    older = client.get("/activity/" + first.context["older_url"])
    assert len(shown(older)) == total - PAGE_SIZE
    assert max(shown(older)) < min(shown(first))
    assert older.context["older_url"] is None
    assert older.context["newest_url"] == "?"

    back = client.get("/activity/" + older.context["newer_url"])
    assert shown(back) == shown(first)
    assert back.context["newer_url"] is None


def test_a_mangled_page_link_starts_from_the_newest(world):
    client = signed_in_client(world.personas["viewer"])
    record(world, "viewer", count=2)
    newest = client.get("/activity/")
    for query in ("?before=abc", "?after=-4", f"?before={2**70}"):
        response = client.get("/activity/" + query)
        assert response.status_code == 200
        assert shown(response) == shown(newest)


# With 5 entries and with 50, each page runs the same statements:
# - /activity/: the session; its user (auth middleware); the user again with their team or
#   client membership (policy.actor_for); one page of entries, actor and company joined.
# - /activity/workspace/?person=&action=: those, plus the person filter's lookup and the person
#   and client choices of the filter form's selects.
# - export.csv?person=&action=: the session, user, actor and person lookup; the export's own log
#   entry (savepoint, advisory lock, last hash, insert, release); one server-side cursor
#   that every row is fetched through.
@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("viewer", "/activity/"),
        ("admin", "/activity/workspace/?person={viewer}&action={action}"),
        ("admin", "/activity/workspace/export.csv?person={viewer}&action={action}"),
    ],
)
def test_a_page_costs_the_same_queries_for_5_or_50_entries(world, who, url):
    client = signed_in_client(world.personas[who])
    url = url.format(viewer=world.personas["viewer"].user.pk, action=QUIET_ACTION)
    client.get(url)  # warms the brand cache

    def run():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else b""
        assert response.status_code == 200
        return queries.captured_queries, body

    record(world, "viewer", target=world.northwind, count=5)
    five, five_body = run()
    record(world, "viewer", target=world.northwind, count=45)
    fifty, fifty_body = run()
    assert len(five) == len(fifty), [query["sql"][:120] for query in fifty]
    if five_body:
        assert (five_body.count(b"\n"), fifty_body.count(b"\n")) == (6, 51)


def workspace(world, query="", who="admin"):
    return get(world, who, f"/activity/workspace/{query}")


def test_the_workspace_log_shows_everyone(world):
    entries = [record(world, who) for who in ("viewer", "other_company", "staff")]
    response = workspace(world)
    assert {entry.pk for entry in entries} <= set(shown(response))
    assert "Northwind Viewer" in response.text


def test_the_workspace_log_filters_by_person(world):
    viewer = world.personas["viewer"].user
    mine = record(world, "viewer", count=2)
    record(world, "approver")
    response = workspace(world, f"?person={viewer.pk}")
    assert shown(response) == [mine.pk, mine.pk - 1]


def test_the_client_filter_matches_entries_by_or_about_that_company(world):
    by_its_person = record(world, "viewer")
    about_its_person = record(
        world, "owner", "client.role_changed", target=world.personas["approver"].user
    )
    about_it = record(world, "admin", "client.company_created", target=world.northwind)
    elsewhere = record(world, "other_company")
    team_only = record(world, "staff", target=world.personas["admin"].user)
    response = workspace(world, f"?company={world.northwind.pk}")
    found = set(shown(response))
    assert {by_its_person.pk, about_its_person.pk, about_it.pk} <= found
    assert not {elsewhere.pk, team_only.pk} & found


def test_the_workspace_log_filters_by_action(world):
    record(world, "viewer")
    response = workspace(world, "?action=team.member_added")
    entries = response.context["window"].entries
    assert {entry.action for entry in entries} == {"team.member_added"}
    assert {entry.object_label for entry in entries} >= {"Acme Admin", "Acme Staff"}


def record_at(world, moment):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return record(world, "viewer")


def test_the_date_range_includes_both_of_its_days(world):
    before = record_at(world, datetime(2020, 3, 1, 23, 59, 59, tzinfo=UTC))
    first = record_at(world, datetime(2020, 3, 2, 0, 0, tzinfo=UTC))
    last = record_at(world, datetime(2020, 3, 3, 23, 59, 59, tzinfo=UTC))
    record_at(world, datetime(2020, 3, 4, 0, 0, tzinfo=UTC))
    response = workspace(world, "?since=2020-03-02&until=2020-03-03")
    assert shown(response) == [last.pk, first.pk]
    assert shown(workspace(world, "?until=2020-03-01")) == [before.pk]


def test_filters_keep_their_values_in_page_links(world):
    viewer = world.personas["viewer"].user
    record(world, "viewer", count=PAGE_SIZE + 1)
    response = workspace(world, f"?person={viewer.pk}&action={QUIET_ACTION}")
    assert response.context["older_url"].startswith(f"?person={viewer.pk}&action={QUIET_ACTION}")
    assert response.context["export_url"] == (
        f"/activity/workspace/export.csv?person={viewer.pk}&action={QUIET_ACTION}"
    )


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?since=2020-03-05&until=2020-03-01", "The end date is before the start date."),
        ("?since=yesterday", "Enter the date as dd/mm/yyyy, for example 31/12/2026."),
        ("?person=999999", "Select a valid choice."),
        ("?action=no.such_action", "Select a valid choice."),
    ],
)
@pytest.mark.parametrize("page", ["", "export.csv"])
def test_bad_filters_are_a_400_with_the_field_error(world, page, query, error):
    response = workspace(world, page + query)
    assert response.status_code == 400
    assert error in response.text
    assert shown(response) == []


def test_staff_are_refused_the_workspace_log_and_the_refusal_is_logged(world):
    assert workspace(world, who="staff").status_code == 403
    with tenant_context(world.acme):
        denial = ActivityEntry.objects.get(action="access.denied")
    assert denial.actor_id == world.personas["staff"].user.pk
    assert denial.changes == {"permission": "activity.view_all"}


def export(world, query=""):
    response = workspace(world, f"export.csv{query}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return response, list(csv.DictReader(io.StringIO(body)))


def test_the_export_streams_the_filtered_log_as_csv(world):
    viewer = world.personas["viewer"].user
    entry = record(
        world,
        "viewer",
        "client.role_changed",
        target=world.personas["approver"].user,
        changes={"role": ["approver", "finance"]},
    )
    response, rows = export(world, f"?person={viewer.pk}")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="activity-acme-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    assert rows == [
        {
            "id": str(entry.pk),
            "time": entry.occurred_at.isoformat(),
            "person": "viewer@northwind.example",
            "action": "client.role_changed",
            "description": "Changed the client role of Northwind Approver",
            "object": "Northwind Approver",
            "client": "Northwind",
            "changes": '{"role": ["approver", "finance"]}',
            "ip_address": "",
            "user_agent": "",
            "entry_hash": entry.entry_hash,
        }
    ]


def test_an_export_is_itself_logged_with_its_filters(world):
    viewer = world.personas["viewer"].user
    export(world, f"?person={viewer.pk}&action={QUIET_ACTION}")
    with tenant_context(world.acme):
        logged = ActivityEntry.objects.get(action="activity.exported")
    assert logged.actor_id == world.personas["admin"].user.pk
    assert logged.changes == {"person": "Northwind Viewer", "action": QUIET_ACTION}


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x.example")', "+1+1", "-2+3", "@SUM(A1)", "\tx"]
)
def test_the_export_defuses_cells_a_spreadsheet_would_run(world, name):
    with tenant_context(world.acme):
        client_company_create(name=name, actor=world.personas["owner"].user)
    _, rows = export(world, "?action=client.company_created")
    row = next(row for row in rows if row["object"].endswith(name))
    assert row["object"] == row["client"] == "'" + name
    assert row["description"] == f"Added the client {name}"
    assert json.loads(row["changes"]) == {}
