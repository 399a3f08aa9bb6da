"""Invoice pages: the list with totals and constant queries, the new-invoice form with its
lines added in place, uploading, the detail page's actions over htmx, and downloads."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenant_apps.files.models import StoredFile
from tenant_apps.invoices.models import Invoice, InvoiceStatus
from tests.conftest import signed_in_client
from tests.routes_invoices import make_invoice, tax_rate

HTMX = {"HX-Request": "true"}
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def browser(world, persona):
    return signed_in_client(world.personas[persona])


def new_invoice_data(world, *, rate="10", **overrides) -> dict:
    """The form's fields; every row bears the acme tax rate of ``rate`` percent."""
    rows = overrides.pop("rows", [("Design", "2", "100"), ("Print run", "1", "49.50")])
    with tenant_context(world.acme):
        rate_id = tax_rate(Decimal(rate)).pk
    data = {
        "company": world.northwind.pk,
        "number": "WEB-0001",
        "currency": "EUR",
        "issue_date": "2031-06-01",
        "due_date": "2031-07-01",
        "payment_url": "",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
    }
    for index, (description, quantity, unit_price) in enumerate(rows):
        data |= {
            f"lines-{index}-description": description,
            f"lines-{index}-quantity": quantity,
            f"lines-{index}-unit_price": unit_price,
            f"lines-{index}-tax_rate": str(rate_id) if description else "",
        }
    return data | overrides


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# The list


def test_the_team_list_shows_totals_per_currency_and_filters(world):
    make_invoice(world, moves=["send"])
    make_invoice(world, moves=["send", "mark_paid"])
    make_invoice(world, company=world.southwind, moves=["send"])
    client = browser(world, "owner")

    page = text_of(client.get("/invoices/"))
    assert "3 invoices" in page
    assert "€2,399.98" in page  # outstanding: two unpaid at 1,199.99
    assert "Southwind" in page

    filtered = client.get(
        "/invoices/", {"status": "paid"}, headers={**HTMX, "HX-Target": "invoice-results"}
    )
    assert "1 invoice" in text_of(filtered)
    assert "<html" not in filtered.content.decode()  # just the results, swapped in place

    refused = client.get("/invoices/", {"status": "lost"})
    assert refused.status_code == 400
    assert "Select a valid choice" in text_of(refused)


def test_clients_see_their_companys_sent_invoices_and_others_a_word_of_explanation(world):
    draft = make_invoice(world, number="DRAFT-1")
    make_invoice(world, number="SENT-1", moves=["send"])

    finance = text_of(browser(world, "finance").get("/invoices/"))
    assert "Northwind's invoices" in finance
    assert "SENT-1" in finance
    assert draft.number not in finance
    assert "New invoice" not in finance

    approver = text_of(browser(world, "approver").get("/invoices/"))
    assert "shared with your company's finance people" in approver
    assert "SENT-1" not in approver
    assert 'href="/invoices/"' not in approver  # no nav link either


def test_the_list_runs_the_same_queries_for_10_invoices_as_for_40(world):
    client = browser(world, "staff")

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/invoices/").status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    for _ in range(10):
        make_invoice(world, moves=["send"])
    queries()  # the first request switches schema and caches the brand
    at_10 = queries()
    for _ in range(30):
        make_invoice(world, moves=["send"])
    at_40 = queries()
    # Session and actor; the filter's companies; totals; the count and one page (with
    # companies joined); whatever the layout asks. None of them per row.
    assert len(at_10) == len(at_40), "\n".join(at_10) + "\n-----\n" + "\n".join(at_40)


# New and upload forms


def test_the_new_invoice_form_suggests_the_next_number_and_saves_a_draft(world):
    make_invoice(world, number="WEB-0007")
    client = browser(world, "staff")

    form = text_of(client.get("/invoices/new/"))
    assert 'value="WEB-0008"' in form
    assert 'name="lines-0-description"' in form

    response = client.post("/invoices/new/", new_invoice_data(world))

    with tenant_context(world.acme):
        invoice = Invoice.objects.get(number="WEB-0001")
        assert response.status_code == 302
        assert response["Location"] == f"/invoices/{invoice.pk}/"
        assert (invoice.status, invoice.total) == (InvoiceStatus.DRAFT, Decimal("274.45"))
        assert list(invoice.lines.values_list("description", flat=True)) == ["Design", "Print run"]


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"number": "web-0007"}, "Invoice number web-0007 is already used"),
        ({"due_date": "2031-05-01"}, "The due date cannot be before the issue date."),
        # Untouched rows, as a browser posts them (the quantity starts at 1), are skipped.
        ({"rows": [("", "1", ""), ("", "1", "")]}, "Add at least one line."),
        ({"rows": [("Half a line", "", "5")]}, "This field is required."),
        ({"rows": [("Nothing", "0", "5")]}, "The quantity must be more than zero."),
        ({"rows": [("Refund", "-1", "5")]}, "The quantity must be more than zero."),
        ({"currency": "XYZ"}, "Select a valid choice. XYZ is not one of the available choices."),
        ({"payment_url": "http://pay.example"}, "Enter a full https:// link."),
    ],
)
def test_the_new_invoice_form_shows_what_is_wrong_and_saves_nothing(world, overrides, words):
    make_invoice(world, number="WEB-0007")
    with tenant_context(world.acme):
        before = (Invoice.objects.count(), StoredFile.objects.count())

    response = browser(world, "owner").post("/invoices/new/", new_invoice_data(world, **overrides))

    assert response.status_code == 400
    assert words in text_of(response).replace("&quot;", '"')
    with tenant_context(world.acme):
        assert (Invoice.objects.count(), StoredFile.objects.count()) == before


def test_add_a_line_appends_a_blank_row_and_counts_it(world):
    client = browser(world, "owner")

    response = client.get("/invoices/new/line/", {"index": "3"}, headers=HTMX)

    html = text_of(response)
    assert 'name="lines-3-description"' in html
    assert 'name="lines-TOTAL_FORMS" value="4"' in html
    assert "hx-swap-oob" in html
    assert "?index=4" in html
    assert client.get("/invoices/new/line/", {"index": "100"}).status_code == 400


def test_the_totals_preview_adds_up_the_lines_typed_so_far(world):
    data = new_invoice_data(world, rows=[("Design", "3", "0.335"), ("", "", "")], rate="19")
    response = browser(world, "owner").post("/invoices/new/totals/", data, headers=HTMX)
    html = text_of(response)
    assert "€1.01" in html  # 3 x 0.335, half up
    assert "€1.20" in html


def test_uploading_refuses_what_is_not_a_pdf_and_stores_one_that_is(world):
    client = browser(world, "admin")
    data = {
        "company": world.northwind.pk,
        "number": "UP-0001",
        "currency": "EUR",
        "issue_date": "2031-06-01",
        "due_date": "2031-07-01",
        "subtotal": "100",
        "tax": "0",
    }

    refused = client.post(
        "/invoices/upload/", data | {"pdf": SimpleUploadedFile("bill.pdf", b"plain words\n")}
    )
    assert refused.status_code == 400
    assert "its content is plain text, which does not match .pdf" in text_of(refused).replace(
        "&quot;", '"'
    )

    saved = client.post("/invoices/upload/", data | {"pdf": SimpleUploadedFile("bill.pdf", PDF)})
    assert saved.status_code == 302
    with tenant_context(world.acme):
        invoice = Invoice.objects.get(number="UP-0001")
        assert (invoice.kind, invoice.pdf.name) == ("uploaded", "Invoice UP-0001.pdf")


# One invoice


def test_the_team_sends_from_the_page_over_htmx_and_sees_the_history(world, mailoutbox):
    invoice = make_invoice(world)
    client = browser(world, "owner")
    page = text_of(client.get(f"/invoices/{invoice.pk}/"))
    assert "Send to the client" in page
    assert "Edit draft" in page
    assert "Created as a draft" in page

    response = client.post(f"/invoices/{invoice.pk}/send/", headers=HTMX)

    html = text_of(response)
    assert response.status_code == 200
    assert 'id="invoice-status">Sent<' in html
    assert "Mark paid" in html
    assert 'id="invoice-history" aria-labelledby="history-heading" hx-swap-oob="true"' in html
    assert "Invoice sent" in html


def test_a_move_the_status_does_not_allow_is_explained(world):
    invoice = make_invoice(world, moves=["send", "mark_paid"])
    client = browser(world, "admin")

    over_htmx = client.post(f"/invoices/{invoice.pk}/void/", headers=HTMX)
    assert over_htmx.status_code == 200  # htmx swaps only successes in
    assert "is paid, so it cannot be void now" in text_of(over_htmx)

    plain = client.post(f"/invoices/{invoice.pk}/void/")
    assert plain.status_code == 400
    assert "is paid, so it cannot be void now" in text_of(plain)


def test_the_client_downloads_pays_and_reports_payment(world):
    invoice = make_invoice(world, payment_url="https://pay.example/inv", moves=["send"])
    client = browser(world, "finance")

    page = text_of(client.get(f"/invoices/{invoice.pk}/"))
    assert (
        'href="https://pay.example/inv" target="_blank" rel="noopener noreferrer">Pay now' in page
    )
    assert "Download PDF" in page
    assert "We have paid this invoice" in page
    assert "Mark paid" not in page
    assert "Edit draft" not in page

    pdf = client.get(f"/invoices/{invoice.pk}/pdf/")
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert pdf["Content-Type"] == "application/pdf"

    reported = client.post(
        f"/invoices/{invoice.pk}/report-payment/", {"note": "SEPA ref 42"}, follow=True
    )
    page = text_of(reported)
    assert "Payment reported" in page
    assert "you told us you have paid" in page
    assert "Pay now" not in page  # nothing left to pay while it is checked
    assert "“SEPA ref 42”" in page


def test_a_sent_invoice_cannot_be_edited(world):
    invoice = make_invoice(world, moves=["send"])
    response = browser(world, "owner").get(f"/invoices/{invoice.pk}/edit/", follow=True)
    assert "only drafts can be changed" in text_of(response)


def test_editing_a_draft_keeps_its_lines_and_saves_the_change(world):
    invoice = make_invoice(world)
    client = browser(world, "staff")

    form = text_of(client.get(f"/invoices/{invoice.pk}/edit/"))
    assert 'value="Brand workshop"' in form
    assert 'name="company"' not in form  # the client stays as it is

    data = new_invoice_data(world, number=invoice.number, rows=[("Workshop", "1", "900")])
    data |= {"lines-INITIAL_FORMS": "0"}
    del data["company"]
    response = client.post(f"/invoices/{invoice.pk}/edit/", data)

    assert response.status_code == 302
    with tenant_context(world.acme):
        invoice.refresh_from_db()
        assert str(invoice.total) == "990.000"
