"""An approval's decision record, as JSON anyone can check and as a PDF certificate.

The record rests on activity entries: the request's (which fixed the SHA-256 and the people
asked) and each decision's, whose ``changes`` hold the whole decision (what, by whom, how
they had signed in, when, from where, about which hash). Each entry is exported as a proof
(activity.proofs): ``manage.py verify_activity_log --record FILE`` recomputes its hash from the
record's own fields, so an edited record fails, and checks the agency's live log still holds
it, intact, along with the anchor (the newest entry when the record was exported).
"""

import json

from django.db import connection
from django.http import HttpResponse
from django.utils import timezone

from branding.selectors import brand_for
from tenant_apps.activity.proofs import entry_proof
from tenant_apps.activity.selectors import activity_head
from tenant_apps.approvals.models import ApprovalRequest

RECORD_KIND = "approval-record"


def _person(user) -> dict:
    return {"id": user.pk, "email": user.email, "name": user.full_name}


def _subject(approval: ApprovalRequest) -> dict:
    stored = approval.subject_file
    if approval.version_id:
        about = {
            "type": "document_version",
            "document_id": approval.version.document_id,
            "document": approval.version.document.name,
            "version": approval.version.number,
        }
    else:
        about = {
            "type": "invoice",
            "invoice_id": approval.invoice_id,
            "invoice": str(approval.invoice),
        }
    return about | {"file_name": stored.name, "size": stored.size}


def approval_record(approval: ApprovalRequest) -> dict:
    """The record of ``approval`` (loaded by selectors.approval_with_decisions)."""
    decisions = list(approval.decisions.all())
    entries = [approval.request_entry, *(decision.activity_entry for decision in decisions)]
    head = activity_head()
    schema = connection.schema_name
    return {
        "kind": RECORD_KIND,
        "schema": schema,
        "agency": brand_for(connection.tenant).portal_name,
        "exported_at": timezone.now().isoformat(),
        "approval": {
            "id": approval.pk,
            "title": approval.title,
            "company": approval.company.name,
            "subject": _subject(approval),
            "sha256": approval.sha256,
            "status": approval.status,
            "requested_by": _person(approval.requested_by),
            "requested_at": approval.created_at.isoformat(),
            "due_date": approval.due_date.isoformat() if approval.due_date else None,
            "approvers": [_person(link.user) for link in approval.approver_links.all()],
            "request_entry_id": approval.request_entry_id,
        },
        # Each decision's facts are its entry's changes, so the hash chain covers them.
        "decisions": [
            {"id": decision.pk, "activity_entry_id": decision.activity_entry_id}
            for decision in decisions
        ],
        "activity_entries": [entry_proof(entry) for entry in entries if entry is not None],
        "anchor": head.entry_hash,
        "anchor_entry_id": head.pk,
        "verify": {
            "command": "python manage.py verify_activity_log --record <this file>",
            "checks": (
                "Run on the portal's server, it recomputes each activity entry's hash from its "
                "fields in this file, so a changed field fails; and it checks that the "
                f"{schema!r} agency's log still holds every entry, intact from the first, and "
                "the anchor (its newest entry when this was exported)."
            ),
        },
    }


# The certificate


def record_response(approval: ApprovalRequest, *, as_pdf: bool) -> HttpResponse:
    """The record of ``approval`` as a download: its certificate, or its JSON."""
    record = approval_record(approval)
    if as_pdf:
        # Loaded on demand: fpdf adds ~40 MB to every web process that imports it.
        from tenant_apps.approvals.certificate import approval_certificate

        content, content_type, suffix = approval_certificate(record), "application/pdf", "pdf"
    else:
        content = json.dumps(record, indent=2, ensure_ascii=False).encode()
        content_type, suffix = "application/json", "json"
    response = HttpResponse(content, content_type=content_type)
    name = f"approval-{approval.pk}-{'certificate' if as_pdf else 'record'}.{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
