"""File requests, due-date reminders, Waiting on you and Next actions."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.approvals.models import ApprovalRequest, ApprovalStatus
from tenant_apps.client_requests.actions import request_assign, request_status_change
from tenant_apps.client_requests.models import ClientRequest, Status
from tenant_apps.documents.actions import folder_create
from tenant_apps.documents.models import Document
from tenant_apps.inbox.actions import file_request_cancel, file_request_fulfil
from tenant_apps.inbox.models import DueReminder, FileRequest, FileRequestStatus
from tenant_apps.inbox.selectors import next_actions, waiting_on
from tenant_apps.inbox.tasks import reminder_sweep_agency
from tenant_apps.invoices.models import InvoiceStatus
from tenant_apps.kit.access import Actor
from tenant_apps.notifications.models import Notification
from tests.conftest import signed_in_client
from tests.routes_approvals import PDF, ask, deliverable, invoice_with_pdf
from tests.routes_inbox import ask_for_file
from tests.routes_requests import submit_request

pytest_plugins = ["tests.notifications_fixtures"]


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def person(world, key):
    return world.personas[key].user


def actor_of(world, key) -> Actor:
    user = person(world, key)
    with tenant_context(world.acme):
        from tenant_apps.people.models import ClientMember, TeamMember

        return Actor(
            user=user,
            team=TeamMember.objects.filter(user=user).first(),
            client=ClientMember.objects.select_related("company").filter(user=user).first(),
        )


def pdf(name="contract.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def notified(world, kind) -> dict[str, str]:
    """{recipient email: title} of the notifications of ``kind``."""
    with tenant_context(world.acme):
        rows = Notification.objects.filter(kind=kind).values_list("recipient__email", "title")
        return dict(rows)


# File requests


def test_asking_for_a_file_tells_the_clients_who_may_upload(world, acme, mailoutbox):
    with acme():
        file_request = ask_for_file(world, due_date=timezone.localdate() + timedelta(days=3))

    # Northwind's people who may upload; never its viewer, nor Southwind, nor the asker.
    uploaders = {person(world, key).email for key in ["client_admin", "approver", "finance"]}
    assert set(notified(world, "file_request.created")) == uploaders
    assert {message.to[0] for message in mailoutbox} == uploaders
    [message] = [m for m in mailoutbox if m.to == [person(world, "client_admin").email]]
    assert message.subject == "Northwind, please upload: Signed contract"
    assert "The countersigned PDF, please." in message.body
    assert file_request.status == FileRequestStatus.OPEN


def test_asking_one_person_tells_only_them(world, acme):
    with acme():
        ask_for_file(world, requested_from=person(world, "finance"))
    assert set(notified(world, "file_request.created")) == {person(world, "finance").email}


def test_the_folder_and_the_person_must_belong_to_the_company(world, acme):
    from django.core.exceptions import ValidationError

    with acme():
        southwind_folder = folder_create(
            company=world.southwind, name="Contracts", actor=person(world, "owner")
        )
        internal = folder_create(
            company=world.northwind, name="Margins", actor=person(world, "owner"), is_internal=True
        )
        for bad in [
            {"folder": southwind_folder},
            {"folder": internal},
            {"requested_from": person(world, "other_company")},
            {"requested_from": person(world, "viewer")},
            {"requested_from": person(world, "staff")},
            {"due_date": timezone.localdate() - timedelta(days=1)},
        ]:
            with pytest.raises(ValidationError):
                ask_for_file(world, **bad)
        assert not FileRequest.objects.exists()
        assert not Notification.objects.exists()


def test_uploading_fulfils_the_request_into_the_folder_asked_for(world, acme, mailoutbox):
    with acme():
        folder = folder_create(
            company=world.northwind, name="Contracts", actor=person(world, "staff")
        )
        file_request = ask_for_file(world, folder=folder)
    mailoutbox.clear()

    with acme():
        done = file_request_fulfil(
            file_request=file_request, upload=pdf(), actor=person(world, "approver")
        )
        document = Document.objects.get()
        assert (document.company, document.folder, document.name) == (
            world.northwind,
            folder,
            "contract.pdf",
        )
        assert document.current_version.file.uploaded_by == person(world, "approver")
    assert done.status == FileRequestStatus.FULFILLED and done.document == document
    assert done.fulfilled_by == person(world, "approver")
    # The staff member who asked hears of it (in the app; by email in their digest).
    assert set(notified(world, "file_request.fulfilled")) == {person(world, "staff").email}


def test_a_name_already_taken_gets_the_date_instead_of_failing(world, acme):
    with acme():
        first = ask_for_file(world, title="Contract")
        second = ask_for_file(world, title="Contract again")
        file_request_fulfil(file_request=first, upload=pdf(), actor=person(world, "approver"))
        file_request_fulfil(
            file_request=second, upload=pdf(content=PDF + b"%v2\n"), actor=person(world, "approver")
        )
        names = sorted(Document.objects.values_list("name", flat=True))
    assert names == sorted(["contract.pdf", f"contract ({timezone.localdate():%Y-%m-%d}).pdf"])


def test_a_fulfilled_or_cancelled_request_takes_no_more_uploads(world, acme):
    from django.core.exceptions import ValidationError

    with acme():
        fulfilled = ask_for_file(world)
        file_request_fulfil(file_request=fulfilled, upload=pdf(), actor=person(world, "approver"))
        cancelled = ask_for_file(world, title="Logo")
        file_request_cancel(file_request=cancelled, actor=person(world, "staff"))
        for file_request in (fulfilled, cancelled):
            with pytest.raises(ValidationError, match="already"):
                file_request_fulfil(
                    file_request=file_request,
                    upload=pdf("late.pdf", PDF + b"%late\n"),
                    actor=person(world, "approver"),
                )
        assert Document.objects.count() == 1


# Reminders


def sweep(world, acme) -> int:
    with acme():
        return reminder_sweep_agency()


def test_reminders_fire_once_per_due_step_however_often_the_sweep_runs(world, acme, mailoutbox):
    today = timezone.localdate()
    with acme():
        file_request = ask_for_file(world, due_date=today + timedelta(days=1))
    mailoutbox.clear()

    assert sweep(world, acme) == 1
    assert sweep(world, acme) == 0  # the second run finds the step done
    with tenant_context(world.acme):
        steps = list(DueReminder.objects.values_list("step", flat=True))
    assert steps == ["tomorrow"]
    assert {m.subject for m in mailoutbox} == {"Due tomorrow: Signed contract"}
    assert len(mailoutbox) == 3  # Northwind's three uploaders, once each

    # The next day it is due today; the day after, overdue, and the asker hears too.
    with tenant_context(world.acme):
        FileRequest.objects.filter(pk=file_request.pk).update(due_date=today)
    assert sweep(world, acme) == 1 and sweep(world, acme) == 0
    with tenant_context(world.acme):
        FileRequest.objects.filter(pk=file_request.pk).update(due_date=today - timedelta(days=1))
    assert sweep(world, acme) == 1 and sweep(world, acme) == 0
    overdue = notified(world, "file_request.due")
    assert person(world, "staff").email in overdue
    assert overdue[person(world, "staff").email].startswith("Overdue since")
    with tenant_context(world.acme):
        assert DueReminder.objects.count() == 3


def test_a_request_past_its_due_date_reminds_whoever_owes_the_next_move(world, acme):
    today = timezone.localdate()
    client_request = submit_request(world)
    with acme():
        request_assign(
            client_request=client_request,
            owner=person(world, "staff"),
            actor=person(world, "admin"),
        )
        ClientRequest.objects.filter(pk=client_request.pk).update(due_date=today)
    assert sweep(world, acme) == 1
    assert set(notified(world, "request.due")) == {person(world, "staff").email}

    # Waiting on the client, the client owes the move: the overdue step goes to them.
    with acme():
        client_request.refresh_from_db()
        request_status_change(
            client_request=client_request,
            status=Status.WAITING_ON_CLIENT,
            actor=person(world, "staff"),
        )
        ClientRequest.objects.filter(pk=client_request.pk).update(
            due_date=today - timedelta(days=2)
        )
        Notification.objects.filter(kind="request.due").delete()
    assert sweep(world, acme) == 1 and sweep(world, acme) == 0
    assert set(notified(world, "request.due")) == {
        person(world, "client_admin").email  # the submitter and Northwind's client admins
    }


def test_items_without_due_dates_or_done_get_no_reminders(world, acme):
    today = timezone.localdate()
    with acme():
        ask_for_file(world)  # no due date
        done = ask_for_file(world, due_date=today)
        file_request_fulfil(file_request=done, upload=pdf(), actor=person(world, "approver"))
        ask_for_file(world, due_date=today + timedelta(days=5))  # not yet
    assert sweep(world, acme) == 0


# Waiting on you


def test_waiting_on_you_gathers_every_kind_soonest_first(world, acme):
    today = timezone.localdate()
    with acme():
        approval = ask(
            world, approvers=("approver", "client_admin"), due_date=today + timedelta(days=2)
        )
        ask_for_file(world, title="Logo", due_date=today + timedelta(days=1))
        invoice = invoice_with_pdf(world)
        waiting = submit_request(world, title="Which colour?")
        request_status_change(
            client_request=waiting, status=Status.WAITING_ON_CLIENT, actor=person(world, "staff")
        )
        # Someone else's business: Southwind's file request, a draft invoice.
        ask_for_file(world, company=world.southwind, title="Southwind's logo", by="owner")
        invoice_with_pdf(world, status=InvoiceStatus.DRAFT)

    def kinds(key):
        return [(item.kind, item.id) for item in waiting_on(actor_of(world, key))]

    with tenant_context(world.acme):
        file_request = FileRequest.objects.get(title="Logo")
        assert kinds("client_admin") == [
            ("file_request", file_request.pk),  # due tomorrow
            ("approval", approval.pk),  # due in two days
            ("invoice", invoice.pk),  # due in 30 days
            ("request", waiting.pk),  # no due date
        ]
        # Approvers decide and upload, but do not pay; finance pays; viewers only read.
        assert kinds("approver") == [
            ("file_request", file_request.pk),
            ("approval", approval.pk),
            ("request", waiting.pk),
        ]
        assert kinds("finance") == [
            ("file_request", file_request.pk),
            ("invoice", invoice.pk),
            ("request", waiting.pk),
        ]
        assert kinds("viewer") == []
        assert [item.title for item in waiting_on(actor_of(world, "other_company"))] == [
            "Southwind's logo"
        ]
        assert waiting_on(actor_of(world, "owner")) == []


def test_an_approval_leaves_the_inbox_once_decided_by_that_person(world, acme):
    from django.test import RequestFactory

    from tenant_apps.approvals.actions import approval_decide

    with acme():
        approval = ask(world, approvers=("approver", "client_admin"))
        http_request = RequestFactory().post("/", HTTP_HOST=world.personas["approver"].host)
        http_request.user = person(world, "approver")
        http_request.session = {}
        approval_decide(
            approval=approval,
            actor=person(world, "approver"),
            decision="approved",
            request=http_request,
        )
    with tenant_context(world.acme):
        assert [i.kind for i in waiting_on(actor_of(world, "approver"))] == []
        assert [i.kind for i in waiting_on(actor_of(world, "client_admin"))] == ["approval"]


def selects(captured) -> int:
    # Entering the schema sets the search path first; that is routing, not the inbox's.
    return sum(not query["sql"].startswith("SET search_path") for query in captured)


def fill_waiting(world, number: int) -> None:
    """``number`` items of every kind waiting on Northwind's client admin."""
    for index in range(number):
        ask(world, approvers=("client_admin",), title=f"Approve {index}")
        ask_for_file(world, title=f"File {index}")
        invoice_with_pdf(world)
        waiting = submit_request(world, title=f"Question {index}")
        request_status_change(
            client_request=waiting, status=Status.WAITING_ON_CLIENT, actor=person(world, "staff")
        )


def test_waiting_on_you_costs_one_query_per_source_at_any_size(world):
    """Per source: approvals to decide, open file requests, invoices to pay, requests
    waiting on the client, threads with unread messages: five queries at 1 item each and at
    6 (no N+1 on companies or people)."""
    actor = actor_of(world, "client_admin")

    def queries() -> int:
        with tenant_context(world.acme), CaptureQueriesContext(connection) as captured:
            assert waiting_on(actor)
        return selects(captured)

    with tenant_context(world.acme):
        fill_waiting(world, 1)
    small = queries()
    with tenant_context(world.acme):
        fill_waiting(world, 5)
        assert len(waiting_on(actor)) == 24
    assert queries() == small == 5


# Next actions


def test_next_actions_for_the_team(world, acme):
    today = timezone.localdate()
    with acme():
        mine = submit_request(world, title="Mine")
        request_assign(
            client_request=mine, owner=person(world, "staff"), actor=person(world, "admin")
        )
        unowned = submit_request(world, title="Nobody's")
        others = submit_request(world, title="The admin's")
        request_assign(
            client_request=others, owner=person(world, "admin"), actor=person(world, "admin")
        )
        southwind = submit_request(world, company=world.southwind, by="other_company")
        ClientRequest.objects.filter(pk=unowned.pk).update(due_date=today - timedelta(days=1))
        returned = ask(world)
        ApprovalRequest.objects.filter(pk=returned.pk).update(
            status=ApprovalStatus.CHANGES_REQUESTED, completed_at=timezone.now()
        )
        late = ask(world, subject=deliverable(world).current_version)
        ApprovalRequest.objects.filter(pk=late.pk).update(due_date=today - timedelta(days=2))
        overdue_invoice = invoice_with_pdf(world, status=InvoiceStatus.OVERDUE)
        file_request = ask_for_file(world)
        file_request_fulfil(file_request=file_request, upload=pdf(), actor=person(world, "finance"))
        deliverable(world, by="staff")  # the team's own upload is not news

    with tenant_context(world.acme):
        sections = {s.key: s for s in next_actions(actor_of(world, "staff"))}
        upload = Document.objects.get(name="contract.pdf").current_version
        # Owned by them or by nobody, not the admin's; Southwind is not theirs to see.
        assert {i.id for i in sections["requests"].items} == {mine.pk, unowned.pk}
        assert southwind.pk not in {i.id for i in sections["requests"].items}
        assert [i.id for i in sections["returned"].items] == [returned.pk]
        assert [(i.kind, i.id) for i in sections["uploads"].items] == [("upload", upload.pk)]
        assert [(i.kind, i.id) for i in sections["overdue"].items] == [
            ("approval", late.pk),
            ("request", unowned.pk),
            ("invoice", overdue_invoice.pk),
        ]
        assert all(item.overdue for item in sections["overdue"].items[:2])
        owner_sections = {s.key: s for s in next_actions(actor_of(world, "owner"))}
        assert southwind.pk in {i.id for i in owner_sections["requests"].items}
        assert next_actions(actor_of(world, "client_admin")) == []


def test_next_actions_cost_one_query_per_source_at_any_size(world):
    """Overdue requests, overdue approvals, overdue invoices, requests to answer, approvals
    returned, client uploads: six queries, plus one for a limited staff member's companies."""

    def fill(number):
        with tenant_context(world.acme):
            for index in range(number):
                submit_request(world, title=f"To answer {index}")
                returned = ask(world)
                ApprovalRequest.objects.filter(pk=returned.pk).update(
                    status=ApprovalStatus.CHANGES_REQUESTED, completed_at=timezone.now()
                )
                invoice_with_pdf(world, status=InvoiceStatus.OVERDUE)
                file_request = ask_for_file(world, title=f"File {index}")
                file_request_fulfil(
                    file_request=file_request,
                    upload=pdf(f"upload-{index}.pdf", PDF + f"%{index}\n".encode()),
                    actor=person(world, "finance"),
                )

    def queries(key) -> int:
        actor = actor_of(world, key)
        with tenant_context(world.acme), CaptureQueriesContext(connection) as captured:
            next_actions(actor)
        return selects(captured)

    fill(1)
    small = {key: queries(key) for key in ["owner", "staff"]}
    fill(5)
    assert {key: queries(key) for key in ["owner", "staff"]} == small == {"owner": 6, "staff": 7}


# The home page


def test_the_client_home_shows_waiting_on_you_with_one_click_actions(world):
    file_request = ask_for_file(world, due_date=timezone.localdate() + timedelta(days=2))
    page = signed_in_client(world.personas["client_admin"]).get("/").content.decode()
    assert "Waiting on you" in page and "Signed contract" in page
    assert f'hx-post="/file-requests/{file_request.pk}/upload/"' in page
    team_page = signed_in_client(world.personas["staff"]).get("/").content.decode()
    assert "Next actions" in team_page and "Waiting on you" not in team_page


def test_a_client_uploads_from_the_home_page_and_the_item_says_done(world):
    file_request = ask_for_file(world)
    client = signed_in_client(world.personas["approver"])
    response = client.post(
        f"/file-requests/{file_request.pk}/upload/", {"file": pdf()}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Uploaded, thank you." in response.content.decode()
    with tenant_context(world.acme):
        file_request.refresh_from_db()
        assert file_request.status == FileRequestStatus.FULFILLED
    # A second go is refused in place, with nothing written.
    again = client.post(
        f"/file-requests/{file_request.pk}/upload/",
        {"file": pdf("again.pdf", PDF + b"%again\n")},
        HTTP_HX_REQUEST="true",
    )
    assert "already" in again.content.decode()
    with tenant_context(world.acme):
        assert Document.objects.count() == 1


def test_a_refused_file_is_explained_and_nothing_is_kept(world):
    file_request = ask_for_file(world)
    client = signed_in_client(world.personas["approver"])
    bogus = SimpleUploadedFile("run.exe", b"MZ\x90\x00binary", content_type="application/pdf")
    response = client.post(f"/file-requests/{file_request.pk}/upload/", {"file": bogus})
    assert response.status_code == 400
    with tenant_context(world.acme):
        file_request.refresh_from_db()
        assert file_request.status == FileRequestStatus.OPEN
        assert not Document.objects.exists()
