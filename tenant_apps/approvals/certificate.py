"""The PDF certificate of an approval's decision record (see export.py)."""

from fpdf.enums import XPos, YPos

from tenant_apps.approvals.models import SignInMethod
from tenant_apps.invoices.pdf import FONT, INK, MUTED, PortalPdf


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
