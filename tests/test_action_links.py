"""Single-purpose links in notification emails: one person, one item, one agency."""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.models import RequestEvent
from tenant_apps.notifications.actions import notification_send
from tenant_apps.notifications.models import ActionLink
from tests.conftest import host_client, signed_in_client
from tests.routes_requests import submit_request
from tests.security_support import ACME, GLOBEX, enable_two_factor
from tests.test_isolation import obtain_tokens

pytest_plugins = ["tests.notifications_fixtures"]


@pytest.fixture
def emailed(world, tasks_inline, django_capture_on_commit_callbacks):
    """Send a notification to ``persona`` about ``target`` now; returns the email's link path."""

    def send(persona, target, url, kind="request.due", mailoutbox=None):
        with tenant_context(world.acme), django_capture_on_commit_callbacks(execute=True):
            notification_send(
                recipients=[world.personas[persona].user],
                kind=kind,
                target=target,
                title=f"About {target}",
                url=url,
            )
        [message] = [m for m in mailoutbox if m.to == [world.personas[persona].user.email]][-1:]
        return re.search(r"http://[a-z.]+:\d+(/l/\S+/)", message.body).group(1)

    return send


@pytest.fixture
def request_link(world, emailed, mailoutbox):
    """A Northwind request, and the client admin's emailed link to it."""
    client_request = submit_request(world, by="approver")
    path = emailed(
        "client_admin", client_request, f"/requests/{client_request.pk}/", mailoutbox=mailoutbox
    )
    return client_request, path


@contextmanager
def nothing_written(world):
    """Asserts the block adds no activity entry, session or link use anywhere."""

    def state():
        found = {}
        for agency in (world.acme, world.globex):
            with tenant_context(agency):
                found[agency.schema_name] = (
                    ActivityEntry.objects.count(),
                    Session.objects.count(),
                    list(ActionLink.objects.values_list("last_used_at", flat=True)),
                )
        return found

    before = state()
    yield
    assert state() == before


def test_the_link_opens_that_one_item_for_that_person_without_a_password(world, request_link):
    client_request, path = request_link
    browser = host_client(ACME)
    confirm = browser.get(path)  # mail scanners only get this page
    assert confirm.status_code == 200
    assert "Northwind Client Admin" in confirm.content.decode()

    opened = browser.post(path)
    assert opened.status_code == 302 and opened["Location"] == f"/requests/{client_request.pk}/"
    page = browser.get(opened["Location"])
    assert page.status_code == 200
    assert page.context["user"] == world.personas["client_admin"].user
    assert "Sign in to see everything" in page.content.decode()

    # Pages under the item work too: the person replies.
    reply = browser.post(f"/requests/{client_request.pk}/replies/", {"reply-body": "Here you go."})
    assert reply.status_code in (200, 302)
    with tenant_context(world.acme):
        assert RequestEvent.objects.filter(
            request=client_request, body="Here you go.", actor=world.personas["client_admin"].user
        ).exists()
        link = ActionLink.objects.get()
        assert link.last_used_at is not None
        assert ActivityEntry.objects.filter(action="action_link.used").count() == 1


def test_anything_beyond_the_item_asks_for_sign_in(world, request_link):
    client_request, path = request_link
    other = submit_request(world, title="Another one")
    browser = host_client(ACME)
    browser.post(path)
    for elsewhere in ["/", "/requests/", f"/requests/{other.pk}/", "/notifications/"]:
        response = browser.get(elsewhere)
        assert response.status_code == 302, elsewhere
        assert response["Location"].startswith("/auth/login/"), elsewhere
    assert browser.get("/api/v1/me").status_code in (401, 403)
    assert browser.get(f"/requests/{client_request.pk}/").status_code == 200  # still there


def test_signing_in_properly_lifts_the_limit(world, request_link):
    _, path = request_link
    browser = host_client(ACME)
    browser.post(path)
    signed_in = browser.post(
        "/auth/login/",
        {
            "username": world.personas["client_admin"].user.email,
            "password": "correct-horse-battery-staple",
        },
    )
    assert signed_in.status_code == 302
    assert browser.get("/").status_code == 200


def test_a_revoked_link_is_refused_and_ends_what_it_opened(world, request_link):
    client_request, path = request_link
    opened = host_client(ACME)
    opened.post(path)
    assert opened.get(f"/requests/{client_request.pk}/").status_code == 200
    owner = signed_in_client(world.personas["client_admin"])
    with tenant_context(world.acme):
        link = ActionLink.objects.get()
    assert owner.post(f"/notifications/links/{link.pk}/revoke/").status_code == 302

    with nothing_written(world):
        for method in ("get", "post"):
            refused = getattr(host_client(ACME), method)(path)
            assert refused.status_code == 410
            assert "withdrawn" in refused.content.decode()
    # The session the link opened ends with it.
    assert opened.get(f"/requests/{client_request.pk}/").status_code == 302


def test_an_expired_link_is_refused(world, request_link):
    _, path = request_link
    with tenant_context(world.acme):
        ActionLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with nothing_written(world):
        refused = host_client(ACME).post(path)
    assert refused.status_code == 410 and "expired" in refused.content.decode()


def test_another_agencys_host_refuses_the_link_by_name(world, request_link):
    _, path = request_link
    with nothing_written(world):
        for method in ("get", "post"):
            refused = getattr(host_client(GLOBEX), method)(path)
            assert refused.status_code == 403
            assert "another workspace" in refused.content.decode()
    assert host_client(ACME).post(path).status_code == 302  # unharmed by the attempts


def test_a_mangled_or_made_up_link_is_refused(world, request_link):
    _, path = request_link
    schema = world.acme.schema_name
    with nothing_written(world):
        for bad in [f"/l/{schema}./", f"/l/{schema}.{'x' * 43}/", "/l/nonsense/", path[:-5] + "/"]:
            response = host_client(ACME).post(bad)
            assert response.status_code == 404, bad


def test_someone_else_signed_in_is_not_switched(world, request_link):
    _, path = request_link
    finance = signed_in_client(world.personas["finance"])
    with nothing_written(world):
        refused = finance.post(path)
    assert refused.status_code == 403 and "someone else" in refused.content.decode()


def test_the_person_already_signed_in_goes_straight_there(world, request_link):
    client_request, path = request_link
    response = signed_in_client(world.personas["client_admin"]).get(path)
    assert response.status_code == 302 and response["Location"] == f"/requests/{client_request.pk}/"


def test_two_factor_people_sign_in_as_usual_and_land_on_the_item(world, request_link):
    client_request, path = request_link
    enable_two_factor(world.personas["client_admin"])
    with nothing_written(world):
        response = host_client(ACME).post(path)
    assert response.status_code == 302
    assert response["Location"] == f"/auth/login/?next=%2Frequests%2F{client_request.pk}%2F"


def test_only_the_person_or_an_owner_or_admin_may_revoke(world, request_link):
    with tenant_context(world.acme):
        link = ActionLink.objects.get()
    for persona in ["finance", "staff", "other_company"]:
        response = signed_in_client(world.personas[persona]).post(
            f"/notifications/links/{link.pk}/revoke/"
        )
        assert response.status_code == 404, persona
    api = host_client(ACME)
    access = obtain_tokens(ACME, world.personas["admin"].user.email)["access"]
    revoked = api.post(
        f"/api/v1/action-links/{link.pk}/revoke", HTTP_AUTHORIZATION=f"Bearer {access}"
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"


def test_approve_this_version_records_the_decision_as_made_through_the_link(
    world, emailed, mailoutbox, settings, tmp_path
):
    from tenant_apps.approvals.models import ApprovalDecision
    from tests.routes_approvals import ask

    settings.FILE_STORAGE_ROOT = tmp_path / "files"
    with tenant_context(world.acme):
        approval = ask(world, approvers=("approver",))
    path = emailed(
        "approver",
        approval,
        f"/approvals/{approval.pk}/",
        kind="approval.requested",
        mailoutbox=mailoutbox,
    )
    message = mailoutbox[-1]
    assert "Approve this version" in message.body
    browser = host_client(ACME)
    browser.post(path)
    decided = browser.post(f"/approvals/{approval.pk}/decide/", {"decision": "approved"})
    assert decided.status_code == 302
    with tenant_context(world.acme):
        decision = ApprovalDecision.objects.get(approval=approval)
        assert decision.signed_in_by == "action_link"
