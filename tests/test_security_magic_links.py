"""Emailed sign-in links: single use, 15 minutes, only on their own agency's host."""

from datetime import timedelta

from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.security.actions import magic_link_request
from tenant_apps.security.link_secrets import secret_digest
from tenant_apps.security.models import MagicLink
from tenant_apps.security.tasks import send_magic_link
from tests.conftest import host_client
from tests.security_support import (
    ACME,
    GLOBEX,
    enable_two_factor,
    link_in,
)

pytest_plugins = ["tests.security_fixtures"]


def request_link(email, run_tasks, host=ACME) -> str:
    """Ask for a link as a browser does; returns the emailed link's path."""
    with run_tasks():
        response = host_client(host).post("/auth/magic-link/", {"email": email})
    assert response.status_code == 200
    return link_in(mail.outbox[-1])


def test_the_link_signs_in_once(world, run_tasks):
    person = world.personas["client_admin"]
    path = request_link(person.user.email, run_tasks)
    message = mail.outbox[-1]
    assert message.to == [person.user.email]
    assert message.subject == "Your sign-in link for Acme"
    assert "Acme" in message.from_email
    assert "15 minutes" in message.body

    browser = host_client(ACME)
    # Opening the link only asks for a click, so mail scanners can't spend it.
    confirm = browser.get(path)
    assert confirm.status_code == 200
    assert person.user.email in confirm.content.decode()
    signed_in = browser.post(path)
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/"
    assert browser.get("/").context["user"] == person.user

    again = host_client(ACME).post(path)
    assert again.status_code == 400
    assert "already used" in again.content.decode()
    assert host_client(ACME).get("/").status_code == 302


def test_the_link_expires_after_fifteen_minutes(world, run_tasks):
    user = world.personas["viewer"].user
    path = request_link(user.email, run_tasks)
    with tenant_context(world.acme):
        link = MagicLink.objects.get(user=user)
        assert link.expires_at - link.created_at == timedelta(minutes=15)
        MagicLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    response = host_client(ACME).post(path)
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_the_link_only_works_on_its_own_agency(world, run_tasks):
    path = request_link(world.personas["owner"].user.email, run_tasks)
    for attempt in ("get", "post"):
        response = getattr(host_client(GLOBEX), attempt)(path)
        assert response.status_code == 400
        assert "doesn" in response.content.decode()
    assert host_client(ACME).post(path).status_code == 302  # unspent by the attempts


def test_only_a_digest_of_the_secret_is_stored(world, run_tasks):
    user = world.personas["finance"].user
    path = request_link(user.email, run_tasks)
    secret = path.rstrip("/").rsplit("/", 1)[1]
    with tenant_context(world.acme):
        link = MagicLink.objects.get(user=user)
    assert link.secret_digest == secret_digest(secret)
    assert secret not in str(MagicLink.objects.filter(pk=link.pk).values().first())


def test_sending_twice_sends_one_email(world, run_tasks):
    user = world.personas["approver"].user
    request_link(user.email, run_tasks)
    with tenant_context(world.acme):
        link = MagicLink.objects.get(user=user)
        send_magic_link.apply(args=[link.pk])  # a redelivered task
    assert len(mail.outbox) == 1


def test_a_deactivated_person_gets_no_link_and_cannot_use_one(world, run_tasks):
    user = world.personas["approver"].user
    path = request_link(user.email, run_tasks)
    with tenant_context(world.acme):
        user.is_active = False
        user.save()
    assert host_client(ACME).post(path).status_code == 400
    with run_tasks():
        host_client(ACME).post("/auth/magic-link/", {"email": user.email})
    assert len(mail.outbox) == 1


def test_two_factor_still_asks_for_a_code(world, run_tasks):
    owner = world.personas["owner"]
    enable_two_factor(owner)
    path = request_link(owner.user.email, run_tasks)
    browser = host_client(ACME)
    response = browser.post(path)
    assert response["Location"] == "/auth/verify/"
    assert browser.get("/").status_code == 302  # half signed in is signed out


def test_sending_and_using_a_link_is_logged(world, run_tasks):
    user = world.personas["viewer"].user
    path = request_link(user.email, run_tasks)
    host_client(ACME).post(path)
    with tenant_context(world.acme):
        actions = list(
            ActivityEntry.objects.filter(actor=user).order_by("id").values_list("action", flat=True)
        )
    assert actions[-3:] == ["auth.magic_link_sent", "auth.magic_link_used", "auth.signed_in"]


def test_the_task_carries_its_agency(world, run_tasks, django_capture_on_commit_callbacks):
    user = world.personas["viewer"].user
    with tenant_context(world.acme), django_capture_on_commit_callbacks() as queued:
        magic_link_request(email=user.email, request=RequestFactory().post("/"))
    connection.set_schema_to_public()
    queued[0]()  # the worker starts in the public schema
    assert connection.schema_name == "public"  # and is put back afterwards
    assert link_in(mail.outbox[-1]).startswith("/auth/magic-link/")
    assert "acme.localhost" in mail.outbox[-1].body
