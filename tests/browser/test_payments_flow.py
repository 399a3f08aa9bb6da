"""Getting paid online, end to end: acme's owner connects Stripe (the stand-in's onboarding),
Northwind's finance person pays a sent invoice on the stand-in's Checkout page, the signed
events reach the webhook and mark it paid, both sides see it, and a refund shows.

Payments need Stripe keys: this runs on the billing flow's server, pointed at the stand-in,
which posts its events to that server's webhook as Stripe does.
"""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from billing.models import ConnectedAccount
from shared_apps.accounts.models import User
from tenant_apps.invoices.actions import invoice_create, invoice_move
from tenant_apps.invoices.models import Invoice
from tenant_apps.payments.models import Payment, PaymentSettings
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.browser.test_billing_flow import billing_url, forget_events, stripe_standin
from tests.conftest import PASSWORD
from tests.processes import wait_until

__all__ = ["billing_url", "forget_events", "stripe_standin"]  # fixtures

ACME = "acme.localhost"


def acme() -> Agency:
    return Agency.objects.get(subdomain="acme")


@pytest.fixture
def sent_invoice(django_db_blocker):
    """A sent Northwind invoice of acme's; it, its payments and acme's Stripe account go after."""

    def make():
        with tenant_context(acme()):
            owner = User.objects.get(email="owner@acme.example")
            invoice = invoice_create(
                company=ClientCompany.objects.get(name="Northwind"),
                number=f"PAY-{uuid.uuid4().hex[:8]}",
                currency="EUR",
                issue_date=date(2031, 3, 1),
                due_date=date(2031, 3, 31),
                lines=[
                    {
                        "description": "Brand workshop",
                        "quantity": Decimal(2),
                        "unit_price": Decimal("450.00"),
                    }
                ],
                actor=owner,
            )
            return invoice_move(invoice=invoice, move="send", actor=owner).pk

    def remove():
        with tenant_context(acme()):
            Payment.objects.filter(invoice_id=invoice_id).delete()
            Invoice.objects.filter(pk=invoice_id).delete()
            PaymentSettings.objects.all().delete()
        ConnectedAccount.objects.filter(agency=acme()).delete()

    invoice_id = _with_database(django_db_blocker, make)
    yield invoice_id
    _with_database(django_db_blocker, remove)


def sign_in(page, url, email):
    page.goto(url(ACME, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_the_owner_connects_stripe_and_the_client_pays_online(
    new_page, billing_url, stripe_standin, sent_invoice, forget_events
):
    invoice_path = f"/invoices/{sent_invoice}/"
    owner = new_page()
    sign_in(owner, billing_url, "owner@acme.example")

    # The owner connects the agency's own Stripe account.
    owner.goto(billing_url(ACME, "/settings/payments/"))
    account = owner.locator("#stripe-account")
    expect(account).to_contain_text("Not connected")
    check_page(owner, "payments-settings")
    owner.get_by_role("button", name="Connect Stripe").click()
    expect(owner.get_by_role("heading", name="Stand-in Connect onboarding")).to_be_visible()
    owner.get_by_role("button", name="Submit details").click()
    expect(owner).to_have_url(billing_url(ACME, "/settings/payments/"))
    expect(owner.locator(".messages")).to_contain_text("Stripe account: charges enabled.")
    expect(account).to_contain_text("Charges enabled")
    check_page(owner, "payments-settings-connected")

    # Northwind's finance person pays the invoice on Stripe's Checkout page.
    client = new_page()
    sign_in(client, billing_url, "finance@northwind.example")
    client.goto(billing_url(ACME, invoice_path))
    pay = client.get_by_role("button", name="Pay €900.00 online")
    expect(pay).to_be_visible()
    check_page(client, "invoice-pay")
    pay.click()
    expect(client.get_by_role("heading", name="Stand-in Checkout")).to_be_visible()
    client.get_by_role("button", name="Pay").click()

    # Back on the invoice: Stripe's events reached the webhook, which marked it paid.
    expect(client).to_have_url(billing_url(ACME, invoice_path))
    expect(client.locator(".messages")).to_contain_text("Paid: thank you.")
    expect(client.locator("#invoice-status")).to_have_text("Paid")
    payments = client.locator("#payments")
    expect(payments).to_contain_text("Paid")
    expect(payments.get_by_role("link", name="Receipt")).to_be_visible()
    check_page(client, "invoice-paid-online")
    with client.expect_download() as receipt:
        payments.get_by_role("link", name="Receipt").click()
    name = receipt.value.suggested_filename
    assert name.startswith("Receipt PAY-") and name.endswith(".pdf"), name
    assert [kind for kind, status in stripe_standin.deliveries if status == 200] == [
        "account.updated",
        "checkout.session.completed",
        "payment_intent.succeeded",
    ]

    # The team sees it too.
    owner.goto(billing_url(ACME, invoice_path))
    expect(owner.locator("#invoice-status")).to_have_text("Paid")
    expect(owner.locator("#payments")).to_contain_text("€900.00")
    history = owner.locator("#invoice-history")
    expect(history).to_contain_text("Marked paid: “Paid online through Stripe”")

    # The owner refunds part of it through Stripe; Stripe's event makes it show.
    owner.get_by_text("Refund the €900.00 paid").click()
    owner.get_by_label("Amount to refund (EUR)").fill("100")
    check_page(owner, "invoice-refund-form")
    owner.get_by_role("button", name="Refund through Stripe").click()
    expect(owner.locator(".messages")).to_contain_text("Refund of €100.00 asked for")
    wait_until(lambda: ("charge.refunded", 200) in stripe_standin.deliveries)
    for page in (client, owner):
        page.reload()
        expect(page.locator("#payments")).to_contain_text("(€100.00 refunded)")

    # Later the agency refunds the rest from its own Stripe dashboard.
    intent = next(iter(stripe_standin.payment_intents))
    assert stripe_standin.deliver(stripe_standin.refund(intent)) == [200]
    for page in (client, owner):
        page.reload()
        expect(page.locator("#payments")).to_contain_text("Refunded")
    check_page(client, "invoice-refunded")
    owner.goto(billing_url(ACME, "/activity/workspace/"))
    expect(owner.locator("main")).to_contain_text("Stripe refunded a payment of €900.00")
    expect(owner.locator("main")).to_contain_text("Acme Owner asked Stripe to refund")


def connect_stripe(owner, url):
    owner.goto(url(ACME, "/settings/payments/"))
    owner.get_by_role("button", name="Connect Stripe").click()
    owner.get_by_role("button", name="Submit details").click()
    expect(owner.locator("#stripe-account")).to_contain_text("Charges enabled")


def test_a_client_pays_part_of_an_invoice_and_the_rest_stays_due(
    new_page, billing_url, stripe_standin, sent_invoice, forget_events
):
    invoice_path = f"/invoices/{sent_invoice}/"
    owner = new_page()
    sign_in(owner, billing_url, "owner@acme.example")
    connect_stripe(owner, billing_url)
    owner.get_by_label("Clients may pay part of an invoice").check()
    owner.get_by_label("SEPA Direct Debit, for EUR invoices").check()
    owner.get_by_role("button", name="Save payment settings").click()
    expect(owner.locator(".messages")).to_contain_text("Payment settings saved.")

    client = new_page()
    sign_in(client, billing_url, "finance@northwind.example")
    client.goto(billing_url(ACME, invoice_path))
    amount = client.get_by_label("Amount to pay (EUR)")
    amount.fill("1000")
    client.get_by_role("button", name="Pay online").click()
    # Over the due: the pay page says so beside the field, and nothing went to Stripe.
    expect(client.get_by_role("heading", name="Pay invoice")).to_be_visible()
    expect(client.locator(".has-error")).to_contain_text("That is more than the €900.00 due.")
    check_page(client, "invoice-pay-error")
    client.get_by_label("Amount to pay (EUR)").fill("250")
    client.get_by_role("button", name="Pay online").click()
    expect(client.get_by_role("heading", name="Stand-in Checkout")).to_be_visible()
    client.get_by_role("button", name="Pay").click()

    expect(client).to_have_url(billing_url(ACME, invoice_path))
    expect(client.locator("#invoice-status")).to_have_text("Sent")  # the rest is still due
    expect(client.locator("#amount-due")).to_have_text("€650.00")
    expect(client.get_by_label("Amount to pay (EUR)")).to_have_attribute("placeholder", "650.00")
    check_page(client, "invoice-part-paid")
    session = list(stripe_standin.sessions.values())[-1]
    assert session["payment_method_types"] == ["card", "sepa_debit"]
