"""Invoices: money to the currency's minor unit, refusals that leave nothing behind, the
status table, who sees which invoice, and the emails (sent once, reminders on a schedule)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import PurePosixPath

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image
from pypdf import PdfReader

from branding.images import prepare_image
from branding.models import ImageKind
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.brand_settings.actions import brand_update
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenant_apps.invoices.actions import invoice_move, invoice_update, invoice_upload
from tenant_apps.invoices.models import (
    MOVES,
    TRANSITIONS,
    Invoice,
    InvoiceNotice,
    InvoiceStatus,
    NoticeKind,
)
from tenant_apps.invoices.selectors import (
    agency_today,
    invoice_history,
    invoice_number_suggest,
    invoice_totals,
    visible_invoices,
)
from tenant_apps.invoices.signals import pdf_replaced
from tenant_apps.invoices.tasks import invoice_notify, invoice_sweep, invoice_sweep_agency
from tenant_apps.kit.access import Actor, can
from tenant_apps.people.models import ClientMember
from tests.routes_invoices import LINES, make_invoice, tax_rate

# tasks_inline (Celery tasks run when sent) and acme (blocks in acme's schema that run what
# actions queued on commit as they end).
pytest_plugins = ["tests.notifications_fixtures"]
PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"
    return tmp_path / "files"


def actor_of(world, persona) -> Actor:
    user = world.personas[persona].user
    return Actor(
        user=user,
        team=getattr(user, "team_member", None),
        client=getattr(user, "client_member", None),
    )


def stored_objects(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def pdf_text(invoice) -> str:
    with file_storage().open(invoice.pdf.key) as stored:
        return "\n".join(page.extract_text() for page in PdfReader(BytesIO(stored.read())).pages)


def pdf_upload(name="invoice.pdf", content=PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(world, **fields) -> Invoice:
    with tenant_context(world.acme):
        return invoice_upload(
            company=fields.pop("company", world.northwind),
            number=fields.pop("number", "UP-1"),
            currency=fields.pop("currency", "EUR"),
            issue_date=fields.pop("issue_date", date(2031, 3, 1)),
            due_date=fields.pop("due_date", date(2031, 3, 31)),
            subtotal=fields.pop("subtotal", Decimal("100.00")),
            tax=fields.pop("tax", Decimal("21.00")),
            pdf=fields.pop("pdf", pdf_upload()),
            actor=world.personas["owner"].user,
            **fields,
        )


def line(description, quantity, unit_price) -> dict:
    return {
        "description": description,
        "quantity": Decimal(quantity),
        "unit_price": Decimal(unit_price),
    }


# Money


@pytest.mark.parametrize(
    ("currency", "lines", "tax_rate", "expected"),
    [
        # 3 x 0.335 = 1.005: half up is 1.01 (banker's rounding would say 1.00).
        ("EUR", [line("Stamps", "3", "0.335")], "19", ("1.01", "0.19", "1.20")),
        # Each line is rounded, then added: 0.005 + 0.005 is 0.02, not 0.01.
        ("USD", [line("A", "1", "0.005"), line("B", "1", "0.005")], "0", ("0.02", "0", "0.02")),
        # No minor unit: 1000.5 yen is 1001, 10% tax 100.1 is 100.
        ("JPY", [line("Yen", "3", "333.5")], "10", ("1001", "100", "1101")),
        # Three minor units: 1.2345 dinar is 1.235.
        ("BHD", [line("Dinar", "1", "1.2345")], "5", ("1.235", "0.062", "1.297")),
        # A discount line may be negative while the invoice is not.
        (
            "EUR",
            [line("Work", "10", "100"), line("Discount", "1", "-150")],
            "20",
            ("850.00", "170.00", "1020.00"),
        ),
    ],
)
def test_totals_round_half_up_to_the_currencys_minor_unit(
    world, storage_root, currency, lines, tax_rate, expected
):
    invoice = make_invoice(world, currency=currency, lines=lines, tax_rate=Decimal(tax_rate))

    with tenant_context(world.acme):
        invoice.refresh_from_db()
        assert (invoice.subtotal, invoice.tax, invoice.total) == tuple(map(Decimal, expected))
        assert invoice.total == invoice.subtotal + invoice.tax
        assert [row.position for row in invoice.lines.all()] == list(range(1, len(lines) + 1))


def test_a_built_invoice_gets_a_branded_pdf_with_its_lines_and_payment_link(world):
    invoice = make_invoice(
        world, number="INV-0042", payment_url="https://pay.example/inv-0042", notes="IBAN XX00"
    )

    with tenant_context(world.acme):
        invoice.refresh_from_db()
        assert invoice.pdf.content_type == "application/pdf"
        assert invoice.pdf.name == "Invoice INV-0042.pdf"
        text = pdf_text(invoice)
    for shown in [
        "Acme",  # the agency's portal name
        "Northwind",
        "INV-0042",
        "Brand workshop",
        "Logo files",
        "€999.99",  # 2 x 450 + 99.99, in the agency's locale (en-GB)
        "€200.00",  # 20% tax
        "€1,199.99",
        "31 Mar 2031",
        "https://pay.example/inv-0042",
        "IBAN XX00",
    ]:
        assert shown in text, shown


def test_the_agencys_logo_heads_its_invoices(world):
    picture = BytesIO()
    Image.new("RGB", (400, 120), "#1f6feb").save(picture, format="PNG")
    logo = prepare_image(SimpleUploadedFile("logo.png", picture.getvalue()), ImageKind.LOGO)
    with tenant_context(world.acme):
        brand_update(
            agency=world.acme,
            actor=world.personas["owner"].user,
            changes={},
            images={ImageKind.LOGO: logo},
        )

    invoice = make_invoice(world)

    with tenant_context(world.acme), file_storage().open(invoice.pdf.key) as stored:
        [page] = PdfReader(BytesIO(stored.read())).pages
        [image] = page.images
        assert image.image.size == (logo.width, logo.height)


def test_the_next_number_follows_the_latest_and_skips_taken_ones(world):
    with tenant_context(world.acme):
        assert invoice_number_suggest() == "INV-0001"
    make_invoice(world, number="ACME-2031-0099")
    make_invoice(world, number="acme-2031-0100")  # taken, in another case
    make_invoice(world, number="ACME-2031-0099-X")  # no number at the end: not latest
    with tenant_context(world.acme):
        Invoice.objects.filter(number="ACME-2031-0099-X").delete()
        Invoice.objects.filter(number="acme-2031-0100").update(
            created_at=datetime(2000, 1, 1, tzinfo=UTC)
        )
        assert invoice_number_suggest() == "ACME-2031-0101"


# Refusals, and nothing half-written


REFUSALS = {
    "duplicate number, in another case": ({"number": "mx-dup"}, "number", "already used"),
    "due before issue": (
        {"issue_date": date(2031, 3, 10), "due_date": date(2031, 3, 9)},
        "due_date",
        "before the issue date",
    ),
    "no lines": ({"lines": []}, "lines", "at least one line"),
    "zero quantity": ({"lines": [line("Nothing", "0", "10")]}, "lines", "Line 1"),
    "negative quantity": (
        {"lines": [LINES[0], line("Refund", "-1", "10")]},
        "lines",
        "Line 2: The quantity must be more than zero",
    ),
    "unknown currency": ({"currency": "XYZ"}, "currency", '"XYZ" is not a currency'),
    "plain-http payment link": (
        {"payment_url": "http://pay.example/x"},
        "payment_url",
        "https://",
    ),
    "below zero": (
        {"lines": [line("Credit", "1", "-5")]},
        "lines",
        "cannot total less than zero",
    ),
    "bad number": ({"number": "INV 1; DROP"}, "number", "letters, digits"),
    "too fine a quantity": ({"lines": [line("Hours", "1.125", "80")]}, "lines", "2 decimal"),
    "too large": (
        {"lines": [line("Everything", "99999999.99", "999999999")]},
        "lines",
        "more than an invoice can hold",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refused_invoice_leaves_no_row_and_no_file(world, storage_root, case):
    fields, field, words = REFUSALS[case]
    make_invoice(world, number="MX-DUP")
    with tenant_context(world.acme):
        before = (Invoice.objects.count(), StoredFile.objects.count())
    files_before = stored_objects(storage_root)

    with pytest.raises(ValidationError) as refused:
        make_invoice(world, **fields)

    assert words in " ".join(refused.value.message_dict[field])
    with tenant_context(world.acme):
        assert (Invoice.objects.count(), StoredFile.objects.count()) == before
    assert stored_objects(storage_root) == files_before


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"pdf": pdf_upload("invoice.pdf", PNG_BYTES)}, "pdf", "a PNG image, which does not"),
        ({"pdf": pdf_upload("invoice.png", PNG_BYTES)}, "pdf", "must be a PDF"),
        ({"pdf": pdf_upload("invoice.pdf", b"just words\n")}, "pdf", "is plain text, which"),
        ({"pdf": pdf_upload("invoice.exe", b"MZ\x90\x00")}, "pdf", "not accepted"),
        ({"currency": "JPY", "subtotal": Decimal("10.50")}, "subtotal", "no decimal places"),
        ({"tax": Decimal("-1")}, "tax", "cannot be negative"),
        ({"number": "up-1"}, "number", "already used"),
    ],
)
def test_an_upload_must_be_a_pdf_with_sound_amounts(world, storage_root, fields, field, words):
    upload(world, number="UP-1")
    files_before = stored_objects(storage_root)

    with pytest.raises(ValidationError) as refused:
        upload(world, number=fields.pop("number", "UP-2"), **fields)

    assert words in " ".join(refused.value.message_dict[field])
    assert stored_objects(storage_root) == files_before
    with tenant_context(world.acme):
        assert list(Invoice.objects.values_list("number", flat=True)) == ["UP-1"]


def test_an_uploaded_pdf_is_stored_under_the_invoice_number(world):
    invoice = upload(world, number="2031/007", subtotal=Decimal("100"), tax=Decimal("21"))

    with tenant_context(world.acme):
        invoice.refresh_from_db()
        assert invoice.pdf.name == "Invoice 2031-007.pdf"
        assert invoice.total == Decimal("121")
        assert not invoice.lines.exists()


# Changing a draft


def test_changing_a_draft_renders_its_pdf_again_and_drops_the_old_one(world, storage_root, acme):
    invoice = make_invoice(world)
    with tenant_context(world.acme):
        old = StoredFile.objects.get(pk=invoice.pdf_id)
    replaced = []

    def heard(sender, invoice, actor, **kwargs):
        replaced.append((invoice.pk, invoice.pdf_id, actor.email))

    pdf_replaced.connect(heard)
    with acme():
        changed = invoice_update(
            invoice=invoice,
            lines=[line("Strategy day", "1", "1500") | {"tax_rate": tax_rate(Decimal(20))}],
            due_date=date(2031, 4, 30),
            actor=world.personas["staff"].user,
        )
    pdf_replaced.disconnect(heard)

    assert replaced == [(invoice.pk, changed.pdf_id, "staff@acme.example")]
    with tenant_context(world.acme):
        assert changed.total == Decimal("1800.00")
        assert changed.pdf_id != old.pk
        assert not StoredFile.objects.filter(pk=old.pk).exists()
        assert "Strategy day" in pdf_text(changed)
        assert "Brand workshop" not in pdf_text(changed)
        entry = ActivityEntry.objects.filter(action="invoice.updated").get()
        assert entry.changes["lines"] == ["2 lines", "1 line"]
        assert entry.changes["due_date"] == ["2031-03-31", "2031-04-30"]
        new_name = PurePosixPath(changed.pdf.key).name
    # What is kept: the new PDF and the page images of its preview, nothing of the old one.
    kept = [path.name for path in stored_objects(storage_root)]
    assert not any(old.key.endswith(name) for name in kept)
    assert [name for name in kept if "-preview-" not in name] == [new_name]
    assert all(name.startswith(new_name) for name in kept)


def test_a_refused_change_keeps_the_draft_and_its_pdf(world, storage_root):
    invoice = make_invoice(world)
    make_invoice(world, number="TAKEN")
    files_before = stored_objects(storage_root)

    with pytest.raises(ValidationError) as refused, tenant_context(world.acme):
        invoice_update(invoice=invoice, number="taken", actor=world.personas["owner"].user)

    assert "already used" in refused.value.message_dict["number"][0]
    with tenant_context(world.acme):
        kept = Invoice.objects.get(pk=invoice.pk)
        assert (kept.number, kept.pdf_id) == (invoice.number, invoice.pdf_id)
    assert stored_objects(storage_root) == files_before


def test_an_uploaded_draft_takes_a_new_pdf_and_a_sent_invoice_is_final(world, storage_root):
    invoice = upload(world)
    with tenant_context(world.acme):
        replaced = invoice_update(
            invoice=invoice,
            number="UP-9",
            pdf=pdf_upload("second.pdf", PDF_BYTES + b"%v2\n"),
            actor=world.personas["owner"].user,
        )
        assert replaced.pdf.name == "Invoice UP-9.pdf"
        assert replaced.pdf_id != invoice.pdf_id
        invoice_move(invoice=replaced, move="send", actor=world.personas["owner"].user)

        with pytest.raises(ValidationError, match="only drafts can be changed"):
            invoice_update(invoice=replaced, notes="late", actor=world.personas["owner"].user)


# Statuses


ALL_MOVES = [(status, move) for status in InvoiceStatus.values for move in MOVES]


def invoice_in(world, status) -> Invoice:
    invoice = make_invoice(world)
    with tenant_context(world.acme):
        Invoice.objects.filter(pk=invoice.pk).update(status=status)
        invoice.refresh_from_db()
    return invoice


@pytest.mark.parametrize(("status", "move"), ALL_MOVES)
def test_every_status_change_follows_the_one_table(world, status, move):
    invoice = invoice_in(world, status)
    allowed = status in MOVES[move].sources

    with tenant_context(world.acme):
        if allowed:
            moved = invoice_move(invoice=invoice, move=move, actor=world.personas["owner"].user)
            assert moved.status == MOVES[move].target
            entry = ActivityEntry.objects.get(action=MOVES[move].logged)
            assert entry.changes["status"] == [status, MOVES[move].target]
        else:
            with pytest.raises(ValidationError) as refused:
                invoice_move(invoice=invoice, move=move, actor=world.personas["owner"].user)
            [message] = refused.value.message_dict["status"]
            assert f"is {InvoiceStatus(status).label.lower()}, so it cannot be" in message
            assert Invoice.objects.get(pk=invoice.pk).status == status
    assert (MOVES[move].target in TRANSITIONS[status]) or not allowed


def test_paid_and_void_are_final_and_marking_paid_is_logged_with_its_note(world):
    invoice = make_invoice(world, moves=["send"])
    with tenant_context(world.acme):
        paid = invoice_move(
            invoice=invoice,
            move="mark_paid",
            note="Bank ref 2031-77",
            actor=world.personas["staff"].user,
        )
        assert paid.paid_at is not None
        entry = ActivityEntry.objects.get(action="invoice.marked_paid")
        assert (entry.actor_label, entry.changes["note"]) == (
            "staff@acme.example",
            "Bank ref 2031-77",
        )
        assert entry.company_id == world.northwind.pk
    assert TRANSITIONS[InvoiceStatus.PAID] == set()
    assert TRANSITIONS[InvoiceStatus.VOID] == set()


def test_history_shows_clients_only_what_happened_once_sent(world):
    invoice = make_invoice(world)
    with tenant_context(world.acme):
        invoice_update(invoice=invoice, notes="Thanks!", actor=world.personas["owner"].user)
        invoice_move(invoice=invoice, move="send", actor=world.personas["owner"].user)
        invoice_move(invoice=invoice, move="report_payment", actor=world.personas["finance"].user)
        team = [e.action for e in invoice_history(actor_of(world, "owner"), invoice)]
        client = [e.action for e in invoice_history(actor_of(world, "finance"), invoice)]
    assert team == [
        "invoice.created",
        "invoice.updated",
        "invoice.sent",
        "invoice.payment_reported",
    ]
    assert client == ["invoice.sent", "invoice.payment_reported"]


# Who sees what


def test_invoice_visibility_by_role(world):
    draft = make_invoice(world)
    voided_unsent = make_invoice(world, moves=["void"])
    northwind = make_invoice(world, moves=["send"])
    southwind = make_invoice(world, company=world.southwind, moves=["send"])

    seen = {}
    with tenant_context(world.acme):
        for persona in [
            "owner",
            "admin",
            "staff",
            "client_admin",
            "finance",
            "approver",
            "viewer",
            "other_company",
        ]:
            actor = actor_of(world, persona)
            seen[persona] = set(visible_invoices(actor).values_list("pk", flat=True))
            for invoice in (draft, voided_unsent, northwind, southwind):
                invoice.refresh_from_db()
                assert can(actor, "invoice.view", invoice) == (invoice.pk in seen[persona])

    everything = {draft.pk, voided_unsent.pk, northwind.pk, southwind.pk}
    assert seen["owner"] == seen["admin"] == everything
    # Staff work on Northwind only.
    assert seen["staff"] == {draft.pk, voided_unsent.pk, northwind.pk}
    # Never a draft, nor a draft voided before it was sent.
    assert seen["client_admin"] == seen["finance"] == {northwind.pk}
    assert seen["approver"] == seen["viewer"] == set()
    assert seen["other_company"] == {southwind.pk}


def test_totals_add_up_per_currency_and_leave_out_voided_invoices(world):
    make_invoice(world, moves=["send"])  # €1,199.99 outstanding
    make_invoice(world, moves=["send", "mark_paid"])  # €1,199.99 paid
    make_invoice(world, moves=["send", "void"])
    make_invoice(world, currency="JPY", lines=[line("Yen", "1", "5000")], moves=["send"])
    with tenant_context(world.acme):
        Invoice.objects.filter(currency="JPY").update(status=InvoiceStatus.OVERDUE)
        totals = {row["currency"]: row for row in invoice_totals(Invoice.objects.all())}
    assert totals["EUR"]["outstanding"] == Decimal("1199.99")
    assert totals["EUR"]["paid"] == Decimal("1199.99")
    assert totals["EUR"]["count"] == 3
    assert totals["JPY"]["outstanding"] == totals["JPY"]["overdue"] == Decimal("6000")


# Emails


def test_sending_emails_the_finance_people_once_even_when_the_task_runs_again(
    world, acme, mailoutbox
):
    invoice = make_invoice(world, payment_url="https://pay.example/inv")
    with acme():
        invoice_move(invoice=invoice, move="send", actor=world.personas["owner"].user)

    [email] = mailoutbox
    assert email.to == ["finance@northwind.example"]
    assert invoice.number in email.subject
    assert "€1,199.99" in email.subject
    assert "https://pay.example/inv" in email.body
    assert f"/invoices/{invoice.pk}/" in email.body
    assert "Pay now" in email.alternatives[0].content

    with tenant_context(world.acme):
        assert invoice_notify(NoticeKind.SENT, invoice.pk) == 0  # a retry, or a duplicate
        assert InvoiceNotice.objects.filter(invoice=invoice).count() == 1
    assert len(mailoutbox) == 1


def test_without_finance_people_the_client_admins_hear(world, acme, mailoutbox):
    invoice = make_invoice(world, company=world.southwind)  # Southwind has a client admin only
    with acme():
        invoice_move(invoice=invoice, move="send", actor=world.personas["owner"].user)

    assert [email.to for email in mailoutbox] == [["ca@southwind.example"]]


def test_a_reported_payment_reaches_the_team_and_a_receipt_the_client(world, acme, mailoutbox):
    invoice = make_invoice(world, moves=["send"], by="staff")
    with acme():
        invoice_move(invoice=invoice, move="report_payment", actor=world.personas["finance"].user)
    reported = {email.to[0] for email in mailoutbox}
    # Owners and admins, and the staff member who made the invoice.
    assert reported == {"owner@acme.example", "admin@acme.example", "staff@acme.example"}
    assert all("Northwind reports paying" in email.subject for email in mailoutbox)

    mailoutbox.clear()
    with acme():
        invoice_move(invoice=invoice, move="mark_paid", actor=world.personas["staff"].user)
    [receipt] = mailoutbox
    assert receipt.to == ["finance@northwind.example"]
    assert "Payment received" in receipt.subject
    assert "Pay now" not in receipt.body


# The overdue sweep


def overdue_by(world, days: int, **fields) -> Invoice:
    """A sent invoice whose due date was ``days`` days ago (agency time)."""
    with tenant_context(world.acme):
        today = agency_today()
    return make_invoice(
        world,
        issue_date=today - timedelta(days=days + 30),
        due_date=today - timedelta(days=days),
        moves=["send"],
        **fields,
    )


def reminders(world) -> list[tuple[int, int, str]]:
    with tenant_context(world.acme):
        return sorted(
            InvoiceNotice.objects.filter(kind=NoticeKind.REMINDER).values_list(
                "invoice_id", "occurrence", "recipient__email"
            )
        )


def test_the_beat_task_marks_overdue_and_reminds_once_per_step(world, tasks_inline, mailoutbox):
    late = overdue_by(world, 1)
    on_time = overdue_by(world, 0)  # due today: not late yet
    mailoutbox.clear()

    invoice_sweep.delay()
    invoice_sweep.delay()  # beat fires again before anything changed

    with tenant_context(world.acme):
        late.refresh_from_db()
        on_time.refresh_from_db()
    assert (late.status, on_time.status) == (InvoiceStatus.OVERDUE, InvoiceStatus.SENT)
    assert reminders(world) == [(late.pk, 0, "finance@northwind.example")]
    [email] = mailoutbox
    assert email.subject == f"Reminder: invoice {late.number} is overdue"
    assert "1 day ago" in email.body

    # A week later the next reminder goes out, once.
    with tenant_context(world.acme):
        Invoice.objects.filter(pk=late.pk).update(due_date=late.due_date - timedelta(days=7))
    invoice_sweep.delay()
    invoice_sweep.delay()
    assert [step for _, step, _ in reminders(world)] == [0, 1]
    assert len(mailoutbox) == 2
    with tenant_context(world.acme):
        assert ActivityEntry.objects.filter(action="invoice.became_overdue").count() == 1


def test_the_sweep_leaves_reported_payments_alone_and_stops_reminding_in_time(
    world, tasks_inline, mailoutbox
):
    reported = overdue_by(world, 3)
    with tenant_context(world.acme):
        invoice_move(invoice=reported, move="report_payment", actor=world.personas["finance"].user)
    long_gone = overdue_by(world, 100)
    mailoutbox.clear()

    with tenant_context(world.acme):
        assert invoice_sweep_agency() == 1
        reported.refresh_from_db()
        long_gone.refresh_from_db()

    assert reported.status == InvoiceStatus.PENDING_PAYMENT
    assert long_gone.status == InvoiceStatus.OVERDUE
    assert mailoutbox == []  # past the last reminder step: the team follows up in person


def test_reminders_go_to_client_admins_when_the_company_has_no_finance_person(
    world, tasks_inline, mailoutbox
):
    with tenant_context(world.acme):
        ClientMember.objects.filter(user__email="finance@northwind.example").update(role="viewer")
    late = overdue_by(world, 2)
    mailoutbox.clear()

    invoice_sweep.delay()

    assert [email.to for email in mailoutbox] == [["ca@northwind.example"]]
    assert reminders(world) == [(late.pk, 0, "ca@northwind.example")]
