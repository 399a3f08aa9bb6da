"""Announcements: operators publish them in the console or the API; agencies' people see those
aimed at their plan and role, between the start and the end, until they dismiss them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.selectors import billing_state
from operators import announcements
from operators.announcements import forget_copy
from operators.models import Announcement, AnnouncementDismissal, OperatorLogEntry
from operators.roles import Role
from shared_apps.accounts.models import User
from tests.conftest import OPERATOR_EMAILS, Persona, operator_sign_in, signed_in_client

HOME = "/"


@pytest.fixture
def fresh_copy(db, django_capture_on_commit_callbacks):
    """Each process keeps a copy of the announcements (operators.announcements); read them
    afresh in each test, and give the next test the copy this one found."""
    found = announcements._copy
    announcements.forget_copy()
    yield
    announcements._copy = found


@pytest.fixture
def committed(fresh_copy, django_capture_on_commit_callbacks):
    """Run what a request's transaction does on commit (the actions forget the copy then)."""

    def send(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return send


def console(role=Role.ADMIN):
    connection.set_schema_to_public()
    return operator_sign_in(
        Client(HTTP_HOST="localhost"), User.objects.get(email=OPERATOR_EMAILS[role])
    )


def form(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "title": "Maintenance on Sunday",
        "body": "The portal is read-only from 02:00 to 03:00.",
        "level": "info",
        "starts_on": (today - timedelta(days=1)).isoformat(),
        "starts_time": "09:00",
        "ends_on": (today + timedelta(days=2)).isoformat(),
        "ends_time": "18:00",
    }
    return data | overrides


def home_of(world, key: str) -> str:
    persona: Persona = world.personas[key]
    response = signed_in_client(persona).get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_published_in_the_console_it_reaches_the_people_it_is_aimed_at(world, committed):
    plan = billing_state(world.acme).plan.key
    response = committed(
        console().post,
        "/operator/announcements/new/",
        form(plans=[plan], audiences=["owner", "admin"]),
    )
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert (announcement.plans, announcement.audiences) == ([plan], ["admin", "owner"])
    entry = OperatorLogEntry.objects.get(action="announcement.published")
    assert entry.operator_label == OPERATOR_EMAILS[Role.ADMIN]
    assert entry.changes["title"] == "Maintenance on Sunday"

    assert "Maintenance on Sunday" in home_of(world, "owner")
    assert "Maintenance on Sunday" in home_of(world, "admin")
    assert "Maintenance on Sunday" not in home_of(world, "staff")
    assert "Maintenance on Sunday" not in home_of(world, "client_admin")


def test_another_plan_s_announcement_is_not_shown(world, committed):
    other = next(key for key in ("starter", "growth") if key != billing_state(world.acme).plan.key)
    assert (
        committed(console().post, "/operator/announcements/new/", form(plans=[other])).status_code
        == 302
    )
    assert "Maintenance on Sunday" not in home_of(world, "owner")


def test_only_between_its_start_and_its_end(world, committed):
    today = timezone.localdate()
    later = form(
        starts_on=(today + timedelta(days=3)).isoformat(),
        ends_on=(today + timedelta(days=4)).isoformat(),
    )
    assert committed(console().post, "/operator/announcements/new/", later).status_code == 302
    assert "Maintenance on Sunday" not in home_of(world, "client_admin")

    announcement = Announcement.objects.get()
    forget_copy()
    Announcement.objects.filter(pk=announcement.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    assert "Maintenance on Sunday" in home_of(world, "client_admin")

    response = committed(console().post, f"/operator/announcements/{announcement.pk}/end/")
    assert response.status_code == 302
    assert "Maintenance on Sunday" not in home_of(world, "client_admin")
    assert OperatorLogEntry.objects.filter(action="announcement.ended").count() == 1


def test_a_scheduled_announcement_withdrawn_never_shows(world, committed):
    today = timezone.localdate()
    later = form(
        starts_on=(today + timedelta(days=3)).isoformat(),
        ends_on=(today + timedelta(days=4)).isoformat(),
    )
    committed(console().post, "/operator/announcements/new/", later)
    announcement = Announcement.objects.get()
    committed(console().post, f"/operator/announcements/{announcement.pk}/end/")
    announcement.refresh_from_db()
    assert announcement.ends_at <= timezone.now()
    assert OperatorLogEntry.objects.filter(action="announcement.withdrawn").count() == 1


def test_dismissed_it_stays_away_for_that_person_only(world, committed):
    committed(console().post, "/operator/announcements/new/", form())
    announcement = Announcement.objects.get()
    owner = signed_in_client(world.personas["owner"])
    response = owner.post(
        f"/announcements/{announcement.pk}/dismiss/", {"next": "/requests/"}, HTTP_HX_REQUEST="true"
    )
    assert (response.status_code, response.content) == (200, b"")
    assert "Maintenance on Sunday" not in home_of(world, "owner")
    assert "Maintenance on Sunday" in home_of(world, "admin")
    dismissal = AnnouncementDismissal.objects.get()
    assert (dismissal.agency_id, dismissal.user_id) == (
        world.acme.pk,
        world.personas["owner"].user.pk,
    )


def test_without_htmx_dismissing_goes_back_but_never_off_site(world, committed):
    committed(console().post, "/operator/announcements/new/", form())
    announcement = Announcement.objects.get()
    owner = signed_in_client(world.personas["owner"])
    url = f"/announcements/{announcement.pk}/dismiss/"
    assert owner.post(url, {"next": "/requests/"})["Location"] == "/requests/"
    assert owner.post(url, {"next": "https://evil.example/"})["Location"] == "/"


def test_the_form_refuses_an_end_before_the_start_and_writes_nothing(world, committed):
    today = timezone.localdate()
    response = console().post(
        "/operator/announcements/new/",
        form(ends_on=(today - timedelta(days=5)).isoformat(), title=" "),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The end must come after the start." in page
    assert "This field is required." in page
    assert not Announcement.objects.exists()
    assert not OperatorLogEntry.objects.filter(action__startswith="announcement.").exists()


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.BILLING])
def test_support_and_billing_operators_read_but_do_not_publish(world, committed, role):
    client = console(role)
    assert client.get("/operator/announcements/").status_code == 200
    assert client.get("/operator/announcements/new/").status_code == 403
    assert client.post("/operator/announcements/new/", form()).status_code == 403
    assert (
        client.post(
            "/api/v1/operator/announcements", form(), content_type="application/json"
        ).status_code
        == 403
    )
    assert not Announcement.objects.exists()


def test_the_api_publishes_changes_and_takes_down(world, committed):
    client = console()
    now = timezone.now()
    body = {
        "title": "New: online payments",
        "body": "Clients can now pay invoices by card.",
        "starts_at": (now - timedelta(minutes=5)).isoformat(),
        "ends_at": (now + timedelta(days=3)).isoformat(),
        "audiences": ["owner"],
    }
    created = committed(
        client.post, "/api/v1/operator/announcements", body, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["state"] == "live"
    announcement_id = created.json()["id"]

    owner = signed_in_client(world.personas["owner"])
    mine = owner.get("/api/v1/announcements").json()
    assert [item["title"] for item in mine] == ["New: online payments"]

    changed = committed(
        client.put,
        f"/api/v1/operator/announcements/{announcement_id}",
        body | {"title": "Online payments are here"},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert [item["title"] for item in owner.get("/api/v1/announcements").json()] == [
        "Online payments are here"
    ]
    assert owner.post(f"/api/v1/announcements/{announcement_id}/dismiss").status_code == 204
    assert owner.get("/api/v1/announcements").json() == []

    ended = committed(client.post, f"/api/v1/operator/announcements/{announcement_id}/end")
    assert (ended.status_code, ended.json()["state"]) == (200, "ended")
    again = client.post(f"/api/v1/operator/announcements/{announcement_id}/end")
    assert again.status_code == 400
    announcement_entries = OperatorLogEntry.objects.filter(action__startswith="announcement.")
    actions = list(announcement_entries.order_by("id").values_list("action", flat=True))
    assert actions == ["announcement.published", "announcement.changed", "announcement.ended"]


def test_the_api_names_the_fields_it_refuses(world, committed):
    now = timezone.now()
    response = console().post(
        "/api/v1/operator/announcements",
        {
            "title": "",
            "body": "x",
            "starts_at": now.isoformat(),
            "ends_at": (now - timedelta(days=1)).isoformat(),
            "plans": ["platinum"],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"title", "plans"}
    response = console().post(
        "/api/v1/operator/announcements",
        {
            "title": "t",
            "body": "x",
            "starts_at": now.isoformat(),
            "ends_at": (now - timedelta(days=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "ends_at" in response.json()
    assert not Announcement.objects.exists()


def test_a_page_reads_announcements_without_a_query_until_one_is_aimed_at_the_viewer(
    world, committed
):
    owner = signed_in_client(world.personas["owner"])
    owner.get(HOME)  # warm: session, caches, this process's copy
    with CaptureQueriesContext(connection) as quiet:
        owner.get(HOME)
    committed(console().post, "/operator/announcements/new/", form())
    owner.get(HOME)  # reads the copy afresh
    with CaptureQueriesContext(connection) as aimed:
        assert "Maintenance on Sunday" in owner.get(HOME).content.decode()
    # One more: this person's dismissals, asked only because an announcement is aimed at them.
    assert len(aimed) == len(quiet) + 1
