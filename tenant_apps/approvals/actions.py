"""Every write to approvals: each in a transaction and in the activity log.

An approval asks named client people about exact bytes (a document version's, or an invoice
PDF's SHA-256, fixed when asked). Each decision is an immutable record with its own activity
entry, whose ``changes`` hold everything the record says, so the hash chain vouches for it.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from shared_apps.core.client_ip import client_ip
from tenant_apps.activity.actions import activity_record
from tenant_apps.approvals.audit import ApprovalAudit
from tenant_apps.approvals.emails import notify_asked, notify_decided
from tenant_apps.approvals.models import (
    ApprovalApprover,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalStatus,
    Decision,
    SignInMethod,
)
from tenant_apps.approvals.selectors import approver_candidates
from tenant_apps.documents.models import Document
from tenant_apps.invoices.models import InvoiceStatus
from tenant_apps.security.sign_in import sign_in_method

# Which subject a pending-twice refusal is about, by the constraint that caught it.
ONE_PENDING = {
    "approval_one_pending_per_version": "version",
    "approval_one_pending_per_invoice": "invoice",
}
REFUSED_BECAUSE = {
    ApprovalStatus.SUPERSEDED: "A newer version was uploaded, so this approval was superseded; "
    "the team can ask again about the new version.",
    ApprovalStatus.CANCELLED: "This approval was cancelled; there is nothing to decide.",
    ApprovalStatus.APPROVED: "This approval is complete: everyone asked approved.",
    ApprovalStatus.CHANGES_REQUESTED: "This approval is complete: changes were requested.",
}


def _subject(*, company, version, invoice) -> tuple[str, dict]:
    """The SHA-256 to ask about, and what the log says about the subject; refuses anything
    that cannot be put to ``company``'s people."""
    if (version is None) == (invoice is None):
        raise ValidationError({"version": "Ask about one document version or one invoice."})
    if version is not None:
        document = version.document
        if document.company_id != company.pk:
            raise ValidationError({"version": "That document belongs to another client."})
        if document.is_internal:
            raise ValidationError(
                {
                    "version": "That document is internal: the client never sees it, so cannot "
                    "approve it."
                }
            )
        about = {"document": document.name, "version": version.number}
        return version.file.sha256, about
    if invoice.company_id != company.pk:
        raise ValidationError({"invoice": "That invoice is for another client."})
    if invoice.pdf_id is None:
        raise ValidationError({"invoice": f"{invoice} has no PDF yet, so there is nothing to see."})
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError({"invoice": f"{invoice} is void."})
    return invoice.pdf.sha256, {"invoice": invoice.number}


def _approvers(company, approvers) -> list:
    people = list(dict.fromkeys(approvers))  # once each, in the order given
    if not people:
        raise ValidationError({"approvers": "Name at least one person to approve."})
    allowed = set(
        approver_candidates(company)
        .filter(pk__in=[person.pk for person in people])
        .values_list("pk", flat=True)
    )
    refused = [
        f"User {person.pk} cannot approve for {company}: only its approvers and client admins "
        "can be asked."
        for person in people
        if person.pk not in allowed
    ]
    if refused:
        raise ValidationError({"approvers": refused})
    return people


def approval_request(
    *,
    company,
    actor,
    approvers,
    version=None,
    invoice=None,
    title,
    message="",
    due_date=None,
    replaces=None,
    request=None,
) -> ApprovalRequest:
    """Ask ``approvers`` (``company``'s approvers or client admins) to approve ``version`` or
    ``invoice``; each is emailed. Refusals are ValidationErrors naming the field."""
    sha256, about = _subject(company=company, version=version, invoice=invoice)
    people = _approvers(company, approvers)
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the approval a title."})
    if due_date is not None and due_date < timezone.localdate():
        raise ValidationError({"due_date": "The due date cannot be in the past."})
    try:
        with transaction.atomic():
            approval = ApprovalRequest.objects.create(
                company=company,
                version=version,
                invoice=invoice,
                sha256=sha256,
                title=title,
                message=message.strip(),
                due_date=due_date,
                requested_by=actor,
                replaces=replaces,
            )
            ApprovalApprover.objects.bulk_create(
                ApprovalApprover(approval=approval, user=person) for person in people
            )
            approval.request_entry = activity_record(
                action=ApprovalAudit.APPROVAL_REQUESTED,
                actor=actor,
                target=approval,
                changes={
                    **about,
                    "sha256": sha256,
                    # A string: a two-item list would read as a [before, after] change.
                    "approvers": ", ".join(person.email for person in people),
                    "due_date": due_date.isoformat() if due_date else None,
                    "replaces": replaces.pk if replaces else None,
                },
                request=request,
            )
            approval.save(update_fields=["request_entry"])
            notify_asked(approval)
    except IntegrityError as error:
        field = ONE_PENDING.get(
            getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        )
        if field is None:
            raise
        raise ValidationError(
            {
                field: f"This {field} already has a pending approval request; cancel that one "
                "or wait for its answers."
            }
        ) from error
    return approval


def _signed_in_by(request) -> str:
    if getattr(request, "auth", None) is not None:  # the API, with a bearer token
        return SignInMethod.API_TOKEN
    recorded = sign_in_method(request)
    if recorded in SignInMethod.values:
        return recorded
    verified = getattr(request.user, "is_verified", None)  # django-otp's, on the session
    return SignInMethod.TWO_FACTOR if verified and verified() else SignInMethod.UNKNOWN


def _locked(approval: ApprovalRequest) -> ApprovalRequest:
    return ApprovalRequest.objects.select_for_update().get(pk=approval.pk)


def _refuse_unless_pending(approval: ApprovalRequest, field: str) -> None:
    if approval.status != ApprovalStatus.PENDING:
        raise ValidationError({field: REFUSED_BECAUSE[approval.status]})


def _close(approval: ApprovalRequest, status: str, *, at=None) -> None:
    approval.status = status
    approval.completed_at = at or timezone.now()
    approval.save(update_fields=["status", "completed_at"])


def approval_decide(*, approval, actor, decision, comment="", request) -> ApprovalDecision:
    """``actor`` approves or requests changes, once. Changes requested needs a comment and
    completes the approval; so does the last approver's approval. The record holds the hash
    asked about and how, when and where ``actor`` decided, and is logged in full."""
    comment = comment.strip()
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose Approve or Request changes."})
    if decision == Decision.CHANGES_REQUESTED and not comment:
        raise ValidationError({"comment": "Say what needs to change."})
    with transaction.atomic():
        locked = _locked(approval)
        if not locked.approver_links.filter(user=actor).exists():
            raise ValidationError({"decision": "Only the people asked can decide on this."})
        if not approver_candidates(locked.company).filter(pk=actor.pk).exists():
            raise ValidationError(
                {"decision": f"You are no longer an approver at {locked.company}."}
            )
        earlier = locked.decisions.filter(decided_by=actor).first()
        if earlier is not None:
            when = timezone.localtime(earlier.decided_at)
            raise ValidationError(
                {
                    "decision": f"You already decided ({earlier.get_decision_display().lower()}, "
                    f"{when:%-d %b %Y, %H:%M %Z}); a decision cannot be changed."
                }
            )
        _refuse_unless_pending(locked, "decision")
        record = ApprovalDecision(
            approval=locked,
            decided_by=actor,
            decision=decision,
            comment=comment,
            sha256=locked.sha256,
            signed_in_by=_signed_in_by(request),
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:300],
            decided_at=timezone.now(),
        )
        record.activity_entry = activity_record(
            action=ApprovalAudit.APPROVAL_DECIDED,
            actor=actor,
            target=locked,
            changes={
                "approval": locked.pk,
                "decision": record.decision,
                "comment": record.comment,
                "sha256": record.sha256,
                "decided_by": actor.email,
                "signed_in_by": record.signed_in_by,
                "ip_address": record.ip_address,
                "user_agent": record.user_agent,
                "decided_at": record.decided_at.isoformat(),
            },
            request=request,
        )
        record.save()
        if decision == Decision.CHANGES_REQUESTED:
            completed = ApprovalStatus.CHANGES_REQUESTED
        elif locked.decisions.filter(decision=Decision.APPROVED).count() == len(
            locked.approver_ids
        ):
            completed = ApprovalStatus.APPROVED
        else:
            completed = None
        if completed:
            _close(locked, completed, at=record.decided_at)
            activity_record(
                action=ApprovalAudit.APPROVAL_COMPLETED,
                actor=actor,
                target=locked,
                changes={"status": [ApprovalStatus.PENDING, completed]},
                request=request,
            )
        notify_decided(locked, record)
    approval.status, approval.completed_at = locked.status, locked.completed_at
    return record


def approvals_supersede(*, actor, version=None, invoice=None, request=None) -> int:
    """Mark pending approvals about bytes that are no longer current superseded: those on
    versions of ``version``'s document older than it, or on ``invoice``'s replaced PDF.
    Returns how many. Run inside the transaction that replaces the bytes."""
    pending = ApprovalRequest.objects.select_for_update(of=("self",)).filter(
        status=ApprovalStatus.PENDING
    )
    if version is not None:
        stale = pending.select_related("version").filter(
            version__document_id=version.document_id, version__number__lt=version.number
        )
    else:
        stale = pending.filter(invoice=invoice).exclude(sha256=invoice.pdf.sha256)
    with transaction.atomic():
        superseded = 0
        for approval in stale:
            _close(approval, ApprovalStatus.SUPERSEDED)
            if version is not None:
                change = {"version": [approval.version.number, version.number]}
            else:
                change = {"sha256": [approval.sha256, invoice.pdf.sha256]}
            activity_record(
                action=ApprovalAudit.APPROVAL_SUPERSEDED,
                actor=actor,
                target=approval,
                changes=change,
                request=request,
            )
            superseded += 1
        return superseded


def rerequest_subject(approval: ApprovalRequest) -> dict:
    """What asking again would ask about: the document's current version, or the invoice."""
    if approval.version_id:
        document = Document.objects.select_related("current_version__file")
        return {"version": document.get(pk=approval.version.document_id).current_version}
    return {"invoice": approval.invoice}


def approval_rerequest(*, approval, actor, due_date=None, request=None) -> ApprovalRequest:
    """Ask the same people again about the subject as it is now (the document's current
    version): after a supersede, changes requested or a cancel. Keeps the due date unless
    ``due_date`` is given or it has passed."""
    if approval.status == ApprovalStatus.PENDING:
        raise ValidationError({"approval": "This approval is still pending."})
    subject = rerequest_subject(approval)
    subject_file = subject["version"].file if "version" in subject else subject["invoice"].pdf
    if approval.status == ApprovalStatus.APPROVED and subject_file.sha256 == approval.sha256:
        raise ValidationError({"approval": "These exact bytes are already approved."})
    eligible = set(approver_candidates(approval.company).values_list("pk", flat=True))
    people = [link.user for link in approval.approver_links.all() if link.user_id in eligible]
    if not people:
        raise ValidationError(
            {
                "approvers": "Nobody asked before can approve for "
                f"{approval.company} any more; ask afresh from the document or invoice."
            }
        )
    if due_date is None and approval.due_date and approval.due_date >= timezone.localdate():
        due_date = approval.due_date
    return approval_request(
        company=approval.company,
        actor=actor,
        approvers=people,
        title=approval.title,
        message=approval.message,
        due_date=due_date,
        replaces=approval,
        request=request,
        **subject,
    )


def approval_cancel(*, approval, actor, request=None) -> ApprovalRequest:
    """Withdraw a pending approval; decisions already made stay on record."""
    with transaction.atomic():
        locked = _locked(approval)
        _refuse_unless_pending(locked, "approval")
        _close(locked, ApprovalStatus.CANCELLED)
        activity_record(
            action=ApprovalAudit.APPROVAL_CANCELLED,
            actor=actor,
            target=locked,
            changes={"status": [ApprovalStatus.PENDING, ApprovalStatus.CANCELLED]},
            request=request,
        )
    approval.status, approval.completed_at = locked.status, locked.completed_at
    return approval
