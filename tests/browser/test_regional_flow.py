"""Time and money as the reader writes them, in a real browser: an agency in Tokyo that writes
English as in Germany (en-DE); its client's finance person, in a browser set to en-GB and
Tokyo, sees the dashboard and an invoice with amounts as "1.199,99 €", dates day first, and
times in JST; the owner changes the agency's zone on the regional settings page. At 390 and
1280 px: no horizontal scrolling, no axe violations; screenshots go to docs/screenshots/.

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

HOST = "kyoto.localhost"
OWNER, FINANCE = "owner@kyoto.example", "finance@harbour.example"
NBSP = "\xa0"
BROWSER = {"locale": "en-GB", "timezone_id": "Asia/Tokyo"}
LINES = [
    {"description": "Design", "quantity": Decimal(2), "unit_price": Decimal(450)},
    {"description": "Fonts", "quantity": Decimal(1), "unit_price": Decimal("99.99")},
]


@pytest.fixture
def kyoto(django_db_blocker, restore_agencies):
    """The agency, a client company with a finance person, and an invoice sent to them."""

    def make():
        signup = agency_signup(
            name="Kyoto Studio",
            subdomain="kyoto",
            owner_name="Kyoto Owner",
            owner_email=OWNER,
            owner_password=PASSWORD,
            time_zone="Asia/Tokyo",
            locale="en-DE",
        )
        with tenant_context(signup.agency):
            company = client_company_create(name="Harbour", actor=signup.owner)
            client_member_create(
                email=FINANCE,
                full_name="Hana Finance",
                company=company,
                role="finance",
                password_hash=make_password(PASSWORD),
                actor=signup.owner,
            )
            vat = tax_rate_create(name="VAT", percent=Decimal(20), actor=signup.owner)
            invoice = invoice_create(
                company=company,
                number="KY-001",
                currency="EUR",
                issue_date=date(2031, 3, 1),
                due_date=date(2031, 3, 31),
                lines=[line | {"tax_rate": vat} for line in LINES],
                actor=signup.owner,
            )
            invoice_move(invoice=invoice, move="send", actor=signup.owner)
        return invoice.pk

    invoice_id = _with_database(django_db_blocker, make)
    yield invoice_id

    def forget_files():
        storage = file_storage()
        for key, _ in storage.listing(Agency.objects.get(subdomain="kyoto").schema_name):
            storage.delete(key)

    _with_database(django_db_blocker, forget_files)


def sign_in(page, live_url, email):
    page.goto(live_url(HOST, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_money_dates_and_times_as_the_agency_writes_them(new_page, live_url, kyoto):
    # One agency for both parts: making it claims a spare schema, and refilling takes long.
    for width in (390, 1280):
        a_client_sees_them(new_page, live_url, kyoto, width)
    the_owner_moves_the_agency(new_page, live_url)


def a_client_sees_them(new_page, live_url, kyoto, width):
    page = new_page(**BROWSER)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_url, FINANCE)
    assert page.locator("html").get_attribute("lang") == "en-de"
    payments = page.locator("section", has=page.get_by_role("heading", name="Payments"))
    expect(payments).to_contain_text(f"1.199,99{NBSP}€ outstanding")
    expect(payments).to_contain_text("31 Mar 2031")  # day first, as the browser's inputs are
    check_page(page, "regional-dashboard", widths=(width,))

    page.goto(live_url(HOST, f"/invoices/{kyoto}/"))
    main = page.locator("main")
    for shown in (f"1.199,99{NBSP}€", f"900,00{NBSP}€", f"99,99{NBSP}€", "31 Mar 2031"):
        expect(main).to_contain_text(shown)
    expect(main).not_to_contain_text("EUR 1")
    check_page(page, "regional-invoice", widths=(width,))


def the_owner_moves_the_agency(new_page, live_url):
    page = new_page(**BROWSER)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_url, OWNER)
    page.goto(live_url(HOST, "/settings/regional/"))
    example = page.locator("section", has=page.get_by_role("heading", name="As you see it now"))
    expect(example).to_contain_text(" JST")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Save regional settings").click()
    expect(page.get_by_text("Regional settings saved.")).to_be_visible()
    expect(example).to_contain_text(" CET")
    check_page(page, "regional-settings", widths=(1280,))

    # Dates are typed in the order the pages write them (en-DE: day first), not the browser's.
    page.goto(live_url(HOST, "/invoices/new/"))
    due = page.get_by_label("Due date")
    assert due.get_attribute("placeholder") == "dd/mm/yyyy"
    due.fill("31/03/2031")
    assert due.input_value() == "31/03/2031"
