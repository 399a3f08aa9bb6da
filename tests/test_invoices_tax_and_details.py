"""Tax per line at the agency's rates, and the agency's legal details on every invoice.

Rates: each line bears one or none; the tax is worked out per rate on the sum of its lines;
a rate on an invoice is fixed (no change, no delete, only archive). Details: checked (IBAN
check digits, BIC shape), printed on the PDF and shown on the invoice's page to both sides.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.invoices.actions import (
    invoice_create,
    invoice_move,
    invoice_update,
    legal_details_update,
    tax_rate_archive,
    tax_rate_create,
    tax_rate_delete,
    tax_rate_update,
)
from tenant_apps.invoices.models import Invoice, LegalDetails, TaxRate
from tenant_apps.invoices.selectors import invoice_taxes, legal_details
from tests.test_invoices import pdf_text
from tests.test_invoices_api import Api
from tests.test_invoices_pages import HTMX, browser, text_of

IBAN = "DE89 3704 0044 0532 0130 00"  # the standard example, check digits right


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def owner(world):
    return world.personas["owner"].user


def rates(world) -> tuple[TaxRate, TaxRate]:
    with tenant_context(world.acme):
        standard = tax_rate_create(name="VAT", percent=Decimal(20), actor=owner(world))
        reduced = tax_rate_create(name="Reduced", percent=Decimal("5.5"), actor=owner(world))
    return standard, reduced


def mixed_invoice(world, standard, reduced, **fields) -> Invoice:
    """Two lines at the standard rate, one at the reduced rate, one untaxed."""
    with tenant_context(world.acme):
        return invoice_create(
            company=world.northwind,
            number=fields.pop("number", "TAX-1"),
            currency="EUR",
            issue_date=date(2031, 3, 1),
            due_date=date(2031, 3, 31),
            lines=[
                line("Design", 2, 100, standard),
                line("Copy", 1, "0.05", standard),
                line("Books", 3, "9.99", reduced),
                line("Postage", 1, 4, None),
            ],
            actor=owner(world),
            **fields,
        )


def line(description, quantity, unit_price, rate) -> dict:
    return {
        "description": description,
        "quantity": Decimal(quantity),
        "unit_price": Decimal(unit_price),
        "tax_rate": rate,
    }


# Tax per line


def test_tax_is_per_rate_on_the_sum_of_its_lines(world):
    standard, reduced = rates(world)
    invoice = mixed_invoice(world, standard, reduced)

    with tenant_context(world.acme):
        taxes = invoice_taxes(invoice)
        # 20% of 200.05 is 40.01; 5.5% of 29.97 is 1.64835, half up 1.65; postage untaxed.
        assert [(t.label, t.base, t.amount) for t in taxes] == [
            ("Reduced 5.5%", Decimal("29.970"), Decimal("1.65")),
            ("VAT 20%", Decimal("200.050"), Decimal("40.01")),
        ]
        assert (invoice.subtotal, invoice.tax, invoice.total) == (
            Decimal("234.02"),
            Decimal("41.66"),
            Decimal("275.68"),
        )
        assert list(invoice.lines.values_list("tax_percent", flat=True)) == [
            Decimal("20.00"),
            Decimal("20.00"),
            Decimal("5.50"),
            Decimal("0.00"),
        ]
        text = pdf_text(invoice)
    for printed in ("VAT 20%", "Reduced 5.5%", "€40.01", "€1.65", "Tax in all", "€41.66"):
        assert printed in text, printed


def test_the_invoice_page_shows_each_rate_and_the_totals_to_both_sides(world):
    standard, reduced = rates(world)
    invoice = mixed_invoice(world, standard, reduced)
    with tenant_context(world.acme):
        invoice_move(invoice=invoice, move="send", actor=owner(world))
    for persona in ("owner", "finance"):
        page = text_of(browser(world, persona).get(f"/invoices/{invoice.pk}/"))
        for shown in ("Reduced 5.5%", "on €29.97", "€1.65", "VAT 20%", "€40.01", "€275.68"):
            assert shown in page, (persona, shown)


def test_an_archived_rate_is_refused_on_new_lines_but_kept_on_its_drafts(world):
    standard, reduced = rates(world)
    draft = mixed_invoice(world, standard, reduced)
    with tenant_context(world.acme):
        tax_rate_archive(rate=reduced, actor=owner(world))
        before = Invoice.objects.count()
        with pytest.raises(ValidationError) as refused:
            mixed_invoice(world, standard, reduced, number="TAX-2")
        assert "Line 3: Reduced (5.5%) is archived" in str(refused.value.message_dict["lines"])
        assert Invoice.objects.count() == before
        # The draft that bears it can still be changed.
        changed = invoice_update(invoice=draft, notes="Thanks", actor=owner(world))
        assert changed.notes == "Thanks"
        assert changed.total == Decimal("275.68")


def test_a_rate_in_use_is_fixed_and_only_archived(world):
    standard, reduced = rates(world)
    mixed_invoice(world, standard, reduced)
    with tenant_context(world.acme):
        with pytest.raises(ValidationError, match="archive it"):
            tax_rate_delete(rate=standard, actor=owner(world))
        with pytest.raises(ValidationError, match="cannot change"):
            tax_rate_update(rate=standard, percent=Decimal(21), actor=owner(world))
        assert TaxRate.objects.get(pk=standard.pk).percent == Decimal(20)
        unused = tax_rate_create(name="Zero", percent=Decimal(0), actor=owner(world))
        tax_rate_update(rate=unused, name="Exempt", actor=owner(world))
        tax_rate_delete(rate=unused, actor=owner(world))
        assert not TaxRate.objects.filter(pk=unused.pk).exists()
        actions = list(
            ActivityEntry.objects.filter(action__startswith="invoicing.tax_rate")
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == [
            "invoicing.tax_rate_created",
            "invoicing.tax_rate_created",
            "invoicing.tax_rate_created",
            "invoicing.tax_rate_updated",
            "invoicing.tax_rate_deleted",
        ]


def test_the_api_takes_a_rate_per_line_and_refuses_bad_ones(world):
    standard, reduced = rates(world)
    api = Api(world, "staff")
    body = {
        "company": world.northwind.pk,
        "number": "API-TAX-1",
        "currency": "EUR",
        "due_date": "2031-05-31",
        "lines": [
            {
                "description": "Design",
                "quantity": "2",
                "unit_price": "100",
                "tax_rate": standard.pk,
            },
            {"description": "Books", "quantity": "3", "unit_price": "9.99", "tax_rate": reduced.pk},
            {"description": "Postage", "quantity": "1", "unit_price": "4", "tax_rate": None},
        ],
    }
    created = api.post("invoices", body)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["taxes"] == [
        {"name": "Reduced", "percent": "5.50", "base": "29.97", "amount": "1.65"},
        {"name": "VAT", "percent": "20.00", "base": "200.00", "amount": "40.00"},
    ]
    assert data["lines"][0]["tax"] == {"id": standard.pk, "name": "VAT", "percent": "20.00"}
    assert data["lines"][2]["tax"] is None
    assert (data["subtotal"], data["tax"], data["total"]) == ("233.97", "41.65", "275.62")

    with tenant_context(world.acme):
        count = Invoice.objects.count()
    unknown = api.post(
        "invoices",
        body
        | {"number": "API-TAX-2"}
        | {
            "lines": [{"description": "X", "quantity": "1", "unit_price": "1", "tax_rate": 999_999}]
        },
    )
    assert unknown.status_code == 400
    assert "tax_rate" in str(unknown.json()["lines"])
    old_style = api.post("invoices", body | {"number": "API-TAX-3", "tax_rate": "20"})
    assert old_style.status_code == 400
    assert "Tax is per line" in old_style.json()["tax_rate"][0]
    with tenant_context(world.acme):
        assert Invoice.objects.count() == count


def test_the_rates_api_for_the_team_and_its_owners(world):
    owner_api, staff_api = Api(world, "owner"), Api(world, "staff")
    made = owner_api.post("invoicing/tax-rates", {"name": "VAT", "percent": "20"})
    assert made.status_code == 201, made.json()
    rate_id = made.json()["id"]
    again = owner_api.post("invoicing/tax-rates", {"name": "vat", "percent": "19"})
    assert again.status_code == 400
    assert "already" in again.json()["name"][0]
    too_much = owner_api.post("invoicing/tax-rates", {"name": "Silly", "percent": "101"})
    assert too_much.status_code == 400 and "percent" in too_much.json()
    assert staff_api.post("invoicing/tax-rates", {"name": "X", "percent": "1"}).status_code == 403
    assert [rate["name"] for rate in staff_api.get("invoicing/tax-rates").json()] == ["VAT"]

    archived = owner_api.patch(f"invoicing/tax-rates/{rate_id}", {"archived": True})
    assert archived.json()["archived"] is True
    assert staff_api.get("invoicing/tax-rates", {"archived": "false"}).json() == []
    bad = staff_api.get("invoicing/tax-rates", {"archived": "maybe"})
    assert bad.status_code == 400


def test_the_tax_rates_page_adds_archives_and_deletes(world):
    client = browser(world, "admin")
    page = text_of(client.get("/invoices/settings/tax-rates/"))
    assert "No rates yet" in page
    refused = client.post("/invoices/settings/tax-rates/", {"name": "VAT", "percent": "120"})
    assert refused.status_code == 400
    assert "percentage from 0 to 100" in text_of(refused)
    added = client.post("/invoices/settings/tax-rates/", {"name": "VAT", "percent": "20"})
    assert added.status_code == 302
    with tenant_context(world.acme):
        rate = TaxRate.objects.get(name="VAT")
    client.post(f"/invoices/settings/tax-rates/{rate.pk}/archive/")
    page = text_of(client.get("/invoices/settings/tax-rates/"))
    assert "Archived" in page and "Offer again" in page
    client.post(f"/invoices/settings/tax-rates/{rate.pk}/delete/")
    with tenant_context(world.acme):
        assert not TaxRate.objects.filter(pk=rate.pk).exists()


def test_the_new_invoice_form_offers_the_rates_per_line(world):
    _, reduced = rates(world)
    with tenant_context(world.acme):
        tax_rate_archive(rate=reduced, actor=owner(world))
    form = text_of(browser(world, "staff").get("/invoices/new/"))
    assert 'name="lines-0-tax_rate"' in form
    assert "VAT (20%)" in form
    assert "Reduced" not in form  # archived: offered no more


# Legal details


def test_legal_details_are_checked_and_nothing_half_written(world):
    with tenant_context(world.acme):
        with pytest.raises(ValidationError) as refused:
            legal_details_update(
                actor=owner(world),
                company_name="Acme Studio Ltd",
                iban="DE89 3704 0044 0532 0130 01",  # one digit off
                bic="COBA",
                tax_id="GB 123<456",
            )
        errors = refused.value.message_dict
        assert "check digits do not match" in errors["iban"][0]
        assert "8 or 11" in errors["bic"][0]
        assert "letters, digits" in errors["tax_id"][0]
        assert not LegalDetails.objects.exists()
        assert legal_details().company_name == ""

        details = legal_details_update(
            actor=owner(world), company_name="Acme Studio Ltd", iban=IBAN, bic="cobadeffxxx"
        )
        assert (details.iban, details.bic) == ("DE89370400440532013000", "COBADEFFXXX")
        entry = ActivityEntry.objects.get(action="invoicing.legal_details_updated")
        assert entry.changes == {"fields": "bic, company_name, iban"}


def test_legal_details_print_on_the_pdf_and_show_to_the_client(world):
    with tenant_context(world.acme):
        legal_details_update(
            actor=owner(world),
            company_name="Acme Studio Ltd",
            address="1 Long Lane\nLondon EC1A 1AA",
            tax_id="GB123456789",
            bank_name="Northern Bank",
            iban=IBAN,
            bic="COBADEFFXXX",
            payment_terms="Late payments bear interest at 8% a year.",
            payment_days=14,
        )
    standard, reduced = rates(world)
    invoice = mixed_invoice(world, standard, reduced)
    with tenant_context(world.acme):
        text = pdf_text(invoice)
        invoice_move(invoice=invoice, move="send", actor=owner(world))
    for printed in (
        "Acme Studio Ltd",
        "1 Long Lane",
        "Tax ID: GB123456789",
        "Pay by bank transfer",
        "IBAN: DE89 3704 0044 0532 0130 00",
        "BIC: COBADEFFXXX",
        "Reference: TAX-1",
        "Late payments bear interest",
    ):
        assert printed in text, printed
    page = text_of(browser(world, "finance").get(f"/invoices/{invoice.pk}/"))
    for shown in ("Pay by bank transfer", "Acme Studio Ltd", "IBAN: DE89 3704", "Reference: TAX-1"):
        assert shown in page, shown
    # The days to pay set the new invoice's due date.
    form = browser(world, "owner").get("/invoices/new/")
    issue = form.context["form"].initial["issue_date"]
    assert (form.context["form"].initial["due_date"] - issue).days == 14


def test_the_settings_page_and_api_for_owners_and_admins(world):
    client = browser(world, "admin")
    refused = client.post(
        "/invoices/settings/",
        {"company_name": "Acme", "iban": "GB00 0000", "payment_days": "30"},
    )
    assert refused.status_code == 400
    assert "An IBAN is a country code" in text_of(refused)
    saved = client.post(
        "/invoices/settings/",
        {
            "company_name": "Acme Studio Ltd",
            "account_details": "Sort code 12-34-56\nAccount 12345678",
            "payment_days": "30",
        },
    )
    assert saved.status_code == 302
    page = text_of(client.get("/invoices/settings/"))
    assert "Sort code 12-34-56" in page
    assert "Invoicing" in page  # its link in the settings menu

    api = Api(world, "owner")
    assert api.get("invoicing/legal-details").json()["company_name"] == "Acme Studio Ltd"
    bad = api.patch("invoicing/legal-details", {"bic": "12", "payment_days": 400})
    assert bad.status_code == 400
    assert set(bad.json()) == {"payment_days"}  # the serializer refuses first
    bad = api.patch("invoicing/legal-details", {"bic": "12", "iban": "XX"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"bic", "iban"}
    good = api.patch("invoicing/legal-details", {"tax_id": "FR40303265045"})
    assert good.json()["tax_id"] == "FR40303265045"
    assert good.json()["account_details"] == "Sort code 12-34-56\nAccount 12345678"
    assert Api(world, "staff").get("invoicing/legal-details").status_code == 403


# The migration from one rate per invoice


def test_the_migration_gives_existing_lines_their_invoices_rate(world):
    """Runs the data migration's function on a table put back as it was before (the old
    column restored inside the test's transaction, which undoes it)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    module = __import__(
        "tenant_apps.invoices.migrations.0003_tax_rates_per_line_and_legal_details",
        fromlist=["Migration"],
    )
    taxed = make_untaxed(world, "OLD-1")
    untaxed = make_untaxed(world, "OLD-2")
    other = make_untaxed(world, "OLD-3")
    with tenant_context(world.acme):
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks block ALTER
            cursor.execute(
                "ALTER TABLE invoices_invoice ADD COLUMN tax_rate numeric(5, 2) NOT NULL DEFAULT 0"
            )
            cursor.execute(
                "UPDATE invoices_invoice SET tax_rate = %s WHERE id = %s", [20, taxed.pk]
            )
            cursor.execute(
                "UPDATE invoices_invoice SET tax_rate = %s WHERE id = %s", [7.5, other.pk]
            )
        loader = MigrationLoader(connection)
        state = loader.project_state(("invoices", "0002_kinds_exact_money_and_notices"))
        operations = module.Migration.operations
        for operation in operations[: len(operations) - 2]:  # up to the RunPython
            operation.state_forwards("invoices", state)
        module.invoice_rate_onto_lines(state.apps, None)

        made = {rate.name: rate.percent for rate in TaxRate.objects.all()}
        assert made == {"Tax 20%": Decimal(20), "Tax 7.5%": Decimal("7.5")}
        for invoice, expected in ((taxed, "Tax 20%"), (other, "Tax 7.5%"), (untaxed, None)):
            names = {line.tax_rate.name if line.tax_rate else None for line in invoice.lines.all()}
            assert names == {expected}, invoice.number
        # The tax per rate is what the one rate gave: 20% of 999.99, half up.
        assert [t.amount for t in invoice_taxes(taxed)] == [Decimal("200.00")]


def make_untaxed(world, number) -> Invoice:
    with tenant_context(world.acme):
        return invoice_create(
            company=world.northwind,
            number=number,
            currency="EUR",
            issue_date=date(2031, 3, 1),
            due_date=date(2031, 3, 31),
            lines=[
                line("Brand workshop", 2, "450.00", None),
                line("Logo files", 1, "99.99", None),
            ],
            actor=owner(world),
        )


def test_the_totals_preview_counts_a_drafts_archived_rate(world):
    _, reduced = rates(world)
    with tenant_context(world.acme):
        tax_rate_archive(rate=reduced, actor=owner(world))
    data = {
        "currency": "EUR",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Books",
        "lines-0-quantity": "3",
        "lines-0-unit_price": "9.99",
        "lines-0-tax_rate": str(reduced.pk),
    }
    response = browser(world, "owner").post("/invoices/new/totals/", data, headers=HTMX)
    assert "Reduced 5.5%" in text_of(response)
    assert "€31.62" in text_of(response)
