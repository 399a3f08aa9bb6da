"""Approval rules: who may be asked about what, deciding once, completing, superseding on a new
version, asking again, immutable decision records, exported records that verify, reminders
and notifications."""

import json
import re
from contextlib import contextmanager
from datetime import date, timedelta
from io import BytesIO, StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import tenant_context
from pypdf import PdfReader

from config.celery import app
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.activity.proofs import proof_problem
from tenant_apps.approvals.actions import (
    approval_cancel,
    approval_decide,
    approval_request,
    approval_rerequest,
)
from tenant_apps.approvals.export import approval_certificate, approval_record
from tenant_apps.approvals.models import (
    ApprovalDecision,
    ApprovalNotice,
    ApprovalRequest,
    ApprovalStatus,
)
from tenant_apps.approvals.reminders import reminder_step
from tenant_apps.approvals.selectors import approval_with_decisions
from tenant_apps.approvals.tasks import approval_reminders_agency
from tenant_apps.invoices.models import InvoiceStatus
from tenant_apps.notifications.models import Notification
from tenant_apps.people.models import ClientMember, ClientRole
from tests.routes_approvals import (
    ask,
    deliverable,
    invoice_with_pdf,
    new_version,
    user,
)


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


@pytest.fixture
def acme(world):
    with tenant_context(world.acme):
        yield


@pytest.fixture
def tasks_inline(django_capture_on_commit_callbacks):
    """Blocks that, as they end, run what was queued on commit, tasks in-process."""
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True

    @contextmanager
    def block():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    try:
        yield block
    finally:
        app.conf.task_always_eager = False
        app.conf.task_eager_propagates = False


def web_request(world, persona, *, ip="203.0.113.9", agent="Firefox/140"):
    """A browser request by ``persona`` that signed in with a password."""
    request = RequestFactory().post("/", REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    request.user = user(world, persona)
    request.session = {"security:signed-in-by": "password"}
    return request


def decide(world, approval, persona="approver", decision="approved", comment="", **request):
    return approval_decide(
        approval=approval,
        actor=user(world, persona),
        decision=decision,
        comment=comment,
        http_request=web_request(world, persona, **request),
    )


def written() -> tuple[int, int, int]:
    """Approvals, decisions and activity entries: what a refusal must not add to."""
    return (
        ApprovalRequest.objects.count(),
        ApprovalDecision.objects.count(),
        ActivityEntry.objects.count(),
    )


def refused(field: str, work) -> str:
    """``work`` raises a ValidationError on ``field`` and writes nothing; its message."""
    before = written()
    with pytest.raises(ValidationError) as error:
        with transaction.atomic():
            work()
    assert written() == before
    assert field in error.value.message_dict, error.value.message_dict
    return " ".join(error.value.message_dict[field])


# Asking


def test_asking_fixes_the_hash_and_the_approvers_in_the_log(world, acme):
    document = deliverable(world)
    approval = ask(world, document.current_version, approvers=("approver", "client_admin"))

    assert approval.sha256 == document.current_version.file.sha256
    assert approval.status == ApprovalStatus.PENDING
    assert approval.approver_ids == {user(world, "approver").pk, user(world, "client_admin").pk}
    entry = approval.request_entry
    assert entry.action == "approval.requested" and entry.actor == user(world, "staff")
    assert entry.company_id == world.northwind.pk
    assert entry.changes["sha256"] == approval.sha256
    assert entry.changes["approvers"] == "approver@northwind.example, ca@northwind.example"


def test_asking_about_an_invoice_binds_to_its_pdf(world, acme):
    invoice = invoice_with_pdf(world)
    approval = ask(world, invoice)
    assert (approval.invoice, approval.version) == (invoice, None)
    assert approval.sha256 == invoice.pdf.sha256


@pytest.mark.parametrize("persona", ["finance", "viewer", "other_company", "staff"])
def test_only_the_companys_approvers_and_client_admins_can_be_asked(world, acme, persona):
    message = refused("approvers", lambda: ask(world, approvers=("approver", persona)))
    assert f"User {user(world, persona).pk} cannot approve for Northwind" in message


def test_a_deactivated_approver_cannot_be_asked(world, acme):
    approver = user(world, "approver")
    approver.is_active = False
    approver.save()
    refused("approvers", lambda: ask(world))


def test_someone_must_be_asked(world, acme):
    assert "at least one" in refused("approvers", lambda: ask(world, approvers=()))


def test_what_cannot_be_asked_about_is_refused_by_name(world, acme):
    internal = deliverable(world, internal=True).current_version
    assert "internal" in refused("version", lambda: ask(world, internal))
    southwind = deliverable(world, company=world.southwind).current_version
    assert "another client" in refused(
        "version",
        lambda: approval_request(
            company=world.northwind,
            actor=user(world, "staff"),
            approvers=[user(world, "approver")],
            version=southwind,
            title="Wrong client",
        ),
    )
    void = invoice_with_pdf(world, status=InvoiceStatus.VOID)
    assert "void" in refused("invoice", lambda: ask(world, void))
    yesterday = timezone.localdate() - timedelta(days=1)
    assert "past" in refused("due_date", lambda: ask(world, due_date=yesterday))
    assert "title" in refused("title", lambda: ask(world, title="   "))


def test_one_pending_request_per_version_at_a_time(world, acme):
    version = deliverable(world).current_version
    first = ask(world, version)
    assert "already has a pending approval" in refused("version", lambda: ask(world, version))
    approval_cancel(approval=first, actor=user(world, "staff"))
    assert ask(world, version).status == ApprovalStatus.PENDING


# Deciding


def test_a_decision_records_the_hash_the_decider_how_when_and_where(world, acme):
    approval = ask(world)
    record = decide(world, approval, comment="Looks great.", ip="198.51.100.4", agent="Edge/9")

    assert (record.decided_by, record.decision, record.comment) == (
        user(world, "approver"),
        "approved",
        "Looks great.",
    )
    assert record.sha256 == approval.sha256
    assert (record.signed_in_by, record.ip_address, record.user_agent) == (
        "password",
        "198.51.100.4",
        "Edge/9",
    )
    # The activity entry holds the whole record, so the hash chain vouches for it.
    entry = record.activity_entry
    assert entry.action == "approval.decided" and entry.actor == record.decided_by
    assert entry.changes == {
        "approval": approval.pk,
        "decision": "approved",
        "comment": "Looks great.",
        "sha256": approval.sha256,
        "decided_by": "approver@northwind.example",
        "signed_in_by": "password",
        "ip_address": "198.51.100.4",
        "user_agent": "Edge/9",
        "decided_at": record.decided_at.isoformat(),
    }
    assert entry.entry_hash == entry.compute_hash()


def test_complete_when_everyone_asked_approves(world, acme):
    approval = ask(world, approvers=("approver", "client_admin"))
    decide(world, approval)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING and approval.completed_at is None
    decide(world, approval, "client_admin")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED and approval.completed_at is not None
    assert ActivityEntry.objects.filter(
        action="approval.completed", object_id=str(approval.pk)
    ).exists()


def test_one_request_for_changes_completes_it(world, acme):
    approval = ask(world, approvers=("approver", "client_admin"))
    decide(world, approval, "client_admin", "changes_requested", "The logo is too small.")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.CHANGES_REQUESTED
    # The other approver has nothing left to decide.
    message = refused("decision", lambda: decide(world, approval))
    assert "changes were requested" in message


def test_requesting_changes_needs_a_comment(world, acme):
    approval = ask(world)
    message = refused("comment", lambda: decide(world, approval, decision="changes_requested"))
    assert "what needs to change" in message


def test_a_second_decision_is_refused_and_changes_nothing(world, acme):
    approval = ask(world, approvers=("approver", "client_admin"))
    decide(world, approval)
    message = refused(
        "decision",
        lambda: decide(world, approval, decision="changes_requested", comment="Second thoughts"),
    )
    assert "You already decided (approved" in message and "cannot be changed" in message


@pytest.mark.parametrize("persona", ["client_admin", "finance", "staff"])
def test_only_someone_asked_can_decide(world, acme, persona):
    approval = ask(world)
    assert "Only the people asked" in refused("decision", lambda: decide(world, approval, persona))


def test_an_approver_who_is_now_a_viewer_cannot_decide(world, acme):
    approval = ask(world)
    ClientMember.objects.filter(user=user(world, "approver")).update(role=ClientRole.VIEWER)
    assert "no longer an approver" in refused("decision", lambda: decide(world, approval))


def test_cancelled_approvals_take_no_decisions(world, acme):
    approval = ask(world)
    approval_cancel(approval=approval, actor=user(world, "staff"))
    assert "cancelled" in refused("decision", lambda: decide(world, approval))
    assert "still pending" not in refused(
        "approval", lambda: approval_cancel(approval=approval, actor=user(world, "staff"))
    )


def test_decision_records_cannot_be_changed_or_deleted_in_the_database(world, acme):
    record = decide(world, ask(world))
    for statement in (
        "UPDATE approvals_approvaldecision SET decision = 'changes_requested'",
        "DELETE FROM approvals_approvaldecision",
    ):
        with pytest.raises(DatabaseError, match="immutable"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    record.refresh_from_db()
    assert record.decision == "approved"


# A new version


def test_a_new_version_supersedes_pending_approvals_on_older_ones(world, acme):
    document = deliverable(world)
    pending = ask(world, document.current_version)
    other_document_pending = ask(world)
    v2 = new_version(world, document)

    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.SUPERSEDED and pending.completed_at is not None
    entry = ActivityEntry.objects.get(action="approval.superseded", object_id=str(pending.pk))
    assert entry.changes == {"version": [1, 2]} and entry.actor == user(world, "staff")
    other_document_pending.refresh_from_db()
    assert other_document_pending.status == ApprovalStatus.PENDING
    assert "superseded" in refused("decision", lambda: decide(world, pending))

    # Asking again asks the same people about version 2.
    again = approval_rerequest(approval=pending, actor=user(world, "staff"))
    assert (again.version, again.replaces, again.sha256) == (v2, pending, v2.file.sha256)
    assert again.approver_ids == pending.approver_ids and again.title == pending.title


def test_decided_approvals_stay_as_they_were_after_a_new_version(world, acme):
    document = deliverable(world)
    approval = ask(world, document.current_version)
    decide(world, approval)
    new_version(world, document)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED


def test_asking_again_is_for_approvals_that_are_over_and_not_for_approved_bytes(world, acme):
    document = deliverable(world)
    approval = ask(world, document.current_version)
    staff = user(world, "staff")
    refused("approval", lambda: approval_rerequest(approval=approval, actor=staff))
    decide(world, approval)
    approval.refresh_from_db()
    message = refused("approval", lambda: approval_rerequest(approval=approval, actor=staff))
    assert "already approved" in message
    # Once there is a new version, the approved approval can be asked again about it.
    v2 = new_version(world, document)
    assert approval_rerequest(approval=approval, actor=staff).version == v2


def test_asking_again_keeps_a_due_date_only_while_it_lies_ahead(world, acme):
    approval = ask(world, due_date=timezone.localdate())
    approval_cancel(approval=approval, actor=user(world, "staff"))
    assert approval_rerequest(approval=approval, actor=user(world, "staff")).due_date == (
        timezone.localdate()
    )
    past = ask(world)
    ApprovalRequest.objects.filter(pk=past.pk).update(due_date=date(2020, 1, 1))
    past.refresh_from_db()
    approval_cancel(approval=past, actor=user(world, "staff"))
    assert approval_rerequest(approval=past, actor=user(world, "staff")).due_date is None
