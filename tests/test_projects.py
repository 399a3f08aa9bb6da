"""Milestones: the actions keep each client's order and log every change; the pages and the
API let the team post, change, reorder and remove them, and everyone who sees the client read
them; nobody else learns they exist."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.projects.actions import (
    milestone_move,
    milestone_remove,
    milestone_status_change,
    milestone_update,
)
from tenant_apps.projects.models import Milestone, MilestoneStatus
from tests.access_matrix import PERSONAS
from tests.conftest import signed_in_client
from tests.people_support import ACME, api_client
from tests.routes_projects import API_MORE_CASES, MORE_CASES, post_milestone
from tests.test_access_matrix import TENANT_URLCONF, check

HTMX = {"HX-Request": "true"}


def user(world, persona):
    return world.personas[persona].user


def titles(world, company=None) -> list[str]:
    with tenant_context(world.acme):
        milestones = Milestone.objects.filter(company=company or world.northwind)
        return list(milestones.order_by("position").values_list("title", flat=True))


def logged(world, milestone) -> list[tuple[str, dict]]:
    with tenant_context(world.acme):
        entries = ActivityEntry.objects.filter(
            object_type="projects.milestone", object_id=str(milestone.pk)
        ).order_by("id")
        return [(entry.action, entry.changes, entry.company_id) for entry in entries]


@pytest.fixture
def three(world):
    return [post_milestone(world, title=title) for title in ("Discovery", "Design", "Build")]


# Actions


def test_posts_go_to_the_end_of_their_clients_list(world, three):
    other = post_milestone(world, company=world.southwind, by="owner", title="Audit")
    assert [m.position for m in three] == [1, 2, 3]
    assert other.position == 1  # each client has its own order
    assert logged(world, three[0]) == [
        ("milestone.posted", {"status": "planned", "due_date": None}, world.northwind.pk)
    ]


def test_moving_swaps_with_the_neighbour_and_stops_at_the_ends(world, three):
    discovery, design, build = three
    with tenant_context(world.acme):
        milestone_move(milestone=build, direction="up", actor=user(world, "staff"))
        milestone_move(milestone=discovery, direction="up", actor=user(world, "staff"))
    assert titles(world) == ["Discovery", "Build", "Design"]
    assert [action for action, *_ in logged(world, discovery)] == ["milestone.posted"]
    assert logged(world, build)[-1][:2] == ("milestone.moved", {"position": [3, 2]})
    with tenant_context(world.acme), pytest.raises(ValidationError):
        milestone_move(milestone=design, direction="sideways", actor=user(world, "staff"))


def test_removing_closes_the_gap(world, three):
    with tenant_context(world.acme):
        milestone_remove(milestone=three[0], actor=user(world, "staff"))
        positions = list(Milestone.objects.order_by("position").values_list("position", flat=True))
    assert positions == [1, 2] and titles(world) == ["Design", "Build"]
    assert logged(world, three[0])[-1][0] == "milestone.removed"
    post_milestone(world, title="Launch")
    assert titles(world) == ["Design", "Build", "Launch"]


def test_status_changes_are_logged_and_completion_is_dated(world, three):
    design = three[1]
    with tenant_context(world.acme):
        done = milestone_status_change(
            milestone=design, status=MilestoneStatus.COMPLETED, actor=user(world, "staff")
        )
        assert done.completed_at is not None
        again = milestone_status_change(
            milestone=done, status=MilestoneStatus.COMPLETED, actor=user(world, "staff")
        )
        reopened = milestone_status_change(
            milestone=again, status=MilestoneStatus.BLOCKED, actor=user(world, "staff")
        )
        assert reopened.completed_at is None
        with pytest.raises(ValidationError):
            milestone_status_change(milestone=design, status="done", actor=user(world, "staff"))
    changes = [changes for action, changes, _ in logged(world, design)][1:]
    assert changes == [{"status": ["planned", "completed"]}, {"status": ["completed", "blocked"]}]


def test_updates_log_what_changed_and_refuse_a_blank_title(world, three):
    with tenant_context(world.acme):
        milestone_update(
            milestone=three[0],
            title="Discovery workshop",
            description="Two days on site.",
            due_date=date(2031, 5, 1),
            actor=user(world, "staff"),
        )
        unchanged = milestone_update(
            milestone=three[0], title="Discovery workshop", actor=user(world, "staff")
        )
        with pytest.raises(ValidationError) as refused:
            milestone_update(milestone=three[0], title="  ", actor=user(world, "staff"))
    assert refused.value.message_dict == {"title": ["Give the milestone a title."]}
    assert unchanged.title == "Discovery workshop"
    assert logged(world, three[0])[1:] == [
        (
            "milestone.updated",
            {
                "title": ["Discovery", "Discovery workshop"],
                "description": "changed",
                "due_date": [None, "2031-05-01"],
            },
            world.northwind.pk,
        )
    ]


# Pages


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("label", sorted(MORE_CASES))
def test_more_page_cases(world, label, persona):
    name, case = MORE_CASES[label]
    check(world, TENANT_URLCONF, ACME, name, case, persona)


def test_the_team_posts_a_milestone_from_the_clients_page(world):
    client = signed_in_client(world.personas["staff"])
    url = f"/projects/clients/{world.northwind.pk}/"
    assert "Post a milestone" in client.get(url).text
    refused = client.post(f"{url}new/", {"title": " ", "status": "planned"})
    assert refused.status_code == 400 and "This field is required." in refused.text
    posted = client.post(
        f"{url}new/",
        {"title": "Homepage", "description": "Hero and menu.", "status": "in_progress"},
        follow=True,
    )
    assert "Milestone “Homepage” posted." in posted.text
    with tenant_context(world.acme):
        milestone = Milestone.objects.get()
    assert (milestone.status, milestone.posted_by, milestone.position) == (
        "in_progress",
        user(world, "staff"),
        1,
    )


def test_status_and_order_change_in_place_with_htmx(world, three):
    client = signed_in_client(world.personas["staff"])
    discovery, design, build = three
    changed = client.post(
        f"/projects/milestones/{design.pk}/status/", {"status": "completed"}, headers=HTMX
    )
    assert changed.status_code == 200
    assert changed.text.lstrip().startswith('<div id="milestone-list">')
    assert '<option value="completed" selected>' in changed.text
    refused = client.post(
        f"/projects/milestones/{design.pk}/status/", {"status": "done"}, headers=HTMX
    )
    assert refused.status_code == 200 and '<p class="error">Select a valid choice.' in refused.text
    moved = client.post(f"/projects/milestones/{build.pk}/move/", {"direction": "up"}, headers=HTMX)
    assert moved.text.index("Build") < moved.text.index("Design")
    removed = client.post(f"/projects/milestones/{discovery.pk}/remove/", headers=HTMX)
    assert "Discovery" not in removed.text
    assert titles(world) == ["Build", "Design"]
    # Without htmx the same routes redirect to the client's page.
    plain = client.post(f"/projects/milestones/{build.pk}/move/", {"direction": "down"})
    assert plain.status_code == 302 and plain.url == f"/projects/clients/{world.northwind.pk}/"


def test_clients_read_milestones_and_cannot_change_them(world, three):
    post_milestone(world, company=world.southwind, by="owner", title="Southwind audit")
    viewer = signed_in_client(world.personas["viewer"])
    listing = viewer.get("/projects/").text
    assert "Discovery" in listing and "Southwind audit" not in listing
    company_page = viewer.get(f"/projects/clients/{world.northwind.pk}/").text
    assert "Post a milestone" not in company_page and "<select" not in company_page
    assert 'data-status="planned"' in company_page
    refused = viewer.post(f"/projects/milestones/{three[0].pk}/status/", {"status": "completed"})
    assert refused.status_code == 403
    assert titles(world) == ["Discovery", "Design", "Build"]


def test_the_team_edits_a_milestone_on_its_page(world, three):
    client = signed_in_client(world.personas["admin"])
    page = client.get(f"/projects/milestones/{three[0].pk}/")
    assert 'value="Discovery"' in page.text
    saved = client.post(
        f"/projects/milestones/{three[0].pk}/",
        {"title": "Kick-off", "description": "", "due_date": "2031-02-03"},
        follow=True,
    )
    assert "Milestone saved." in saved.text and "3 February 2031" in saved.text
    assert titles(world)[0] == "Kick-off"


def test_the_list_filters_by_client_and_status(world, three):
    post_milestone(world, company=world.southwind, by="owner", title="Audit")
    with tenant_context(world.acme):
        milestone_status_change(milestone=three[2], status="completed", actor=user(world, "staff"))
    client = signed_in_client(world.personas["owner"])
    assert "4 milestones" in client.get("/projects/").text
    northwind_open = client.get(f"/projects/?company={world.northwind.pk}&status=open").text
    assert "2 milestones" in northwind_open and "Audit" not in northwind_open
    assert client.get("/projects/?status=finished").status_code == 400
    # The staff member sees Northwind's alone.
    assert "3 milestones" in signed_in_client(world.personas["staff"]).get("/projects/").text


# API


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("label", sorted(API_MORE_CASES))
def test_more_api_cases(world, label, persona):
    name, case = API_MORE_CASES[label]
    check(world, TENANT_URLCONF, ACME, name, case, persona)


def test_the_api_posts_changes_moves_and_removes(world, three):
    client, headers = api_client(world, "staff")

    def send(method, path, data=None):
        call = getattr(client, method)
        return call(path, data or {}, content_type="application/json", **headers)

    created = send("post", "/api/v1/milestones", {"company": world.northwind.pk, "title": "Go"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["position"], body["status"]) == (4, "planned")
    assert body["company"]["name"] == "Northwind"
    assert created["Location"] == f"/api/v1/milestones/{body['id']}"
    # Southwind is not among the staff member's clients: as if it did not exist.
    foreign = send("post", "/api/v1/milestones", {"company": world.southwind.pk, "title": "X"})
    assert foreign.status_code == 400 and "company" in foreign.json()

    patched = send("patch", f"/api/v1/milestones/{body['id']}", {"status": "blocked"})
    assert patched.json()["status"] == "blocked"
    bad = send("patch", f"/api/v1/milestones/{body['id']}", {"title": " "})
    assert bad.status_code == 400 and bad.json() == {"title": ["This field may not be blank."]}
    moved = send("post", f"/api/v1/milestones/{body['id']}/move", {"direction": "up"})
    assert moved.json()["position"] == 3
    assert send("delete", f"/api/v1/milestones/{three[0].pk}").status_code == 204

    listed = client.get("/api/v1/milestones?status=open", **headers).json()
    assert [row["title"] for row in listed["results"]] == ["Design", "Go", "Build"]
    assert client.get("/api/v1/milestones?status=x", **headers).status_code == 400


def test_clients_read_their_milestones_over_the_api(world, three):
    post_milestone(world, company=world.southwind, by="owner", title="Audit")
    client, headers = api_client(world, "viewer")
    listed = client.get("/api/v1/milestones", **headers).json()
    assert [row["title"] for row in listed["results"]] == ["Discovery", "Design", "Build"]
    refused = client.post(
        "/api/v1/milestones",
        {"company": world.northwind.pk, "title": "Mine"},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 403
