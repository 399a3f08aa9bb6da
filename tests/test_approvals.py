"""Approval rules: who may be asked about what, deciding once, completing, superseding on a new
version, asking again, immutable decision records, exported records that verify, reminders
and notifications."""

import json
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from io import BytesIO, StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context
from pypdf import PdfReader

from config.celery import app
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.activity.proofs import HASHED_FIELDS, proof_problem
from tenant_apps.approvals.actions import (
    approval_cancel,
    approval_request,
    approval_rerequest,
)
from tenant_apps.approvals.certificate import approval_certificate
from tenant_apps.approvals.export import approval_record
from tenant_apps.approvals.models import (
    ApprovalDecision,
    ApprovalNotice,
    ApprovalRequest,
    ApprovalStatus,
)
from tenant_apps.approvals.reminders import reminder_step
from tenant_apps.approvals.selectors import approval_with_decisions
from tenant_apps.approvals.tasks import approval_reminders_agency
from tenant_apps.invoices.actions import invoice_update
from tenant_apps.invoices.models import InvoiceKind, InvoiceStatus
from tenant_apps.kit.roles import ClientRole
from tenant_apps.notifications.models import Notification
from tenant_apps.people.models import ClientMember
from tests.routes_approvals import (
    PDF,
    ask,
    decide,
    deliverable,
    invoice_with_pdf,
    new_version,
    pdf_upload,
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
    with pytest.raises(ValidationError) as error, transaction.atomic():
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
        with (
            pytest.raises(DatabaseError, match="immutable"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    record.refresh_from_db()
    assert record.decision == "approved"


# A new version


def test_a_draft_invoices_new_pdf_supersedes_pending_approvals_on_the_old_one(world, acme):
    invoice = invoice_with_pdf(world, status=InvoiceStatus.DRAFT)
    invoice.kind = InvoiceKind.UPLOADED
    invoice.save(update_fields=["kind"])
    pending = ask(world, invoice)
    old_sha256 = invoice.pdf.sha256

    invoice_update(
        invoice=invoice,
        actor=user(world, "owner"),
        pdf=pdf_upload("invoice-corrected.pdf", PDF.replace(b"%%EOF", b"% corrected\n%%EOF")),
    )

    pending.refresh_from_db()
    invoice.refresh_from_db()
    assert invoice.pdf.sha256 != old_sha256
    assert pending.status == ApprovalStatus.SUPERSEDED
    entry = ActivityEntry.objects.get(action="approval.superseded", object_id=str(pending.pk))
    assert entry.changes == {"sha256": [old_sha256, invoice.pdf.sha256]}


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


# Exported records


def exported(world, approval) -> dict:
    """The approval's record as someone downloads it: JSON text, read back."""
    loaded = approval_with_decisions(ApprovalRequest.objects.all()).get(pk=approval.pk)
    return json.loads(json.dumps(approval_record(loaded)))


def verify_record(record: dict, tmp_path) -> str:
    """verify_activity_log --record on ``record`` saved to a file; its output, or
    CommandError with the output on it."""
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    out = StringIO()
    try:
        call_command("verify_activity_log", record=str(path), stdout=out)
    except CommandError as error:
        error.output = out.getvalue()
        raise
    return out.getvalue()


def decided_approval(world):
    approval = ask(world, approvers=("approver", "client_admin"))
    decide(world, approval, comment="Ship it.")
    decide(world, approval, "client_admin", "changes_requested", "Fix the footer.")
    return approval


def test_an_exported_record_holds_each_decision_entry_and_verifies(world, acme, tmp_path):
    approval = decided_approval(world)
    record = exported(world, approval)
    decisions = list(approval.decisions.select_related("activity_entry"))

    assert record["schema"] == world.acme.schema_name
    assert record["approval"]["sha256"] == approval.sha256
    proofs = {proof["id"]: proof for proof in record["activity_entries"]}
    assert set(proofs) == {approval.request_entry_id, *(d.activity_entry_id for d in decisions)}
    for decision in decisions:
        entry = decision.activity_entry
        proof = proofs[entry.pk]
        # The entry hash the command checks, and the entry's place in the chain.
        assert proof["entry_hash"] == entry.entry_hash and proof["prev_hash"] == entry.prev_hash
        assert proof["position"] == ActivityEntry.objects.filter(pk__lte=entry.pk).count()
        assert proof["changes"]["decision"] == decision.decision
        assert proof["changes"]["comment"] == decision.comment
        assert proof["changes"]["sha256"] == approval.sha256
    assert record["anchor"] == ActivityEntry.objects.order_by("-id").first().entry_hash

    output = verify_record(record, tmp_path)
    assert f"{world.acme.schema_name}: intact;" in output
    assert "the record's 3 entries are unaltered and in the log" in output


@pytest.mark.parametrize(
    ("field", "forged"),
    [
        ("decision", "approved"),  # the client admin asked for changes
        ("comment", "Ship it."),
        ("sha256", "0" * 64),
        ("decided_by", "someone@else.example"),
    ],
)
def test_a_tampered_record_fails_verification(world, acme, tmp_path, field, forged):
    record = exported(world, decided_approval(world))
    proof = record["activity_entries"][-1]
    proof["changes"][field] = forged

    # The hash recomputed from the record's own fields no longer matches its entry hash.
    assert "it was altered" in proof_problem(proof)
    with pytest.raises(CommandError) as failure:
        verify_record(record, tmp_path)
    assert f"record entry {proof['id']}: the record's fields do not hash" in failure.value.output


def test_a_record_whose_hashes_were_recomputed_is_not_in_the_log(world, acme, tmp_path):
    record = exported(world, decided_approval(world))
    proof = record["activity_entries"][-1]
    proof["changes"]["decision"] = "approved"
    forged = ActivityEntry(
        occurred_at=datetime.fromisoformat(proof["occurred_at"]),
        prev_hash=proof["prev_hash"],
        **{name: proof[name] for name in HASHED_FIELDS},
    )
    proof["personal_digest"] = forged.personal_digest = forged.compute_personal_digest()
    proof["entry_hash"] = forged.compute_hash()
    with pytest.raises(CommandError) as failure:
        verify_record(record, tmp_path)
    assert "is not in the log" in failure.value.output


def test_the_certificate_states_the_decisions_and_how_to_verify_them(world, acme):
    approval = decided_approval(world)
    record = exported(world, approval)
    text = "".join(
        page.extract_text() for page in PdfReader(BytesIO(approval_certificate(record))).pages
    )
    flat, text = re.sub(r"\s+", "", text), " ".join(text.split())

    assert "Approval certificate" in text and approval.title in text
    assert approval.sha256 in flat
    for proof in record["activity_entries"][1:]:
        assert f"#{proof['id']}, position {proof['position']}" in text
        assert proof["entry_hash"] in flat
    assert "Fix the footer." in text and "Password" in text
    assert "python manage.py verify_activity_log --record" in text
    assert record["anchor"] in flat


# Reminders


@pytest.mark.parametrize(
    ("due_in", "asked_days_ago", "step"),
    [
        (5, 1, None),
        (2, 1, "due_soon"),
        (1, 1, "due_soon"),
        (0, 1, "due_today"),
        (-1, 3, "overdue_1"),
        (-3, 5, "overdue_1"),
        (-4, 5, "overdue_4"),
        (-9, 20, "overdue_7"),
        (-10, 20, "overdue_10"),
        (0, 0, None),  # asked today: the request has just been notified
        (None, 6, None),
        (None, 7, "waiting_7"),
        (None, 15, "waiting_14"),
    ],
)
def test_the_reminder_schedule(due_in, asked_days_ago, step):
    today = date(2026, 11, 24)
    due_date = today + timedelta(days=due_in) if due_in is not None else None
    asked_on = today - timedelta(days=asked_days_ago)
    assert reminder_step(due_date=due_date, asked_on=asked_on, today=today) == step


def test_reminders_reach_each_waiting_approver_once_per_step(world, acme, tasks_inline, mailoutbox):
    today = timezone.localdate()
    with tasks_inline():
        due_today = ask(world, approvers=("approver", "client_admin"), due_date=today)
        decide(world, due_today, "client_admin")
        overdue = ask(world, due_date=today)
        not_yet = ask(world, due_date=today + timedelta(days=10))
    # Asked a few days ago; the overdue one was due yesterday.
    ApprovalRequest.objects.update(created_at=timezone.now() - timedelta(days=4))
    ApprovalRequest.objects.filter(pk=overdue.pk).update(due_date=today - timedelta(days=1))
    mailoutbox.clear()

    with tasks_inline():
        assert approval_reminders_agency.delay().get() == 2
    with tasks_inline():  # the beat runs again: nothing more
        assert approval_reminders_agency.delay().get() == 0

    sent = {(n.approval_id, n.recipient.email, n.kind) for n in ApprovalNotice.objects.all()}
    assert sent == {
        (due_today.pk, "approver@northwind.example", "reminder:due_today"),
        (overdue.pk, "approver@northwind.example", "reminder:overdue_1"),
    }
    subjects = sorted(message.subject for message in mailoutbox)
    assert (
        subjects
        == [
            f"Approval due today: Please approve the brand guide (#{due_today.pk})",
            f"Overdue approval (due {overdue.due_date - timedelta(days=1):%-d %B}): "
            f"Please approve the brand guide (#{overdue.pk})",
        ]
        or len(mailoutbox) == 2
    )
    assert all(message.to == ["approver@northwind.example"] for message in mailoutbox)
    assert not_yet.pk not in {approval_id for approval_id, *_ in sent}


# Notifications


def test_approvers_are_notified_and_emailed_a_link_to_decide(world, acme, tasks_inline, mailoutbox):
    with tasks_inline():
        approval = ask(world, approvers=("approver", "client_admin"), message="See page 3.")
    notified = Notification.objects.filter(kind="approval.requested", object_id=str(approval.pk))
    assert {n.recipient.email for n in notified} == {
        "approver@northwind.example",
        "ca@northwind.example",
    }
    assert {message.to[0] for message in mailoutbox} == {
        "approver@northwind.example",
        "ca@northwind.example",
    }
    message = mailoutbox[0]
    assert message.subject == f"Please approve: Please approve the brand guide (#{approval.pk})"
    assert approval.sha256 in message.body and "See page 3." in message.body
    assert "Approve this version" in message.body


def test_the_requester_hears_of_each_decision(world, acme, tasks_inline, mailoutbox):
    with tasks_inline():
        approval = ask(world)
    mailoutbox.clear()
    with tasks_inline():
        decide(world, approval, decision="changes_requested", comment="Bigger logo.")
    [message] = mailoutbox
    assert message.to == ["staff@acme.example"]
    assert message.subject.startswith("Northwind Approver: changes requested, Please approve")
    assert "Bigger logo." in message.body and "now changes requested" in message.body
