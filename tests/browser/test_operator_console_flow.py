"""The operator console end to end, on a real two-worker gunicorn serving both the console and
the agency: an operator made with ``manage.py create_operator`` signs in, enrolling two-factor
as the console makes them; finds the agency in the list; suspends it. Within one second both
workers answer the agency's host with the suspended page (which worker answered is read from
gunicorn's access log); the operator restores it and both serve the portal again."""

import os
import re
import sys
import time
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from operators.models import OperatorLogEntry
from shared_apps.accounts.models import User
from shared_apps.signup.actions import agency_signup
from tests.browser.conftest import _free_port, _healthy, _with_database
from tests.browser.pages import check_page
from tests.browser.test_operator_sign_in import code_from_key
from tests.conftest import PASSWORD
from tests.processes import app_process
from tests.test_host_cache_invalidation import WORKERS, Prober, portal, suspended

HOST = "beacon.localhost"
PLATFORM = "localhost"


@pytest.fixture
def beacon(restore_agencies, django_db_blocker):
    """A new agency, and a new operator made with the command an installation would use."""
    email = f"ops-{uuid.uuid4().hex[:8]}@platform.example"

    def make():
        signup = agency_signup(
            name="Beacon",
            subdomain="beacon",
            owner_name="Bea Con",
            owner_email="owner@beacon.example",
            owner_password=PASSWORD,
        )
        os.environ["NEW_OPERATOR_PASSWORD"] = PASSWORD
        try:
            call_command(
                "create_operator",
                email=email,
                name="Ola Operator",
                role="admin",
                password_from_env="NEW_OPERATOR_PASSWORD",
                stdout=StringIO(),
            )
        finally:
            del os.environ["NEW_OPERATOR_PASSWORD"]
        return signup.agency.pk

    agency_id = _with_database(django_db_blocker, make)
    yield agency_id, email
    # Operators stay (their log entries name them); this one can no longer sign in.
    _with_database(
        django_db_blocker, lambda: User.objects.filter(email=email).update(is_active=False)
    )


@pytest.fixture
def gunicorn(beacon, tmp_path_factory):
    """Both workers of a real gunicorn, with their own host caches (trusted for 30 s)."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    command = [
        *(sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"),
        *("--access-logformat", "%(p)s %(s)s %(r)s"),
    ]
    with app_process(
        command,
        log_path,
        ready=lambda: _healthy(port),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(WORKERS),
        PUBLIC_PORT=str(port),
        TENANT_HOST_CACHE_SECONDS="30",
    ):
        yield port, log_path


def test_create_sign_in_find_suspend_on_both_workers_and_restore(
    new_page, gunicorn, beacon, django_db_blocker
):
    port, log_path = gunicorn
    agency_id, email = beacon

    def url(host, path="/"):
        return f"http://{host}:{port}{path}"

    prober = Prober(port, log_path, HOST)
    # Both workers route the agency from their caches before anything changes.
    assert all(portal(answer) for answer in prober.on_every_worker())

    console = new_page()
    console.goto(url(PLATFORM, "/operator/"))
    expect(console).to_have_url(re.compile(r"/operator/login/"))
    console.get_by_label("Email").fill(email)
    console.get_by_label("Password").fill(PASSWORD)
    console.get_by_role("button", name="Continue").click()
    expect(console.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    secret = console.get_by_test_id("totp-secret").inner_text()
    console.get_by_label("Code").fill(code_from_key(secret))
    console.get_by_role("button", name="Turn on and sign in").click()
    expect(console.get_by_role("heading", name="Two-factor authentication is on")).to_be_visible()
    console.get_by_role("link", name=re.compile("go to the console")).click()

    nav = console.get_by_role("navigation", name="Operator console")
    nav.get_by_role("link", name="Agencies").click()
    console.get_by_label("Search").fill("beacon")
    console.get_by_label("Search").press("Enter")
    console.get_by_role("link", name="Beacon", exact=True).click()
    expect(console).to_have_url(re.compile(rf"/operator/agencies/{agency_id}/$"))

    panel = console.get_by_role("region", name="Suspension and deletion")
    panel.get_by_label("Category").select_option("abuse")
    panel.get_by_label("Reason").first.fill("Phishing pages reported by two banks.")
    panel.get_by_role("button", name="Suspend Beacon").click()
    expect(console.get_by_text("Beacon is suspended.")).to_be_visible()
    suspended_at = time.monotonic()

    time.sleep(max(0.0, suspended_at + 1.0 - time.monotonic()))
    answers = prober.on_every_worker()
    assert all(suspended(answer) for answer in answers), answers
    person = new_page()
    person.goto(url(HOST, "/"))
    expect(person.get_by_role("heading", name="This workspace is suspended")).to_be_visible()
    expect(person.get_by_text("Phishing pages")).to_have_count(0)  # the reason is internal
    check_page(person, "agency-suspended-on-gunicorn")

    panel.get_by_label("Reason").first.fill("The pages are down; the owner answered.")
    panel.get_by_role("button", name="Restore Beacon").click()
    expect(console.get_by_text("Beacon is restored")).to_be_visible()
    restored_at = time.monotonic()
    time.sleep(max(0.0, restored_at + 1.0 - time.monotonic()))
    answers = prober.on_every_worker()
    assert all(portal(answer) for answer in answers), answers

    def logged():
        entries = OperatorLogEntry.objects.filter(agency_id=agency_id, operator__email=email)
        return list(entries.order_by("id").values_list("action", flat=True))

    assert _with_database(django_db_blocker, logged) == ["agency.suspended", "agency.restored"]
