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
from fpdf.enums import XPos, YPos

from branding.selectors import brand_for
from tenant_apps.activity.proofs import entry_proof
from tenant_apps.activity.selectors import activity_head
from tenant_apps.approvals.models import ApprovalRequest, SignInMethod
from tenant_apps.invoices.pdf import FONT, INK, MUTED, PortalPdf

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


class _Certificate(PortalPdf):
    """The invoices' page, with headings and label/value rows."""

    def heading(self, text: str) -> None:
        self.ln(4)
        self.set_font(FONT, "B", 13)
        self.set_text_color(*INK)
        self.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def facts(self, rows: list[tuple[str, object]]) -> None:
        for label, value in rows:
            self.set_font(FONT, "", 9)
            self.set_text_color(*MUTED)
            self.cell(42, 5.5, label)
            self.set_text_color(*INK)
            self.multi_cell(0, 5.5, str(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _entry_rows(proof: dict) -> list[tuple[str, object]]:
    return [
        ("Activity entry", f"#{proof['id']}, position {proof['position']} in the chain"),
        ("Entry hash", proof["entry_hash"]),
        ("Previous hash", proof["prev_hash"]),
    ]


def approval_certificate(record: dict) -> bytes:
    """The PDF certificate of an approval_record: the same facts, for people."""
    approval = record["approval"]
    subject = approval["subject"]
    pdf = _Certificate(footer_text=f"{record['agency']} · Approval #{approval['id']}")
    pdf.set_title(f"Approval certificate #{approval['id']}")
    pdf.set_author(record["agency"])
    pdf.set_creator("Client Portal")
    pdf.add_page()
    pdf.set_font(FONT, "B", 20)
    pdf.set_text_color(*INK)
    pdf.cell(0, 12, "Approval certificate", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0, 5, f"{record['agency']} · exported {record['exported_at']}", new_x=XPos.LMARGIN
    )

    if subject["type"] == "document_version":
        what = f"{subject['document']}, version {subject['version']}"
    else:
        what = subject["invoice"]
    pdf.heading(f"#{approval['id']} {approval['title']}")
    pdf.facts(
        [
            ("Client", approval["company"]),
            ("Asked about", what),
            ("File", f"{subject['file_name']} ({subject['size']} bytes)"),
            ("SHA-256", approval["sha256"]),
            (
                "Requested by",
                f"{approval['requested_by']['name']} <{approval['requested_by']['email']}>",
            ),
            ("Requested at", approval["requested_at"]),
            ("Due", approval["due_date"] or "No due date"),
            ("Approvers", ", ".join(f"{p['name']} <{p['email']}>" for p in approval["approvers"])),
            ("Status at export", approval["status"].replace("_", " ")),
        ]
    )
    proofs = {proof["id"]: proof for proof in record["activity_entries"]}
    if approval["request_entry_id"] in proofs:
        pdf.facts(_entry_rows(proofs[approval["request_entry_id"]]))

    for decision in record["decisions"]:
        proof = proofs[decision["activity_entry_id"]]
        said = proof["changes"]
        pdf.heading(f"Decision by {proof['actor_label']}: {said['decision'].replace('_', ' ')}")
        pdf.facts(
            [
                ("Comment", said["comment"] or "None"),
                ("Decided at", said["decided_at"]),
                ("On SHA-256", said["sha256"]),
                ("Signed in by", SignInMethod(said["signed_in_by"]).label),
                ("IP address", said["ip_address"] or "Unknown"),
                ("User agent", said["user_agent"] or "Unknown"),
                *_entry_rows(proof),
            ]
        )
    if not record["decisions"]:
        pdf.heading("No decisions yet")

    pdf.heading("How to check this certificate")
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*INK)
    verify = record["verify"]
    pdf.multi_cell(
        0,
        5,
        f"Download this approval's record.json and run {verify['command']}. {verify['checks']}\n"
        f"Anchor: entry #{record['anchor_entry_id']}, {record['anchor']}. To check the log "
        f"alone: verify_activity_log --schema {record['schema']} --anchor {record['anchor']}",
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())


def record_response(approval: ApprovalRequest, *, as_pdf: bool) -> HttpResponse:
    """The record of ``approval`` as a download: its certificate, or its JSON."""
    record = approval_record(approval)
    if as_pdf:
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
