"""The bell, the notifications list, preferences, the API, and request changes in the app."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenant_apps.client_requests.actions import request_reply_add, request_status_change
from tenant_apps.client_requests.models import Status
from tenant_apps.notifications.actions import notification_send, preferences_update
from tenant_apps.notifications.kinds import KINDS, Channel, kinds_for
from tenant_apps.notifications.models import Notification, NotificationPreference
from tests.access_matrix import PERSONAS
from tests.conftest import host_client, signed_in_client
from tests.routes_inbox import MORE_CASES as INBOX_MORE_CASES
from tests.routes_notifications import MORE_CASES
from tests.routes_requests import submit_request
from tests.test_access_matrix import TENANT_URLCONF, check
from tests.test_isolation import obtain_tokens

ACME = "acme.localhost"
HTMX = {"HTTP_HX_REQUEST": "true"}
EVERY_MORE_CASE = {**MORE_CASES, **INBOX_MORE_CASES}

pytest_plugins = ["tests.notifications_fixtures"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(EVERY_MORE_CASE))
def test_more_access_cases(world, case, persona):
    name, matrix_case = EVERY_MORE_CASE[case]
    check(world, TENANT_URLCONF, ACME, name, matrix_case, persona)


@pytest.fixture(autouse=True)
def fresh_cache(world):
    # The bell's counts live in Redis, which the test's rollback does not reach.
    with tenant_context(world.acme):
        cache.clear()
    yield
    with tenant_context(world.acme):
        cache.clear()


def person(world, key):
    return world.personas[key].user


def tell(world, key="client_admin", title="Please upload the logo", number=1):
    with tenant_context(world.acme):
        return [
            notification_send(
                recipients=[person(world, key)],
                kind="file_request.created",
                target=world.northwind,
                title=f"{title} {index}" if number > 1 else title,
                url=f"/clients/{world.northwind.pk}/",
                actor=person(world, "staff"),
            )[0]
            for index in range(number)
        ]


def test_the_bell_shows_the_unread_count_on_every_page(world):
    tell(world, number=3)
    page = signed_in_client(world.personas["client_admin"]).get("/").content.decode()
    assert 'id="notification-bell"' in page
    assert 'aria-label="Notifications, 3 unread"' in page
    assert '<span class="bell-count" aria-hidden="true">3</span>' in page
    quiet = signed_in_client(world.personas["approver"]).get("/").content.decode()
    assert 'aria-label="Notifications"' in quiet and "bell-count" not in quiet


def test_the_bell_costs_no_query_once_counted(world):
    tell(world)
    client = signed_in_client(world.personas["client_admin"])
    client.get("/notifications/bell/")  # counts and caches

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/notifications/bell/")
    assert "1 unread" in response.content.decode()
    assert not [q for q in captured if "notifications_notification" in q["sql"]]


def test_the_list_links_each_notification_to_its_item_and_opening_marks_it_read(world):
    [notification] = tell(world)
    client = signed_in_client(world.personas["client_admin"])
    page = client.get("/notifications/").content.decode()
    assert "Please upload the logo" in page
    assert f'href="/notifications/{notification.pk}/"' in page

    opened = client.get(f"/notifications/{notification.pk}/")
    assert opened.status_code == 302 and opened["Location"] == f"/clients/{world.northwind.pk}/"
    with tenant_context(world.acme):
        notification.refresh_from_db()
    assert notification.is_read


def test_mark_read_with_htmx_returns_the_row_and_the_bell(world):
    first, _ = tell(world, number=2)
    client = signed_in_client(world.personas["client_admin"])
    response = client.post(f"/notifications/{first.pk}/read/", **HTMX)
    html = response.content.decode()
    assert f'id="notification-{first.pk}"' in html and "unread" not in html.split("<a id")[0]
    assert 'hx-swap-oob="true"' in html and "1 unread" in html


def test_mark_all_read(world):
    tell(world, number=3)
    client = signed_in_client(world.personas["client_admin"])
    response = client.post("/notifications/read-all/", **HTMX)
    assert response.status_code == 200
    assert 'aria-label="Notifications"' in response.content.decode()
    with tenant_context(world.acme):
        assert not Notification.objects.unread().exists()
    assert client.post("/notifications/read-all/").status_code == 302


def test_nobody_reads_or_marks_anyone_elses_notifications(world):
    [notification] = tell(world)
    finance = signed_in_client(world.personas["finance"])
    assert finance.get(f"/notifications/{notification.pk}/").status_code == 404
    assert finance.post(f"/notifications/{notification.pk}/read/").status_code == 404
    assert "Please upload" not in finance.get("/notifications/").content.decode()
    with tenant_context(world.acme):
        notification.refresh_from_db()
    assert not notification.is_read


def test_the_list_costs_the_same_queries_at_5_and_40_notifications(world):
    """Session, user, the actor, COUNT(*) for the pager, the page of notifications with
    their actors; the brand and the bell's count come from the cache."""
    client = signed_in_client(world.personas["client_admin"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/notifications/").status_code == 200
        return len(captured)

    tell(world, number=5)
    queries()  # warms the brand and the bell's count
    small = queries()
    tell(world, number=35, title="More")
    queries()  # the new notifications dropped the cached count
    assert queries() == small


# Preferences


def test_each_side_chooses_among_its_own_kinds_and_security_emails_are_not_listed(world):
    client_page = signed_in_client(world.personas["client_admin"]).get(
        "/notifications/preferences/"
    )
    team_page = signed_in_client(world.personas["staff"]).get("/notifications/preferences/")
    for key, kind in KINDS.items():
        assert (kind.label in client_page.content.decode()) == (key in kinds_for(is_team=False))
        assert (kind.label in team_page.content.decode()) == (key in kinds_for(is_team=True))
    for page in (client_page, team_page):
        assert "always come" in page.content.decode()
        assert "invitation" not in page.context["form"].fields


def test_saving_preferences(world):
    client = signed_in_client(world.personas["client_admin"])
    form = client.get("/notifications/preferences/").context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data |= {"invoice.sent": "digest", "message.posted": "off"}
    response = client.post("/notifications/preferences/", data)
    assert response.status_code == 302
    with tenant_context(world.acme):
        saved = dict(
            NotificationPreference.objects.filter(user=person(world, "client_admin")).values_list(
                "kind", "channel"
            )
        )
    assert saved == {"invoice.sent": "digest", "message.posted": "off"}
    bad = client.post("/notifications/preferences/", data | {"invoice.sent": "hourly"})
    assert bad.status_code == 200 and bad.context["form"].errors["invoice.sent"]


# API


def bearer(world, key) -> dict:
    access = obtain_tokens(ACME, person(world, key).email)["access"]
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def test_api_lists_marks_read_and_counts(world):
    first, second = tell(world, number=2)
    api = host_client(ACME)
    headers = bearer(world, "client_admin")
    listing = api.get("/api/v1/notifications", **headers)
    assert listing["X-Unread-Count"] == "2"
    newest = listing.json()["results"][0]
    assert newest["id"] == second.pk and newest["target"] == {
        "type": "people.clientcompany",
        "id": str(world.northwind.pk),
        "label": "Northwind",
    }
    assert api.post(f"/api/v1/notifications/{first.pk}/read", **headers).json() == {"unread": 1}
    unread = api.get("/api/v1/notifications?unread=true", **headers).json()["results"]
    assert [row["id"] for row in unread] == [second.pk]
    assert api.post("/api/v1/notifications/read-all", **headers).json() == {"unread": 0}


def test_api_preferences(world):
    api = host_client(ACME)
    headers = bearer(world, "finance")
    listed = {
        row["kind"]: row for row in api.get("/api/v1/notifications/preferences", **headers).json()
    }
    assert set(listed) == set(kinds_for(is_team=False))
    assert listed["invoice.sent"]["channel"] == listed["invoice.sent"]["default"] == "immediately"

    changed = api.put(
        "/api/v1/notifications/preferences",
        {"preferences": [{"kind": "invoice.sent", "channel": "digest"}]},
        content_type="application/json",
        **headers,
    )
    assert changed.status_code == 200
    assert {r["kind"]: r["channel"] for r in changed.json()}["invoice.sent"] == "digest"

    for refused in [
        {"preferences": [{"kind": "request.assigned", "channel": "off"}]},  # a team kind
        {"preferences": [{"kind": "invoice.sent", "channel": "weekly"}]},
        {},
    ]:
        response = api.put(
            "/api/v1/notifications/preferences", refused, content_type="application/json", **headers
        )
        assert response.status_code == 400, refused
    with tenant_context(world.acme):
        assert NotificationPreference.objects.filter(user=person(world, "finance")).count() == 1


def test_every_route_is_in_the_openapi_schema(world):
    schema = host_client(ACME).get("/api/schema/?format=json").json()
    for path in [
        "/api/v1/notifications",
        "/api/v1/notifications/{notification_id}/read",
        "/api/v1/notifications/read-all",
        "/api/v1/notifications/preferences",
        "/api/v1/action-links",
        "/api/v1/action-links/{link_id}/revoke",
        "/api/v1/inbox/waiting-on-you",
        "/api/v1/inbox/next-actions",
        "/api/v1/file-requests",
        "/api/v1/file-requests/{file_request_id}",
        "/api/v1/file-requests/{file_request_id}/fulfil",
        "/api/v1/file-requests/{file_request_id}/cancel",
    ]:
        assert path in schema["paths"], path


# Requests' changes in the app, their emails by preference


def test_request_changes_reach_the_bell_and_preferences_gate_their_emails(world, acme, mailoutbox):
    client_request = submit_request(world, by="approver")
    with tenant_context(world.acme):
        preferences_update(
            user=person(world, "client_admin"), channels={"request.replied": Channel.OFF}
        )
    mailoutbox.clear()
    with acme():
        request_reply_add(client_request=client_request, body="Done.", actor=person(world, "staff"))
        request_status_change(
            client_request=client_request,
            status=Status.WAITING_ON_CLIENT,
            actor=person(world, "staff"),
        )

    with tenant_context(world.acme):
        rows = set(Notification.objects.values_list("kind", "recipient__email"))
    clients = {person(world, key).email for key in ["approver", "client_admin"]}
    assert rows == {("request.replied", email) for email in clients} | {
        ("request.waiting_on_client", email) for email in clients
    }
    emailed = [(m.to[0], m.subject.split(":")[0]) for m in mailoutbox]
    # The client admin turned reply emails off; the request's own notice is the only email.
    assert (person(world, "client_admin").email, "New reply to your request") not in emailed
    assert (person(world, "approver").email, "New reply to your request") in emailed
    assert len([e for e in emailed if e[1] == "Waiting on you"]) == 2


def test_the_bell_polled_after_signing_out_leaves_the_page_alone(world):
    assert host_client(ACME).get("/notifications/bell/", **HTMX).status_code == 204
