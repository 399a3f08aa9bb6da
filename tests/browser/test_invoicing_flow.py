"""The agency's invoicing settings and an invoice taxed per line, in a real browser.

The owner fills in the invoice details (a mistyped IBAN is caught beside its field), adds a
tax rate, opens the new-invoice form, whose lines each choose a rate, and credits one line
of a sent invoice; the client's finance person opens that invoice, taxed at two rates, and
finds each rate's tax, the totals, the credit note and the agency's bank details. Every
page at 390 and 1280 px: no horizontal scrolling, no axe violations; screenshots go to
docs/screenshots/.

The agency is made for the test and dropped afterwards (restore_agencies), with its files.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.signup.actions import agency_signup
from tenant_apps.files.storage import file_storage
from tenant_apps.invoices.actions import invoice_create, invoice_move, tax_rate_create
from tenant_apps.people.actions import client_company_create, client_member_create
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.conftest import PASSWORD

HOST = "ledger.localhost"
OWNER, FINANCE = "owner@ledger.example", "finance@quay.example"


@pytest.fixture
def ledger(django_db_blocker, restore_agencies):
    """The agency, a client with a finance person, and an invoice sent at two rates."""

    def make():
        signup = agency_signup(
            name="Ledger Studio",
            subdomain="ledger",
            owner_name="Lena Owner",
            owner_email=OWNER,
            owner_password=PASSWORD,
            time_zone="Europe/Paris",
            locale="en-GB",
        )
        owner = signup.owner
        with tenant_context(signup.agency):
            company = client_company_create(name="Quay Foods", actor=owner)
            client_member_create(
                email=FINANCE,
                full_name="Quinn Finance",
                company=company,
                role="finance",
                password_hash=make_password(PASSWORD),
                actor=owner,
            )
            vat = tax_rate_create(name="VAT", percent=Decimal(20), actor=owner)
            reduced = tax_rate_create(name="Reduced rate", percent=Decimal("5.5"), actor=owner)
            invoice = invoice_create(
                company=company,
                number="LS-0001",
                currency="EUR",
                issue_date=date(2031, 3, 1),
                due_date=date(2031, 3, 31),
                lines=[
                    {
                        "description": "Packaging design, three rounds of changes",
                        "quantity": Decimal(2),
                        "unit_price": Decimal(450),
                        "tax_rate": vat,
                    },
                    {
                        "description": "Printed recipe books",
                        "quantity": Decimal(40),
                        "unit_price": Decimal("12.50"),
                        "tax_rate": reduced,
                    },
                    {
                        "description": "Courier",
                        "quantity": Decimal(1),
                        "unit_price": Decimal(18),
                        "tax_rate": None,
                    },
                ],
                actor=owner,
            )
            invoice_move(invoice=invoice, move="send", actor=owner)
        return invoice.pk

    invoice_id = _with_database(django_db_blocker, make)
    yield invoice_id

    def forget_files():
        storage = file_storage()
        for key, _ in storage.listing(Agency.objects.get(subdomain="ledger").schema_name):
            storage.delete(key)

    _with_database(django_db_blocker, forget_files)


def sign_in(page, live_url, email):
    page.goto(live_url(HOST, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_invoice_details_tax_rates_and_a_taxed_invoice(new_page, live_url, ledger):
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_url, OWNER)

    page.goto(live_url(HOST, "/"))
    page.get_by_role("link", name="Invoicing").first.click()
    expect(page.get_by_role("heading", name="Invoice details")).to_be_visible()
    page.get_by_label("Company name").fill("Ledger Studio SAS")
    page.get_by_label("Address").fill("12 rue des Arts\n75003 Paris")
    page.get_by_label("Tax ID").fill("FR40303265045")
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 188")  # one digit off
    page.get_by_role("button", name="Save invoice details").click()
    expect(page.get_by_text("check digits do not match")).to_be_visible()
    check_page(page, "invoicing-details-refused")

    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_label("BIC / SWIFT").fill("AGRIFRPP")
    page.get_by_label("Payment terms").fill("Late payment: interest at three times the legal rate.")
    page.get_by_role("button", name="Save invoice details").click()
    expect(page.get_by_text("Invoice details saved.")).to_be_visible()
    check_page(page, "invoicing-details")

    page.get_by_role("link", name="Tax rates").click()
    page.get_by_label("Name").fill("Super-reduced")
    page.get_by_label("Rate (%)").fill("2.1")
    page.get_by_role("button", name="Add rate").click()
    expect(page.get_by_text("Super-reduced (2.1%) added")).to_be_visible()
    rows = page.locator("table.tax-rates tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="VAT")).to_contain_text("1 line")
    check_page(page, "invoicing-tax-rates")

    page.goto(live_url(HOST, "/invoices/new/"))
    first_tax = page.locator('select[name="lines-0-tax_rate"]')
    expect(first_tax.locator("option")).to_have_count(4)  # no tax and the three rates
    page.locator('[name="lines-0-description"]').fill("Menu photography")
    page.locator('[name="lines-0-unit_price"]').fill("300")
    first_tax.select_option(label="VAT (20%)")
    expect(page.locator("#line-summary")).to_contain_text("VAT 20%")
    expect(page.locator("#line-summary")).to_contain_text("€360.00")
    check_page(page, "invoice-new-taxed")

    # The courier never came: the owner credits that line.
    page.goto(live_url(HOST, f"/invoices/{ledger}/"))
    page.get_by_text("Issue a credit note").click()
    page.get_by_label("Some lines").check()
    page.get_by_label("3. Courier").check()
    page.get_by_label("Reason").fill("The courier never came.")
    check_page(page, "invoice-credit-form")
    page.get_by_role("button", name="Issue credit note").click()
    expect(page.get_by_text("Credit note CN-0001 issued.")).to_be_visible()
    credits = page.locator("#credit-notes")
    expect(credits).to_contain_text("€18.00")
    expect(credits).to_contain_text("€1,607.50")  # after credits
    check_page(page, "invoice-credited-team")

    client = new_page()
    client.set_viewport_size({"width": 390, "height": 844})
    sign_in(client, live_url, FINANCE)
    client.goto(live_url(HOST, f"/invoices/{ledger}/"))
    main = client.locator("main")
    # 900 at 20% (180.00) and 500 at 5.5% (27.50); courier untaxed: 1,418.00 + 207.50.
    for shown in (
        "Reduced rate 5.5%",
        "€27.50",
        "VAT 20%",
        "€180.00",
        "Tax in all",
        "€207.50",
        "€1,625.50",
        "Pay by bank transfer",
        "IBAN: FR76 3000 6000 0112 3456 7890 189",
        "Reference: LS-0001",
        "Ledger Studio SAS",
        "CN-0001",
        "The courier never came.",
        "€1,607.50",
    ):
        expect(main).to_contain_text(shown)
    expect(main.get_by_role("link", name="Download CN-0001 (PDF)")).to_be_visible()
    check_page(client, "invoice-taxed-client")
