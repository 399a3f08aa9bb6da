"""A new agency's first run: the welcome email after signup (once, after commit), and the
checklist on the team's home page, each step ticked by the real thing, put away by an owner or
admin, gone once all is done, at a constant query count."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from shared_apps.signup.actions import agency_signup
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.brand_settings.actions import brand_update
from tenant_apps.client_requests.actions import request_type_create
from tenant_apps.people.actions import client_company_create, invitation_create
from tenant_apps.workspace.models import FirstRun
from tenant_apps.workspace.tasks import welcome_email_send
from tenants.middleware import agency_url
from tests import stripe_standin as standin
from tests.conftest import PASSWORD, Persona, signed_in_client

stripe_standin, billing_on = standin.stripe_standin, standin.billing_on  # fixtures

STEP = re.compile(r'<li id="step-(\w+)" class="(done)?">')


@pytest.fixture
def eager_tasks():
    app = welcome_email_send.app
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def sign_up(subdomain="fresh"):
    return agency_signup(
        name="Fresh Studio",
        subdomain=subdomain,
        owner_name="Frida Fresh",
        owner_email=f"frida@{subdomain}.example",
        owner_password=PASSWORD,
    )


@pytest.fixture
def fresh(world):
    """A new agency, just signed up (its welcome email not sent: no commit in a test)."""
    return sign_up()


def owner_of(signup):
    return Persona("owner", signup.agency, signup.owner)


def home(signup) -> str:
    return signed_in_client(owner_of(signup)).get("/").text


def steps(page: str) -> dict[str, bool]:
    return {key: bool(done) for key, done in STEP.findall(page)}


# The welcome email


def test_signup_welcomes_the_owner_once_after_commit(
    world, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        signup = sign_up()
    assert mailoutbox == []  # never from inside the signup's transaction
    for callback in callbacks:
        callback()

    [email] = mailoutbox
    assert email.to == ["frida@fresh.example"]
    assert email.subject == "Welcome to Fresh Studio: your workspace is ready"
    assert email.from_email.startswith("Fresh Studio <")
    text = email.body
    assert "Hello Frida Fresh," in text
    assert f"{agency_url('fresh')}\n" in text  # the workspace
    for title, path in [
        ("Brand the portal", "/settings/brand/"),
        ("Add your first client", "/clients/new/"),
        ("Invite a colleague", "/team/"),
        ("Create a request type", "/requests/settings/types/new/"),
    ]:
        assert title in text
        assert agency_url("fresh", path) in text
    [(html, kind)] = email.alternatives
    assert kind == "text/html"
    assert f'href="{agency_url("fresh", "/clients/new/")}"' in html

    with tenant_context(signup.agency):
        assert FirstRun.objects.get().welcome_sent_at is not None
        # A duplicated or retried task finds it sent.
        assert welcome_email_send.run(signup.owner.pk) is False
    assert len(mailoutbox) == 1


def test_an_agency_migrated_with_its_people_is_not_welcomed_again(world, mailoutbox):
    # acme was made before this migration in spirit: a row marked sent skips it.
    with tenant_context(world.acme):
        FirstRun.objects.create(pk=1, welcome_sent_at="2026-01-01T00:00Z")
        assert welcome_email_send.run(world.personas["owner"].user.pk) is False
    assert mailoutbox == []


# The checklist


def test_a_new_agency_sees_its_first_steps_not_a_row_of_zeros(fresh):
    page = home(fresh)
    assert "Get Fresh Studio ready for your clients" in page
    assert steps(page) == dict.fromkeys(["brand", "client", "colleague", "request_type"], False)
    assert 'class="counter' not in page  # no tiles of zeros
    assert 'href="/clients/new/">Add your first client</a>' in page
    assert "0 of 4 done" in page


def test_each_step_is_ticked_by_the_thing_itself(fresh):
    owner = fresh.owner
    with tenant_context(fresh.agency):
        brand_update(agency=fresh.agency, actor=owner, changes={"primary_colour": "#7a1fa2"})
        invitation_create(email="colin@fresh.example", team_role="staff", actor=owner)
        request_type_create(name="Website change", actor=owner)
    page = home(fresh)
    assert steps(page) == {
        "brand": True,
        "client": False,
        "colleague": True,
        "request_type": True,
    }
    assert "3 of 4 done" in page
    with tenant_context(fresh.agency):
        client_company_create(name="Northwind", actor=owner)
    page = home(fresh)
    assert 'id="checklist"' not in page  # all done: it goes
    assert 'class="counter' in page


def test_the_billing_step_is_ticked_by_a_paid_subscription(world, billing_on):
    signup = sign_up("paying")
    owner = signed_in_client(owner_of(signup))
    assert steps(owner.get("/").text)["billing"] is False
    checkout = owner.post("/billing/checkout/", {"plan": "growth"})
    session_id = re.search(r"cs_\w+", checkout["Location"]).group()
    billing_on.checkout_complete(session_id)
    owner.get(f"/billing/?checkout=done&session_id={session_id}")
    assert steps(owner.get("/").text)["billing"] is True


def test_the_brand_settings_words_speak_in_the_checklist(fresh):
    with tenant_context(fresh.agency):
        brand_update(
            agency=fresh.agency,
            actor=fresh.owner,
            changes={"client_word": "customer", "clients_word": "customers"},
        )
    page = home(fresh)
    assert "Add your first customer" in page
    assert "ready for your customers" in page


def test_admins_see_the_steps_they_may_take_and_staff_none(world):
    # acme: clients and colleagues, the brand as signup made it, no type of its own.
    admin_page = signed_in_client(world.personas["admin"]).get("/").text
    assert steps(admin_page) == {
        "brand": False,
        "client": True,
        "colleague": True,
        "request_type": False,
    }
    assert "Your workspace owner does this." in admin_page  # the brand is the owner's
    assert 'href="/requests/settings/types/new/"' in admin_page
    assert 'id="checklist"' not in signed_in_client(world.personas["staff"]).get("/").text
    client_page = signed_in_client(world.personas["client_admin"]).get("/").text
    assert 'id="checklist"' not in client_page


def test_an_admin_puts_it_away_for_the_whole_team_once(world):
    admin = signed_in_client(world.personas["admin"])
    response = admin.post("/first-run/dismiss/", follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "The checklist is put away for the whole team." in response.text
    assert 'id="checklist"' not in response.text
    assert 'id="checklist"' not in signed_in_client(world.personas["owner"]).get("/").text
    admin.post("/first-run/dismiss/")
    with tenant_context(world.acme):
        [entry] = ActivityEntry.objects.filter(action="workspace.checklist_dismissed")
        assert entry.actor == world.personas["admin"].user
        first_run = FirstRun.objects.get()
        assert first_run.checklist_dismissed_by == world.personas["admin"].user


@pytest.mark.parametrize("persona", ["staff", "client_admin"])
def test_staff_and_clients_may_not_put_it_away(world, persona):
    assert signed_in_client(world.personas[persona]).post("/first-run/dismiss/").status_code == 403
    with tenant_context(world.acme):
        assert not FirstRun.objects.filter(checklist_dismissed_at__isnull=False).exists()


def test_the_checklist_costs_one_query_however_much_there_is(fresh):
    client = signed_in_client(owner_of(fresh))

    def queries() -> int:
        client.get("/")  # the first request switches schema and warms the caches
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/").text
        assert 'id="checklist"' in page
        return len(captured)

    with tenant_context(fresh.agency):
        invitation_create(email="colin@fresh.example", team_role="staff", actor=fresh.owner)
    few = queries()
    with tenant_context(fresh.agency):
        for number in range(12):
            invitation_create(
                email=f"c{number}@fresh.example", team_role="staff", actor=fresh.owner
            )
            request_type_create(name=f"Type {number}", actor=fresh.owner)
    assert queries() == few
