"""The invoices API: creating (JSON lines or a PDF), bad input that saves nothing, status
changes, who sees which invoice, downloads, changing drafts, query counts and the schema."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenant_apps.files.models import StoredFile
from tenant_apps.invoices.models import Invoice, InvoiceStatus
from tests.access_matrix import PERSONAS
from tests.conftest import host_client
from tests.people_support import ACME, api_client
from tests.routes_invoices import MORE_CASES, make_invoice, tax_rate
from tests.test_access_matrix import TENANT_URLCONF, check

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("label", sorted(MORE_CASES))
def test_more_access_cases(world, label, persona):
    name, case = MORE_CASES[label]
    check(world, TENANT_URLCONF, ACME, name, case, persona)


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


class Api:
    """acme's API as one persona."""

    def __init__(self, world, persona):
        self.client, self.headers = api_client(world, persona)

    def get(self, path, params=None):
        return self.client.get(f"/api/v1/{path}", params or {}, **self.headers)

    def post(self, path, data=None):
        return self.client.post(
            f"/api/v1/{path}", data or {}, content_type="application/json", **self.headers
        )

    def upload(self, path, data):
        return self.client.post(f"/api/v1/{path}", data, **self.headers)  # multipart

    def patch(self, path, data):
        return self.client.patch(
            f"/api/v1/{path}", data, content_type="application/json", **self.headers
        )


@pytest.fixture
def as_(world):
    """``as_("staff")``: the API as that persona, signed in once per test."""
    made = {}

    def persona(key) -> Api:
        if key not in made:
            made[key] = Api(world, key)
        return made[key]

    return persona


def built(world, *, rate="20", **overrides) -> dict:
    """A built invoice's fields; every line bears acme's tax rate of ``rate`` percent."""
    with tenant_context(world.acme):
        rate_id = tax_rate(Decimal(rate)).pk
    lines = overrides.pop(
        "lines",
        [
            {"description": "Design sprint", "quantity": "3", "unit_price": "333.335"},
            {"description": "Hosting", "quantity": "1", "unit_price": "20"},
        ],
    )
    return {
        "company": world.northwind.pk,
        "number": "API-0001",
        "currency": "EUR",
        "issue_date": "2031-05-01",
        "due_date": "2031-05-31",
        "payment_url": "https://pay.example/api-0001",
        "lines": [{"tax_rate": rate_id} | line for line in lines],
    } | overrides


def uploaded(world, **overrides) -> dict:
    return {
        "company": world.northwind.pk,
        "number": "API-UP-1",
        "currency": "EUR",
        "due_date": "2031-05-31",
        "subtotal": "500.00",
        "tax": "105.00",
        "pdf": SimpleUploadedFile("march.pdf", PDF, content_type="application/pdf"),
    } | overrides


def saved(world) -> tuple[int, int]:
    with tenant_context(world.acme):
        return Invoice.objects.count(), StoredFile.objects.count()


# Creating


def test_the_team_creates_an_invoice_from_lines_with_totals_to_the_cent(world, as_):
    response = as_("staff").post("invoices", built(world))

    assert response.status_code == 201, response.json()
    body = response.json()
    # 3 x 333.335 = 1000.005, which rounds half up to 1000.01; + 20.00; tax 20%.
    assert (body["subtotal"], body["tax"], body["total"]) == ("1020.01", "204.00", "1224.01")
    assert [line["amount"] for line in body["lines"]] == ["1000.01", "20.00"]
    assert (body["status"], body["kind"], body["company"]["name"]) == (
        "draft",
        "built",
        "Northwind",
    )
    assert body["moves"] == ["send", "void"]
    assert response["Location"] == f"/api/v1/invoices/{body['id']}"

    pdf = as_("staff").client.get(body["pdf_url"], **as_("staff").headers)
    assert pdf.status_code == 200
    assert pdf["Content-Disposition"].startswith('attachment; filename="Invoice API-0001.pdf"')
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_amounts_in_a_currency_without_decimals_have_none(world, as_):
    lines = [{"description": "Yen", "quantity": "3", "unit_price": "333.5"}]
    body = as_("owner").post("invoices", built(world, currency="jpy", lines=lines, rate="10"))
    assert body.status_code == 201, body.json()
    body = body.json()
    assert (body["currency"], body["subtotal"], body["tax"], body["total"]) == (
        "JPY",
        "1001",
        "100",
        "1101",
    )


def test_the_team_uploads_a_pdf_invoice_with_its_amounts(world, as_):
    response = as_("admin").upload("invoices", uploaded(world))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["total"], body["lines"]) == ("uploaded", "605.00", [])
    download = as_("admin").get(f"invoices/{body['id']}/pdf")
    assert b"".join(download.streaming_content) == PDF


REFUSED = {
    "duplicate number": ({"number": "api-taken"}, "number", "already used"),
    "due before issue": ({"due_date": "2031-04-30"}, "due_date", "before the issue date"),
    "no lines": ({"lines": []}, "lines", "at least one line"),
    "zero quantity": (
        {"lines": [{"description": "Nothing", "quantity": "0", "unit_price": "5"}]},
        "lines",
        "more than zero",
    ),
    "negative quantity": (
        {"lines": [{"description": "Minus", "quantity": "-2", "unit_price": "5"}]},
        "lines",
        "more than zero",
    ),
    "unknown currency": ({"currency": "EURO"}, "currency", '"EURO" is not a currency we know'),
    "made-up currency": ({"currency": "ABC"}, "currency", "not a currency we know"),
    "http payment link": ({"payment_url": "http://pay.example"}, "payment_url", "https://"),
    "another agency's company": ({"company": 999_999}, "company", "does not exist"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(world, as_, case):
    make_invoice(world, number="API-TAKEN")
    before = saved(world)
    fields, field, words = REFUSED[case]

    response = as_("owner").post("invoices", built(world, **fields))

    assert response.status_code == 400
    assert words in str(response.json()[field]), response.json()
    assert saved(world) == before


def test_an_upload_that_is_not_a_pdf_is_refused_and_leaves_no_file(world, as_):
    before = saved(world)
    png = SimpleUploadedFile("invoice.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 32)

    response = as_("owner").upload("invoices", uploaded(world, pdf=png))

    assert response.status_code == 400
    assert "PNG image, which does not match .pdf" in response.json()["pdf"][0]
    assert saved(world) == before


def test_staff_create_invoices_only_for_their_companies_and_clients_not_at_all(world, as_):
    response = as_("staff").post("invoices", built(world, company=world.southwind.pk))
    assert response.status_code == 400
    assert "does not exist" in response.json()["company"][0]
    assert as_("client_admin").post("invoices", built(world)).status_code == 403
    assert as_("staff").get("invoices/next-number").json() == {"number": "INV-0001"}


# Status changes


def test_status_changes_follow_the_table_and_refuse_with_the_reason(world, as_):
    invoice_id = as_("owner").post("invoices", built(world)).json()["id"]

    assert as_("owner").post(f"invoices/{invoice_id}/mark-paid").status_code == 400
    sent = as_("owner").post(f"invoices/{invoice_id}/send")
    assert (sent.status_code, sent.json()["status"]) == (200, "sent")
    again = as_("owner").post(f"invoices/{invoice_id}/send")
    assert again.status_code == 400
    assert again.json()["status"] == ["Invoice API-0001 is sent, so it cannot be sent now."]

    # The client sees it now, may say it is paid, but may not mark it paid.
    finance = as_("finance")
    assert finance.get(f"invoices/{invoice_id}").json()["moves"] == ["report-payment"]
    assert finance.post(f"invoices/{invoice_id}/mark-paid").status_code == 403
    reported = finance.post(f"invoices/{invoice_id}/report-payment", {"note": "Paid via SEPA"})
    assert reported.json()["status"] == InvoiceStatus.PENDING_PAYMENT

    paid = as_("staff").post(f"invoices/{invoice_id}/mark-paid", {"note": "Arrived 2 June"})
    assert (paid.json()["status"], paid.json()["moves"]) == ("paid", [])
    assert paid.json()["paid_at"] is not None
    assert as_("owner").post(f"invoices/{invoice_id}/void").status_code == 400


# Who sees what


def test_finance_and_client_admins_see_their_companys_sent_invoices_only(world, as_):
    draft = make_invoice(world)
    sent = make_invoice(world, moves=["send"])
    theirs = make_invoice(world, company=world.southwind, moves=["send"])

    def listed(persona) -> set[int]:
        response = as_(persona).get("invoices")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert listed("finance") == listed("client_admin") == {sent.pk}
    assert listed("approver") == listed("viewer") == set()
    assert listed("other_company") == {theirs.pk}
    assert listed("staff") == {draft.pk, sent.pk}
    assert listed("owner") == {draft.pk, sent.pk, theirs.pk}
    for persona in ["approver", "viewer", "other_company"]:
        assert as_(persona).get(f"invoices/{sent.pk}").status_code == 404
        assert as_(persona).get(f"invoices/{sent.pk}/pdf").status_code == 404
    assert as_("finance").get(f"invoices/{draft.pk}").status_code == 404


def test_the_list_filters_by_status_and_client(world, as_):
    paid = make_invoice(world, moves=["send", "mark_paid"])
    unpaid = make_invoice(world, moves=["send"])
    southwind = make_invoice(world, company=world.southwind, moves=["send"])
    owner = as_("owner")

    def ids(params) -> list[int]:
        return sorted(row["id"] for row in owner.get("invoices", params).json()["results"])

    assert ids({"status": "paid"}) == [paid.pk]
    assert ids({"status": "unpaid"}) == sorted([unpaid.pk, southwind.pk])
    assert ids({"company": world.southwind.pk}) == [southwind.pk]
    assert ids({"q": unpaid.number.lower()}) == [unpaid.pk]
    wrong = owner.get("invoices", {"status": "lost"})
    assert wrong.status_code == 400
    assert "lost" in wrong.json()["status"][0]


def test_listing_runs_the_same_queries_for_10_invoices_as_for_40(world, as_):
    client = as_("staff")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("invoices").status_code == 200
        return len(captured.captured_queries)

    for _ in range(10):
        make_invoice(world, moves=["send"])
    queries()  # warms the schema switch and caches
    at_10 = queries()
    for _ in range(30):
        make_invoice(world, moves=["send"])
    # The actor (with staff's assigned companies) and one page of invoices with their
    # companies; the moves each row offers come from the rows, not from more queries.
    assert queries() == at_10


# Changing a draft


def test_a_draft_changes_all_or_nothing_and_a_sent_one_not_at_all(world, as_):
    created = as_("owner").post("invoices", built(world)).json()
    with tenant_context(world.acme):
        old_pdf = Invoice.objects.get(pk=created["id"]).pdf_id

    lines = [{"description": "One day", "quantity": "1", "unit_price": "800"}]
    changed = as_("owner").patch(f"invoices/{created['id']}", {"lines": lines})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["total"] == "800.00"
    with tenant_context(world.acme):
        assert Invoice.objects.get(pk=created["id"]).pdf_id != old_pdf
        assert not StoredFile.objects.filter(pk=old_pdf).exists()

    mixed = as_("owner").patch(
        f"invoices/{created['id']}", {"notes": "x", "due_date": "2031-01-01"}
    )
    assert mixed.status_code == 400
    assert "before the issue date" in mixed.json()["due_date"][0]
    wrong_kind = as_("owner").patch(f"invoices/{created['id']}", {"subtotal": "5"})
    assert wrong_kind.json() == {"subtotal": ["Built from lines invoices have no subtotal."]}

    as_("owner").post(f"invoices/{created['id']}/send")
    final = as_("owner").patch(f"invoices/{created['id']}", {"notes": "late"})
    assert final.status_code == 400
    assert "only drafts can be changed" in str(final.json())
    assert as_("owner").get(f"invoices/{created['id']}").json()["notes"] == ""


def test_the_schema_documents_the_invoices_api(world):
    schema = host_client(ACME).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in [
        "/api/v1/invoices",
        "/api/v1/invoices/next-number",
        "/api/v1/invoices/{invoice_id}",
        "/api/v1/invoices/{invoice_id}/pdf",
        "/api/v1/invoices/{invoice_id}/send",
        "/api/v1/invoices/{invoice_id}/mark-paid",
        "/api/v1/invoices/{invoice_id}/void",
        "/api/v1/invoices/{invoice_id}/report-payment",
        "/api/v1/invoices/{invoice_id}/payment-missing",
        "/api/v1/invoices/{invoice_id}/credit-notes",
        "/api/v1/invoices/{invoice_id}/credit-notes/{note_id}/pdf",
        "/api/v1/invoicing/legal-details",
        "/api/v1/invoicing/tax-rates",
        "/api/v1/invoicing/tax-rates/{rate_id}",
    ]:
        assert path in paths
    create = paths["/api/v1/invoices"]["post"]["requestBody"]["content"]
    assert set(create) == {"application/json", "multipart/form-data"}
    assert (
        "application/pdf"
        in paths["/api/v1/invoices/{invoice_id}/pdf"]["get"]["responses"]["200"]["content"]
    )
