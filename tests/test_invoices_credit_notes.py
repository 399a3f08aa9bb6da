"""Credit notes: an invoice reversed by lines (with their tax), by an amount (its tax in the
invoice's proportion) or in full; never more than is left; numbered, with a PDF, in the
history and on the invoice's page for both sides, and over the API."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.files.models import StoredFile
from tenant_apps.invoices.actions import credit_note_create, invoice_move
from tenant_apps.invoices.models import CreditNote, NoticeKind
from tenant_apps.invoices.selectors import credited_total
from tenant_apps.invoices.tasks import invoice_notify
from tests.routes_invoices import make_invoice
from tests.test_invoices_api import Api
from tests.test_invoices_pages import browser, text_of
from tests.test_invoices_tax_and_details import mixed_invoice, owner, pdf_text, rates

pytest_plugins = ["tests.notifications_fixtures"]  # acme: runs what commits queue


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def written(world) -> tuple[int, int]:
    with tenant_context(world.acme):
        return CreditNote.objects.count(), StoredFile.objects.count()


def sent_mixed(world):
    standard, reduced = rates(world)
    invoice = mixed_invoice(world, standard, reduced)
    with tenant_context(world.acme):
        return invoice_move(invoice=invoice, move="send", actor=owner(world))


def test_lines_are_credited_with_their_tax_once(world):
    invoice = sent_mixed(world)
    with tenant_context(world.acme):
        books = invoice.lines.get(description="Books")
        note = credit_note_create(
            invoice=invoice, lines=[books.pk], reason="Books arrived damaged", actor=owner(world)
        )
        # 29.97 at 5.5%: 1.65 tax.
        assert (note.number, note.subtotal, note.tax, note.total) == (
            "CN-0001",
            Decimal("29.97"),
            Decimal("1.65"),
            Decimal("31.62"),
        )
        assert credited_total(invoice) == Decimal("31.62")
        text = pdf_text(note)
        entry = ActivityEntry.objects.get(action="invoice.credited")
        assert entry.changes == {
            "credit_note": "CN-0001",
            "total": "€31.62",
            "reason": "Books arrived damaged",
        }
    for printed in ("Credit note", "CN-0001", "TAX-1", "Reduced 5.5%", "€31.62", "damaged"):
        assert printed in text, printed

    before = written(world)
    with tenant_context(world.acme), pytest.raises(ValidationError) as refused:
        credit_note_create(invoice=invoice, lines=[books.pk], reason="Again", actor=owner(world))
    assert "credited already" in refused.value.message_dict["lines"][0]
    assert written(world) == before


def test_an_amount_carries_the_invoices_share_of_tax_and_never_more_than_is_left(world):
    invoice = make_invoice(world, moves=["send"])  # 999.99 + 20% = 1,199.99
    with tenant_context(world.acme):
        note = credit_note_create(
            invoice=invoice, amount=Decimal(100), reason="Goodwill", actor=owner(world)
        )
        # 100 x 199.998 / 1,199.988 rounds to 16.67 of tax.
        assert (note.subtotal, note.tax, note.total) == (
            Decimal("83.33"),
            Decimal("16.67"),
            Decimal("100.00"),
        )
    before = written(world)
    with tenant_context(world.acme):
        for amount, words in (
            (Decimal("1100.00"), "more than is left to credit on invoice"),
            (Decimal("0.001"), "at most 2 decimal places"),
            (Decimal(0), "more than zero"),
        ):
            with pytest.raises(ValidationError) as refused:
                credit_note_create(invoice=invoice, amount=amount, reason="x", actor=owner(world))
            assert words in refused.value.message_dict["amount"][0], amount
    assert written(world) == before

    with tenant_context(world.acme):
        rest = credit_note_create(invoice=invoice, reason="Cancelled", actor=owner(world))
        assert (rest.number, rest.total) == ("CN-0002", Decimal("1099.99"))
        assert credited_total(invoice) == invoice.total
        with pytest.raises(ValidationError, match="credited in full already"):
            credit_note_create(invoice=invoice, reason="Once more", actor=owner(world))


def test_in_full_a_built_invoice_is_credited_line_by_line(world):
    invoice = sent_mixed(world)
    with tenant_context(world.acme):
        note = credit_note_create(invoice=invoice, reason="Order cancelled", actor=owner(world))
        assert note.total == invoice.total == Decimal("275.68")
        assert note.lines.count() == 4
        assert note.tax == invoice.tax


def test_drafts_and_void_invoices_are_not_credited_and_a_reason_is_needed(world):
    draft = make_invoice(world)
    void = make_invoice(world, moves=["send", "void"])
    sent = make_invoice(world, moves=["send"])
    before = written(world)
    with tenant_context(world.acme):
        for invoice in (draft, void):
            with pytest.raises(ValidationError) as refused:
                credit_note_create(invoice=invoice, reason="No", actor=owner(world))
            assert "can be credited" in refused.value.message_dict["invoice"][0]
        with pytest.raises(ValidationError) as refused:
            credit_note_create(invoice=sent, reason="  ", actor=owner(world))
        assert "Say why" in refused.value.message_dict["reason"][0]
    assert written(world) == before


def test_the_team_credits_from_the_page_and_the_client_sees_it(world):
    invoice = make_invoice(world, moves=["send"])
    team = browser(world, "staff")
    page = text_of(team.get(f"/invoices/{invoice.pk}/"))
    assert "Issue a credit note" in page
    assert "Brand workshop" in page  # a line to choose

    before = written(world)
    over = team.post(
        f"/invoices/{invoice.pk}/credit-notes/new/",
        {"mode": "amount", "amount": "5000", "reason": "Too much"},
    )
    assert over.status_code == 400
    assert "more than is left to credit" in text_of(over)
    missing = team.post(f"/invoices/{invoice.pk}/credit-notes/new/", {"mode": "lines"})
    assert missing.status_code == 400
    assert "Choose at least one line" in text_of(missing)
    assert written(world) == before

    done = team.post(
        f"/invoices/{invoice.pk}/credit-notes/new/",
        {"mode": "amount", "amount": "120", "reason": "Late delivery"},
    )
    assert done.status_code == 302
    with tenant_context(world.acme):
        note = CreditNote.objects.get(invoice=invoice)

    client = browser(world, "finance")
    page = text_of(client.get(f"/invoices/{invoice.pk}/"))
    for shown in ("Credit notes", "CN-0001", "Late delivery", "\u2212€120.00", "€1,079.99"):
        assert shown in page, shown
    history = page[page.index('id="invoice-history"') :]
    assert "Credit note issued</strong> CN-0001 (€120.00)" in history, history[:600]
    assert "Issue a credit note" not in page
    download = client.get(f"/invoices/{invoice.pk}/credit-notes/{note.pk}/pdf/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    # Another invoice's id with this note: no such credit note.
    other = make_invoice(world, moves=["send"])
    assert client.get(f"/invoices/{other.pk}/credit-notes/{note.pk}/pdf/").status_code == 404


def test_the_api_credits_and_lists_for_both_sides(world):
    invoice = sent_mixed(world)
    team, finance = Api(world, "owner"), Api(world, "finance")
    with tenant_context(world.acme):
        design, books = (invoice.lines.get(description=d).pk for d in ("Design", "Books"))

    both = team.post(
        f"invoices/{invoice.pk}/credit-notes",
        {"reason": "x", "lines": [design], "amount": "5"},
    )
    assert both.status_code == 400 and "not both" in both.json()["amount"][0]
    foreign = team.post(f"invoices/{invoice.pk}/credit-notes", {"reason": "x", "lines": [99999]})
    assert foreign.status_code == 400 and "has no line 99999" in foreign.json()["lines"][0]

    made = team.post(
        f"invoices/{invoice.pk}/credit-notes", {"reason": "Wrong items", "lines": [books]}
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["number"], body["subtotal"], body["tax"], body["total"]) == (
        "CN-0001",
        "29.97",
        "1.65",
        "31.62",
    )
    assert body["lines"][0]["invoice_line"] == books

    listed = finance.get(f"invoices/{invoice.pk}/credit-notes")
    assert [note["number"] for note in listed.json()] == ["CN-0001"]
    assert finance.get(f"invoices/{invoice.pk}").json()["credited"] == "31.62"
    pdf = finance.client.get(listed.json()[0]["pdf_url"], **finance.headers)
    assert pdf.status_code == 200
    assert finance.post(f"invoices/{invoice.pk}/credit-notes", {"reason": "x"}).status_code == 403


def test_the_clients_finance_people_hear_of_each_credit_note_once(world, acme, mailoutbox):
    invoice = make_invoice(world, moves=["send"])
    mailoutbox.clear()
    with acme():
        note = credit_note_create(
            invoice=invoice, amount=Decimal(50), reason="Late delivery", actor=owner(world)
        )
    [email] = mailoutbox
    assert email.to == ["finance@northwind.example"]
    assert email.subject == f"Credit note CN-0001 on invoice {invoice.number}"
    assert "credit note CN-0001 for €50.00" in email.body
    assert "Late delivery" in email.body
    assert "Pay now" not in email.body
    with tenant_context(world.acme):
        assert invoice_notify(NoticeKind.CREDITED, invoice.pk, note.pk) == 0  # a retry
    assert len(mailoutbox) == 1
