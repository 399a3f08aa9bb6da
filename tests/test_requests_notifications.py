"""Request emails (who gets which, what they say, never twice) and the SLA sweep's alerts."""

import math
import smtplib
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from branding.selectors import brand_for
from tenant_apps.client_requests.actions import (
    request_assign,
    request_note_add,
    request_reply_add,
    request_status_change,
    request_submit,
)
from tenant_apps.client_requests.models import (
    ClientRequest,
    RequestNotification,
    RequestType,
    SlaState,
    SlaTarget,
)
from tenant_apps.client_requests.sla import business_time_between
from tenant_apps.client_requests.sla_sync import sla_policy
from tenant_apps.client_requests.tasks import request_notify, sla_sweep, sla_sweep_agency
from tenant_apps.people.models import ClientCompany
from tenants.middleware import agency_url

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SECRET = "The client is overdue on three invoices"


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


@pytest.fixture
def tasks_inline():
    """Celery tasks run in-process when sent, as a worker would run them."""
    app = request_notify.app
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


@pytest.fixture
def acme(world, tasks_inline, django_capture_on_commit_callbacks):
    """Blocks in acme's schema that, as they end, run what the actions queued on commit."""

    @contextmanager
    def block():
        with tenant_context(world.acme), django_capture_on_commit_callbacks(execute=True):
            yield

    return block


def user(world, persona):
    return world.personas[persona].user


def emails_of(world, *personas) -> set[str]:
    return {user(world, persona).email for persona in personas}


def inbox(mailoutbox) -> dict[str, list]:
    """Messages by recipient; each notification goes to one person."""
    by_recipient = {}
    for message in mailoutbox:
        [to] = message.to
        by_recipient.setdefault(to, []).append(message)
    return by_recipient


def everything_in(message) -> str:
    """Subject, text and HTML of a message."""
    return "\n".join(
        [message.subject, message.body, *(alt.content for alt in message.alternatives)]
    )


def submit(world, by="approver", company=None, files=(), priority="normal") -> ClientRequest:
    return request_submit(
        actor=user(world, by),
        company=company or world.northwind,
        type=RequestType.objects.get(key="support"),
        title="Printer on fire",
        details="Smoke from tray 2.",
        priority=priority,
        files=files,
    )


def request_link(agency, request) -> str:
    path = reverse(
        "client_requests:detail", args=[request.pk], urlconf=django_settings.ROOT_URLCONF
    )
    return agency_url(agency.subdomain, path)


# Who gets what


def test_a_new_request_is_confirmed_to_the_client_and_announced_to_the_team(
    world, acme, mailoutbox
):
    with acme():
        request = submit(world, by="approver")
        portal_name = brand_for(world.acme).portal_name

    mail = inbox(mailoutbox)
    # The submitter and the company's client admins; not finance or viewers.
    clients = emails_of(world, "approver", "client_admin")
    # No owner yet: owners, admins and the staff assigned to Northwind.
    team = emails_of(world, "owner", "admin", "staff")
    assert set(mail) == clients | team
    for address in clients:
        [message] = mail[address]
        assert message.subject == f"We received your request: Printer on fire (#{request.pk})"
        assert "We'll respond by" in message.body
    for address in team:
        [message] = mail[address]
        assert message.subject == f"New request from Northwind: Printer on fire (#{request.pk})"
        assert "Northwind Approver submitted a new request for Northwind." in message.body
    for message in mailoutbox:
        assert message.from_email == f"{portal_name} <no-reply@{django_settings.PLATFORM_DOMAIN}>"
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        assert request_link(world.acme, request) in message.body
        assert f'href="{request_link(world.acme, request)}"' in html
        assert portal_name in message.body and portal_name in html


def test_staff_hear_only_of_requests_from_companies_they_are_assigned(world, acme, mailoutbox):
    with acme():
        submit(world, by="other_company", company=world.southwind)

    assert set(inbox(mailoutbox)) == emails_of(world, "other_company", "owner", "admin")


def test_assigning_emails_the_new_owner_but_not_someone_who_takes_it_themselves(
    world, acme, mailoutbox
):
    with acme():
        request = submit(world)
    mailoutbox.clear()

    with acme():
        request_assign(
            client_request=request, owner=user(world, "staff"), actor=user(world, "admin")
        )
    [message] = mailoutbox
    assert message.to == [user(world, "staff").email]
    assert message.subject == f"Assigned to you: Printer on fire (#{request.pk})"
    assert "Acme Admin made you the owner of this Northwind request." in message.body

    with acme():
        request_assign(
            client_request=request, owner=user(world, "admin"), actor=user(world, "admin")
        )
    assert len(mailoutbox) == 1


def test_team_replies_reach_the_client_with_the_words_and_files(world, acme, mailoutbox):
    with acme():
        request = submit(world)
    mailoutbox.clear()

    with acme():
        request_reply_add(
            client_request=request,
            body="We've sent an engineer.\nETA 3pm.",
            actor=user(world, "staff"),
            files=[SimpleUploadedFile("Work order.pdf", PDF)],
        )

    mail = inbox(mailoutbox)
    assert set(mail) == emails_of(world, "approver", "client_admin")
    for [message] in mail.values():
        assert message.subject == f"New reply to your request: Printer on fire (#{request.pk})"
        assert "Acme Staff replied to your request." in message.body
        assert "We've sent an engineer.\nETA 3pm." in message.body
        assert "Files: Work order.pdf" in message.body
        assert "We&#x27;ve sent an engineer.<br>ETA 3pm." in message.alternatives[0].content


def test_waiting_on_the_client_and_resolved_are_told_to_the_client(world, acme, mailoutbox):
    with acme():
        request = submit(world)
    mailoutbox.clear()

    with acme():
        request_status_change(
            client_request=request, status="waiting_on_client", actor=user(world, "staff")
        )
    with acme():
        request_status_change(client_request=request, status="resolved", actor=user(world, "staff"))

    subjects = sorted((message.to[0], message.subject) for message in mailoutbox)
    assert subjects == sorted(
        [
            *(
                (address, f"{prefix}: Printer on fire (#{request.pk})")
                for address in emails_of(world, "approver", "client_admin")
                for prefix in ["Waiting on you", "Resolved"]
            ),
            # And the one who asked gets the satisfaction survey (tenant_apps/satisfaction).
            (user(world, "approver").email, f"How did we do? #{request.pk} Printer on fire"),
        ]
    )


def test_a_client_reply_goes_to_the_owner_or_without_one_to_the_team(world, acme, mailoutbox):
    with acme():
        request = submit(world)
    mailoutbox.clear()

    with acme():
        request_reply_add(
            client_request=request, body="Still smoking.", actor=user(world, "approver")
        )
    assert set(inbox(mailoutbox)) == emails_of(world, "owner", "admin", "staff")
    mailoutbox.clear()

    with acme():
        request_assign(
            client_request=request, owner=user(world, "staff"), actor=user(world, "staff")
        )
        request_reply_add(
            client_request=request, body="Now on fire.", actor=user(world, "client_admin")
        )
    [message] = mailoutbox
    assert message.to == [user(world, "staff").email]
    assert message.subject == f"Northwind replied: Printer on fire (#{request.pk})"
    assert "Northwind Client Admin at Northwind replied." in message.body
    assert "Now on fire." in message.body


def test_an_owner_who_lost_access_to_the_company_is_not_emailed(world, acme, mailoutbox):
    with acme():
        request = submit(world)
        request_assign(
            client_request=request, owner=user(world, "staff"), actor=user(world, "staff")
        )
        user(world, "staff").team_member.assigned_companies.clear()
    mailoutbox.clear()

    with acme():
        request_reply_add(client_request=request, body="Hello?", actor=user(world, "approver"))
    assert set(inbox(mailoutbox)) == emails_of(world, "owner", "admin")


# Internal notes


def test_internal_notes_and_their_files_never_reach_a_client_email(world, acme, mailoutbox):
    with acme():
        request = submit(world)
        note = request_note_add(
            client_request=request,
            body=SECRET,
            actor=user(world, "staff"),
            files=[SimpleUploadedFile("Credit check.pdf", PDF)],
        )
    with acme():
        request_reply_add(client_request=request, body="On it.", actor=user(world, "staff"))
    with acme():
        request_status_change(
            client_request=request, status="waiting_on_client", actor=user(world, "staff")
        )
    with acme():
        request_status_change(client_request=request, status="resolved", actor=user(world, "staff"))
    with acme():
        # Even a notice wrongly pointed at the note quotes nothing from it.
        assert request_notify("answered", request.pk, note.pk) == 2

    clients = emails_of(world, "approver", "client_admin")
    client_mail = [message for message in mailoutbox if message.to[0] in clients]
    # Received, answered, waiting, resolved, the misdirected one; and the asker's survey.
    assert len(client_mail) == 2 * 5 + 1
    for message in client_mail:
        assert SECRET not in everything_in(message)
        assert "Credit check" not in everything_in(message)


# Safe to retry


def test_running_a_notification_again_sends_nothing_twice(world, acme, mailoutbox):
    with acme():
        request = submit(world)
        event = request_reply_add(client_request=request, body="Done.", actor=user(world, "staff"))
    sent = len(mailoutbox)

    with tenant_context(world.acme):
        assert request_notify("answered", request.pk, event.pk) == 0
        assert request_notify("received", request.pk) == 0
        recorded = RequestNotification.objects.filter(request=request)
        assert recorded.filter(kind="answered", event=event).count() == 2
        assert recorded.filter(kind="received", event=None).count() == 5
    assert len(mailoutbox) == sent


class RefusingBackend(EmailBackend):
    """Locmem, but the mail server refuses the addresses in ``refused``."""

    refused: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & self.refused:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"Mailbox busy")})
        return super().send_messages(messages)


def test_a_retry_after_a_failed_send_sends_only_what_failed(world, settings, mailoutbox):
    with tenant_context(world.acme):
        request = submit(world)  # its notifications are queued on commit, so never sent here
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    RefusingBackend.refused = emails_of(world, "client_admin")

    try:
        with tenant_context(world.acme), pytest.raises(smtplib.SMTPRecipientsRefused):
            request_notify("received", request.pk)
        delivered = [message.to[0] for message in mailoutbox]
        assert user(world, "client_admin").email not in delivered

        RefusingBackend.refused = set()
        with tenant_context(world.acme):
            request_notify("received", request.pk)
    finally:
        RefusingBackend.refused = set()

    received = sorted(message.to[0] for message in mailoutbox)
    assert received == sorted(
        emails_of(world, "approver", "client_admin", "owner", "admin", "staff")
    )


def test_a_deleted_request_is_nobodys_business(world, mailoutbox):
    with tenant_context(world.acme):
        assert request_notify("received", 10_000_000) == 0
    assert mailoutbox == []


# SLA sweep


def make_request(world, *, company=None, by="approver", owner=None, days_ago=14, **fields):
    """A request row made directly, opened ``days_ago`` (so a business-time clock has run)."""
    return ClientRequest.objects.create(
        company=company or world.northwind,
        type=RequestType.objects.get(key="support"),
        title=fields.pop("title", "Printer on fire"),
        details="Smoke.",
        created_by=user(world, by),
        owner=owner and user(world, owner),
        created_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def globex_request(world, **fields):
    """In globex's schema: a request from its client Initech."""
    initech = ClientCompany.objects.create(name="Initech")
    return make_request(world, company=initech, by="outsider", title="Globex trouble", **fields)


def use_up(request, fraction):
    """Set the targets for ``request``'s priority so ``fraction`` of the response target is
    used by now, and a tenth as much of the resolution target."""
    policy = sla_policy()
    calendar = policy.calendar(holiday.date for holiday in policy.holidays.all())
    elapsed = business_time_between(calendar, request.created_at, timezone.now())
    minutes = math.ceil(elapsed.total_seconds() / 60 / fraction)
    SlaTarget.objects.filter(priority=request.priority).update(
        first_response_minutes=minutes, resolution_minutes=minutes * 10
    )


def test_an_owner_hears_once_that_a_request_is_at_risk_and_once_that_it_breached(
    world, tasks_inline, mailoutbox
):
    with tenant_context(world.acme):
        request = make_request(world, owner="staff")
        use_up(request, 0.8)
        assert sla_sweep_agency() == 1
        request.refresh_from_db()
        assert request.sla_state == SlaState.AT_RISK
        alerted_at = request.at_risk_notified_at
        assert alerted_at is not None
        assert sla_sweep_agency() == 0

        [message] = mailoutbox
        assert message.to == [user(world, "staff").email]
        assert message.subject == f"At risk of missing its SLA: Printer on fire (#{request.pk})"
        assert "Due: " in message.body

        use_up(request, 1.5)
        sla_sweep_agency()
        sla_sweep_agency()
        request.refresh_from_db()
        assert request.sla_state == SlaState.BREACHED
        assert request.at_risk_notified_at == alerted_at

    assert [message.subject for message in mailoutbox[1:]] == [
        f"SLA missed: Printer on fire (#{request.pk})"
    ]


def test_without_an_owner_the_team_is_alerted(world, tasks_inline, mailoutbox):
    with tenant_context(world.acme):
        request = make_request(world, company=world.southwind, by="other_company")
        use_up(request, 0.9)
        sla_sweep_agency()

    assert set(inbox(mailoutbox)) == emails_of(world, "owner", "admin")


def test_the_sweep_leaves_closed_requests_alone(world, tasks_inline, mailoutbox):
    with tenant_context(world.acme):
        request = make_request(world, status="resolved", resolved_at=timezone.now())
        use_up(request, 2)
        assert sla_sweep_agency() == 0
        request.refresh_from_db()
        assert request.sla_state == SlaState.NONE
    assert mailoutbox == []


def _sweep_queries(world, count) -> int:
    ClientRequest.objects.all().delete()
    for _ in range(count):
        make_request(world, days_ago=0).pauses.create(paused_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        assert sla_sweep_agency() == count
    return len(queries)


def test_the_sweep_query_count_does_not_grow_with_requests(world, tasks_inline):
    with tenant_context(world.acme):
        assert _sweep_queries(world, 2) == _sweep_queries(world, 12)


def test_the_beat_task_sweeps_each_live_agency_in_its_own_schema(world, tasks_inline, mailoutbox):
    with tenant_context(world.globex):
        theirs = globex_request(world)
        use_up(theirs, 0.8)
    with tenant_context(world.acme):
        ours = make_request(world, owner="staff")
        use_up(ours, 0.8)

    sla_sweep.delay()

    mail = inbox(mailoutbox)
    assert set(mail) == {user(world, "outsider").email, user(world, "staff").email}
    [to_globex] = mail[user(world, "outsider").email]
    assert request_link(world.globex, theirs) in to_globex.body
    assert "Globex trouble" in to_globex.subject
    for agency, request in [(world.globex, theirs), (world.acme, ours)]:
        with tenant_context(agency):
            request.refresh_from_db()
            assert request.sla_state == SlaState.AT_RISK
            assert RequestNotification.objects.get().request_id == request.pk


def test_the_beat_task_skips_inactive_agencies(world, tasks_inline, mailoutbox):
    world.globex.is_active = False
    world.globex.save(update_fields=["is_active"])
    with tenant_context(world.globex):
        request = globex_request(world)
        use_up(request, 0.8)

    sla_sweep.delay()

    with tenant_context(world.globex):
        request.refresh_from_db()
        assert request.sla_state == SlaState.NONE
    assert mailoutbox == []
