"""The weekly client report: what the team did for a client that week (never anything
team-only) and what waits on its admin; once per admin and week; never when the agency
switched it off; previewed by the owner in the browser."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.actions import request_note_add, request_reply_add
from tenant_apps.projects.actions import weekly_report_switch
from tenant_apps.projects.models import WeeklyReportDelivery
from tenant_apps.weekly_report.report import monday_of
from tenant_apps.weekly_report.tasks import weekly_reports_agency
from tests.conftest import signed_in_client
from tests.routes_approvals import ask, deliverable
from tests.routes_inbox import ask_for_file
from tests.routes_invoices import make_invoice
from tests.routes_messaging import post_message
from tests.routes_projects import post_milestone
from tests.routes_requests import submit_request

SECRET = "marmalade"


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def user(world, persona):
    return world.personas[persona].user


def this_week() -> str:
    return monday_of(timezone.localdate()).isoformat()


@pytest.fixture
def busy_week(world):
    """A week of work for Northwind, with team-only things among it, and two things waiting
    on its client admin."""
    client_request = submit_request(world, title="Logo on invoices")
    with tenant_context(world.acme):
        owner = user(world, "owner")
        request_reply_add(client_request=client_request, body="Fixed, have a look.", actor=owner)
        request_note_add(client_request=client_request, body=SECRET, actor=owner)
        deliverable(world, name=f"{SECRET} margins", internal=True)
        guide = deliverable(world, name="Brand guide").current_version
        ask(world, guide, approvers=["client_admin"])
        post_message(world, internal=True, body=SECRET)
    make_invoice(world, moves=["send"], number="INV-0007")
    post_milestone(world, title="Homepage live")
    ask_for_file(world, title="Signed contract")
    return client_request


def test_the_report_tells_each_admin_the_teams_week_and_what_waits(world, busy_week):
    with tenant_context(world.acme):
        sent = weekly_reports_agency(this_week())

    assert sent == 1  # Southwind had nothing done and nothing waiting: no email
    (email,) = mail.outbox
    assert email.to == ["ca@northwind.example"]
    assert email.subject.startswith("Northwind: your week, ")
    html = email.alternatives[0][0]
    for body in (email.body, html):
        assert f"New reply: #{busy_week.pk} Logo on invoices" in body
        assert "File shared: Brand guide" in body
        assert "Approval requested: Please approve the brand guide" in body
        assert "Invoice sent: INV-0007" in body
        assert "Project milestone: Homepage live" in body
        assert "File requested: Signed contract" in body
        # Waiting on them: the approval asked of them and the file asked for.
        assert "Review and decide" in body and "Upload" in body
        assert SECRET not in body and "Internal" not in body
        # What the client did themselves is not the team's work.
        assert "New request:" not in body
        assert "http://acme.localhost" in body
    with tenant_context(world.acme):
        assert WeeklyReportDelivery.objects.count() == 1


def test_a_second_run_sends_nothing_more(world, busy_week):
    with tenant_context(world.acme):
        assert weekly_reports_agency(this_week()) == 1
        assert weekly_reports_agency(this_week()) == 0
    assert len(mail.outbox) == 1


def test_last_weeks_report_holds_last_weeks_work_only(world, busy_week):
    last_week = (monday_of(timezone.localdate()) - timedelta(days=7)).isoformat()
    with tenant_context(world.acme):
        assert weekly_reports_agency(last_week) == 1  # still waiting on them
    body = mail.outbox[0].body
    assert "Nothing new from us this week." in body and "Review and decide" in body


def test_an_agency_that_switched_it_off_sends_none(world, busy_week):
    client = signed_in_client(world.personas["owner"])
    page = client.get("/projects/weekly-report/")
    assert 'name="is_enabled"' in page.text and "checked" in page.text
    switched = client.post("/projects/weekly-report/", {}, follow=True)
    assert "The weekly client report is off." in switched.text
    with tenant_context(world.acme):
        assert weekly_reports_agency(this_week()) == 0
        entry = ActivityEntry.objects.get(action="weekly_report.switched")
        assert entry.changes == {"enabled": [True, False]}
        weekly_report_switch(enabled=True, actor=user(world, "owner"))
        assert weekly_reports_agency(this_week()) == 1
    assert len(mail.outbox) == 1


def test_only_the_owner_switches_and_previews(world):
    owner = signed_in_client(world.personas["owner"])
    assert 'href="/projects/weekly-report/"' in owner.get("/projects/").text
    for persona in ("admin", "staff", "client_admin"):
        client = signed_in_client(world.personas[persona])
        assert 'href="/projects/weekly-report/"' not in client.get("/projects/").text
        assert client.get("/projects/weekly-report/").status_code == 403
        preview = client.get(f"/projects/weekly-report/preview/?company={world.northwind.pk}")
        assert preview.status_code == 403


def test_the_owner_previews_this_weeks_report_in_the_browser(world, busy_week):
    client = signed_in_client(world.personas["owner"])
    page = client.get(f"/projects/weekly-report/?company={world.northwind.pk}")
    assert f'src="/projects/weekly-report/preview/?company={world.northwind.pk}"' in page.text

    preview = client.get(f"/projects/weekly-report/preview/?company={world.northwind.pk}")

    assert preview.status_code == 200
    assert "Hello Northwind Client Admin" in preview.text
    assert "Invoice sent: INV-0007" in preview.text and SECRET not in preview.text
    # The email as a mail client shows it: its inline styles, framed by this site alone, no
    # scripts at all.
    policy = preview["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "frame-ancestors 'self'" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert mail.outbox == []  # a preview sends nothing
    with tenant_context(world.acme):
        assert not WeeklyReportDelivery.objects.exists()
    # A company the owner cannot preview (none without client admins) is refused.
    assert client.get("/projects/weekly-report/preview/?company=0").status_code == 400
