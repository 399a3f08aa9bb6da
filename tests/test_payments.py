"""Clients pay invoices online through the agency's connected Stripe account.

Everything runs against the Stripe stand-in (tests/stripe_standin.py) through the real
stripe library: the agency connects an account, a client opens Checkout on it, and the
events the stand-in makes are signed and posted to the platform's one webhook, which
re-reads the payment from the stand-in before it changes anything.
"""

import re
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from billing import connect, stripe_api
from billing.models import ConnectedAccount, StripeEvent
from billing.tasks import connect_accounts_refresh
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.invoices.actions import credit_note_create
from tenant_apps.invoices.models import Invoice, InvoiceStatus
from tenant_apps.notifications.models import Notification
from tenant_apps.payments.actions import payment_checkout_start, payment_settings_update
from tenant_apps.payments.models import Method, Payment, PaymentSettings, PaymentStatus
from tenant_apps.payments.selectors import account_state, amount_due
from tests import notifications_fixtures
from tests import stripe_standin as standin
from tests.conftest import host_client, signed_in_client
from tests.people_support import api_client
from tests.routes_invoices import make_invoice
from tests.stripe_standin import signed

stripe_standin, billing_on = standin.stripe_standin, standin.billing_on  # fixtures
tasks_inline = notifications_fixtures.tasks_inline  # fixture

WEBHOOK = "/billing/stripe-webhook"
HOST = "acme.localhost"


def post(event: dict):
    body, header = signed(event)
    return host_client("localhost").post(
        WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def deliver(events: list[dict]) -> list[str]:
    outcomes = []
    for event in events:
        response = post(event)
        assert response.status_code == 200, response.content
        outcomes.append(response.json()["outcome"])
    return outcomes


def connected(world, standin_, agency=None, *, enabled=True, reason=None) -> ConnectedAccount:
    """The agency's Stripe account, connected and read back from the stand-in."""
    agency = agency or world.acme
    account = connect.account_ensure(agency=agency, email="owner@acme.example")
    standin_.account_change(account.stripe_account_id, enabled=enabled, reason=reason)
    return connect.account_sync(agency=agency)


def sent_invoice(world, **fields) -> Invoice:
    # 2 x 450.00 + 99.99, and 20% tax: 1199.99 EUR in all.
    return make_invoice(world, moves=["send"], **fields)


def client_pays(world, invoice, persona="finance", amount=None) -> tuple[Payment, str]:
    with tenant_context(world.acme):
        return payment_checkout_start(
            invoice=invoice,
            amount=amount,
            actor=world.personas[persona].user,
            success_url="http://acme.localhost/invoices/1/pay/return/?session_id={CHECKOUT_SESSION_ID}",
            cancel_url="http://acme.localhost/invoices/1/pay/return/?cancelled=1",
        )


def session_of(payment: Payment, standin_) -> dict:
    return standin_.sessions[payment.stripe_checkout_session_id]


def fresh(world, model, pk):
    with tenant_context(world.acme):
        return model.objects.get(pk=pk)


def text_of(response) -> str:
    """The page's words, without its markup (links are words within a sentence)."""
    html = re.sub(r"</?a\b[^>]*>", "", response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def entries(world, action: str) -> list[ActivityEntry]:
    with tenant_context(world.acme):
        return list(ActivityEntry.objects.filter(action=action).order_by("id"))


# The stand-in speaks Connect to the real stripe library


def test_the_stand_in_keeps_connected_accounts_and_their_objects_apart(world, billing_on):
    account = connect.account_ensure(agency=world.acme, email="owner@acme.example")
    again = connect.account_ensure(agency=world.acme, email="owner@acme.example")
    assert again.pk == account.pk
    assert len(billing_on.accounts) == 1  # one account, whatever the tries
    fetched = stripe_api.account(account.stripe_account_id)
    assert (fetched["charges_enabled"], fetched["details_submitted"]) == (False, False)
    assert fetched["requirements"]["disabled_reason"] == "requirements.past_due"
    link = stripe_api.account_link_create(
        account_id=account.stripe_account_id, refresh_url="http://x/r", return_url="http://x/b"
    )
    assert link["url"].startswith(f"{billing_on.url}/connect/")

    connected(world, billing_on)
    payment, _ = client_pays(world, sent_invoice(world))
    [call] = billing_on.calls("POST", "/v1/checkout/sessions")
    assert call.account == account.stripe_account_id
    # Another account cannot read it.
    other = stripe_api.account_create(agency=world.globex, email="", account_type="express")
    with pytest.raises(stripe_api.StripeNotFound):
        stripe_api.connected_checkout_session(other["id"], payment.stripe_checkout_session_id)
    assert (
        stripe_api.connected_checkout_session(
            account.stripe_account_id, payment.stripe_checkout_session_id
        )["id"]
        == payment.stripe_checkout_session_id
    )


# Onboarding and the account's state


def test_the_owner_connects_and_sees_the_state_stripe_reports(world, billing_on):
    owner = signed_in_client(world.personas["owner"])
    page = owner.get("/settings/payments/")
    assert page.status_code == 200
    assert "Not connected" in page.content.decode()
    assert "Connect Stripe" in page.content.decode()

    leaving = owner.post("/settings/payments/connect/")
    assert leaving.status_code == 302
    assert leaving["Location"].startswith(f"{billing_on.url}/connect/")
    [link] = billing_on.calls("POST", "/v1/account_links")
    assert link.params["return_url"] == "http://acme.localhost/settings/payments/return/"
    assert account_state(world.acme).state == "pending"
    assert "Onboarding not finished" in owner.get("/settings/payments/").content.decode()

    account = ConnectedAccount.objects.get(agency=world.acme)
    # Stripe verified it: account.updated arrives, naming the account.
    assert deliver([billing_on.account_change(account.stripe_account_id)]) == ["handled"]
    assert account_state(world.acme).state == "enabled"
    assert "Charges enabled" in owner.get("/settings/payments/").content.decode()
    [changed] = entries(world, "payments.account_changed")
    assert changed.changes["charges_enabled"] == [False, True]

    # Later Stripe restricts it, and says why.
    event = billing_on.account_change(
        account.stripe_account_id, enabled=False, reason="rejected.terms_of_service"
    )
    deliver([event])
    state = account_state(world.acme)
    assert (state.state, state.reason) == (
        "restricted",
        "Stripe rejected the account (terms of service).",
    )
    page = owner.get("/settings/payments/").content.decode()
    assert "Restricted" in page and "terms of service" in page


def test_refresh_reads_the_account_again(world, billing_on):
    account = connect.account_ensure(agency=world.acme, email="owner@acme.example")
    billing_on.account_change(account.stripe_account_id)  # no event delivered
    assert account_state(world.acme).state == "pending"
    response = signed_in_client(world.personas["admin"]).post("/settings/payments/refresh/")
    assert response.status_code == 302
    assert account_state(world.acme).state == "enabled"


def test_payment_settings_offer_debits_only_in_their_currency(world, billing_on):
    owner = signed_in_client(world.personas["owner"])
    response = owner.post(
        "/settings/payments/", {"methods": ["card", "sepa_debit", "us_bank_account"]}
    )
    assert response.status_code == 302
    connected(world, billing_on)
    euro = sent_invoice(world, currency="EUR")
    client_pays(world, euro)
    dollar = sent_invoice(world, currency="USD")
    client_pays(world, dollar)
    first, second = billing_on.calls("POST", "/v1/checkout/sessions")
    assert first.params["payment_method_types"] == ["card", "sepa_debit"]
    assert second.params["payment_method_types"] == ["card", "us_bank_account"]
    # Cards always stay.
    refused = owner.post("/settings/payments/", {"methods": ["sepa_debit"]})
    assert refused.status_code == 400
    assert "keep Card selected" in refused.content.decode()


# Paying


def test_a_client_pays_in_full_and_only_the_verified_event_marks_it_paid(world, billing_on):
    account = connected(world, billing_on)
    invoice = sent_invoice(world)
    finance = signed_in_client(world.personas["finance"])
    detail = finance.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Pay €1,199.99 online" in detail

    leaving = finance.post(f"/invoices/{invoice.pk}/pay/")
    assert leaving.status_code == 302
    [call] = billing_on.calls("POST", "/v1/checkout/sessions")
    assert leaving["Location"] == billing_on.sessions[next(iter(billing_on.sessions))]["url"]
    line = call.params["line_items"][0]
    assert line["price_data"] == {
        "currency": "eur",
        "unit_amount": "119999",
        "product_data": {"name": f"Invoice {invoice.number}"},
    }
    assert call.params["metadata"]["invoice_number"] == invoice.number
    assert call.account == account.stripe_account_id
    # The trial runs on Growth: the platform keeps 1%.
    assert call.params["payment_intent_data"]["application_fee_amount"] == "1200"
    assert call.idempotency_key.endswith(f"-invoice-{invoice.pk}-checkout-0-due-119999-pay-119999")
    # A second click pays through the same session.
    finance.post(f"/invoices/{invoice.pk}/pay/")
    with tenant_context(world.acme):
        [payment] = Payment.objects.filter(invoice=invoice)
    assert len(billing_on.sessions) == 1

    events = billing_on.checkout_pay(payment.stripe_checkout_session_id)
    # Back from Checkout before any event: Stripe's word, but the invoice waits for it.
    back = finance.get(
        f"/invoices/{invoice.pk}/pay/return/", {"session_id": payment.stripe_checkout_session_id}
    )
    assert back.status_code == 302
    assert fresh(world, Invoice, invoice.pk).status == InvoiceStatus.SENT
    page = finance.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Paid: thank you" in page

    assert deliver(events) == ["handled", "handled"]
    paid = fresh(world, Invoice, invoice.pk)
    assert paid.status == InvoiceStatus.PAID
    payment = fresh(world, Payment, payment.pk)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.stripe_payment_intent_id.startswith("pi_")
    with tenant_context(world.acme):
        assert amount_due(paid) == 0
    [succeeded] = entries(world, "payment.succeeded")
    assert succeeded.actor_id == world.personas["finance"].user.pk
    assert succeeded.company_id == world.northwind.pk
    [marked] = entries(world, "invoice.marked_paid")
    assert marked.actor_id is None and marked.changes["note"] == "Paid online through Stripe"
    log = text_of(signed_in_client(world.personas["owner"]).get("/activity/workspace/"))
    assert f"Invoice {invoice.number} was marked paid after the payment through Stripe" in log
    assert "Someone" not in log
    with tenant_context(world.acme):
        told = set(
            Notification.objects.filter(kind="payment.succeeded").values_list(
                "recipient__email", flat=True
            )
        )
    assert {"finance@northwind.example", "owner@acme.example", "admin@acme.example"} <= told
    # Both sides see it, with a receipt.
    for persona in ("finance", "owner"):
        page = signed_in_client(world.personas[persona]).get(f"/invoices/{invoice.pk}/")
        assert "Receipt" in page.content.decode()
    receipt = finance.get(f"/payments/{payment.pk}/receipt/")
    assert receipt.status_code == 200
    assert receipt.content.startswith(b"%PDF")


def test_part_payments_leave_the_rest_due(world, billing_on):
    connected(world, billing_on)
    with tenant_context(world.acme):
        payment_settings_update(
            methods=[Method.CARD], allow_partial=True, actor=world.personas["owner"].user
        )
    invoice = sent_invoice(world)
    finance = signed_in_client(world.personas["finance"])

    too_much = finance.post(f"/invoices/{invoice.pk}/pay/", {"amount": "1200.00"})
    assert too_much.status_code == 400
    assert "more than the €1,199.99 due" in too_much.content.decode()
    fine_grained = finance.post(f"/invoices/{invoice.pk}/pay/", {"amount": "10.001"})
    assert fine_grained.status_code == 400
    assert not billing_on.calls("POST", "/v1/checkout/sessions")
    with tenant_context(world.acme):
        assert not Payment.objects.exists()

    leaving = finance.post(f"/invoices/{invoice.pk}/pay/", {"amount": "200"})
    assert leaving.status_code == 302
    with tenant_context(world.acme):
        [payment] = Payment.objects.all()
    deliver(billing_on.checkout_pay(payment.stripe_checkout_session_id))

    invoice = fresh(world, Invoice, invoice.pk)
    assert invoice.status == InvoiceStatus.SENT  # the rest is still due
    with tenant_context(world.acme):
        assert amount_due(invoice) == Decimal("999.99")
    page = finance.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "€999.99" in page

    # The rest, in a second payment: now it is paid.
    payment, _ = client_pays(world, invoice)
    assert payment.amount == Decimal("999.99")
    deliver(billing_on.checkout_pay(payment.stripe_checkout_session_id))
    assert fresh(world, Invoice, invoice.pk).status == InvoiceStatus.PAID


def test_without_part_payments_only_the_whole_due_is_taken(world, billing_on):
    connected(world, billing_on)
    invoice = sent_invoice(world)
    response = signed_in_client(world.personas["client_admin"]).post(
        f"/invoices/{invoice.pk}/pay/", {"amount": "100"}
    )
    assert response.status_code == 400
    assert "paid in full" in response.content.decode()
    assert not billing_on.calls("POST", "/v1/checkout/sessions")


def test_a_restricted_account_shows_clients_a_message_instead_of_the_button(world, billing_on):
    connected(world, billing_on, enabled=False, reason="requirements.past_due")
    invoice = sent_invoice(world)
    finance = signed_in_client(world.personas["finance"])
    page = finance.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Online payment is not available for this invoice just now" in page
    assert "online</button>" not in page
    refused = finance.post(f"/invoices/{invoice.pk}/pay/")
    assert refused.status_code == 400
    assert not billing_on.calls("POST", "/v1/checkout/sessions")
    team_page = signed_in_client(world.personas["owner"]).get(f"/invoices/{invoice.pk}/")
    assert "the Stripe account is restricted" in team_page.content.decode()


def test_a_failed_payment_is_told_and_changes_no_invoice(world, billing_on):
    connected(world, billing_on)
    invoice = sent_invoice(world)
    payment, _ = client_pays(world, invoice)
    assert deliver(billing_on.checkout_pay(payment.stripe_checkout_session_id, outcome="failed"))
    payment = fresh(world, Payment, payment.pk)
    assert (payment.status, payment.failure_message) == (
        PaymentStatus.FAILED,
        "Your card was declined.",
    )
    assert fresh(world, Invoice, invoice.pk).status == InvoiceStatus.SENT
    [failed] = entries(world, "payment.failed")
    assert failed.changes["reason"] == "Your card was declined."
    with tenant_context(world.acme):
        assert Notification.objects.filter(kind="payment.failed").exists()


def test_a_bank_debit_processes_then_clears(world, billing_on):
    connected(world, billing_on)
    invoice = sent_invoice(world)
    payment, _ = client_pays(world, invoice)
    deliver(billing_on.checkout_pay(payment.stripe_checkout_session_id, outcome="processing"))
    assert fresh(world, Payment, payment.pk).status == PaymentStatus.PROCESSING
    assert fresh(world, Invoice, invoice.pk).status == InvoiceStatus.SENT
    page = signed_in_client(world.personas["finance"]).get(f"/invoices/{invoice.pk}/")
    assert "Payment processing" in page.content.decode()

    intent = fresh(world, Payment, payment.pk).stripe_payment_intent_id
    deliver(billing_on.payment_settle(intent))
    assert fresh(world, Invoice, invoice.pk).status == InvoiceStatus.PAID


def test_a_refund_shows_on_both_sides(world, billing_on):
    connected(world, billing_on)
    invoice = sent_invoice(world)
    payment, _ = client_pays(world, invoice)
    deliver(billing_on.checkout_pay(payment.stripe_checkout_session_id))
    intent = fresh(world, Payment, payment.pk).stripe_payment_intent_id

    deliver(billing_on.refund(intent, 19999))  # part: 199.99
    payment = fresh(world, Payment, payment.pk)
    assert (payment.status, payment.amount_refunded) == (
        PaymentStatus.SUCCEEDED,
        Decimal("199.99"),
    )
    deliver(billing_on.refund(intent))  # the rest
    payment = fresh(world, Payment, payment.pk)
    assert (payment.status, payment.amount_refunded) == (PaymentStatus.REFUNDED, payment.amount)
    assert [e.changes["refunded"] for e in entries(world, "payment.refunded")] == [
        "€199.99",
        "€1,199.99",
    ]
    for persona in ("finance", "owner"):
        page = signed_in_client(world.personas[persona]).get(f"/invoices/{invoice.pk}/")
        assert "Refunded" in page.content.decode()
    # Both sides read what happened in the card's history; clients not the checkout's start.
    paid = f"Northwind Finance made a payment of €1,199.99 on Invoice {invoice.number}"
    refunded = f"Stripe refunded a payment of €1,199.99 on Invoice {invoice.number}"
    started = "Northwind Finance started a payment of"
    finance, owner = (
        text_of(signed_in_client(world.personas[key]).get(f"/invoices/{invoice.pk}/"))
        for key in ("finance", "owner")
    )
    assert finance.count(refunded) == 2 and paid in finance and started not in finance
    assert owner.count(refunded) == 2 and paid in owner and started in owner
    # The agency gave the money back: nothing becomes due again, the invoice stays paid.
    with tenant_context(world.acme):
        assert amount_due(Invoice.objects.get(pk=invoice.pk)) == 0
    assert fresh(world, Invoice, invoice.pk).status == InvoiceStatus.PAID
    with tenant_context(world.acme):
        assert Notification.objects.filter(kind="payment.refunded").count() >= 2


# Routing Connect events


def test_an_event_for_another_agencys_account_never_touches_this_agency(world, billing_on):
    connected(world, billing_on)
    theirs = connected(world, billing_on, agency=world.globex)
    invoice = sent_invoice(world)
    payment, _ = client_pays(world, invoice)
    [completed, succeeded] = billing_on.checkout_pay(payment.stripe_checkout_session_id)
    # The same objects, said to be of globex's account (or of an account nobody has).
    for account in (theirs.stripe_account_id, "acct_nobody"):
        forged = [
            dict(event, id=f"{event['id']}_{account}", account=account)
            for event in (completed, succeeded)
        ]
        assert deliver(forged) == ["ignored", "ignored"]
    assert fresh(world, Payment, payment.pk).status == PaymentStatus.OPEN
    assert fresh(world, Invoice, invoice.pk).status == InvoiceStatus.SENT
    assert not entries(world, "payment.succeeded")
    recorded = StripeEvent.objects.filter(event_id__endswith=theirs.stripe_account_id)
    assert {event.agency for event in recorded} == {world.globex}
    # acme's own events still apply.
    assert deliver([completed, succeeded]) == ["handled", "handled"]
    assert fresh(world, Invoice, invoice.pk).status == InvoiceStatus.PAID


def test_a_connect_event_twice_takes_effect_once(world, billing_on):
    connected(world, billing_on)
    payment, _ = client_pays(world, sent_invoice(world))
    events = billing_on.checkout_pay(payment.stripe_checkout_session_id)
    assert deliver(events) == ["handled", "handled"]
    assert deliver(events) == ["duplicate", "duplicate"]
    assert len(entries(world, "payment.succeeded")) == 1
    assert len(entries(world, "invoice.marked_paid")) == 1


def test_stripe_unreachable_records_nothing_so_the_redelivery_applies(world, billing_on, settings):
    connected(world, billing_on)
    payment, _ = client_pays(world, sent_invoice(world))
    events = billing_on.checkout_pay(payment.stripe_checkout_session_id)
    reachable = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    assert post(events[1]).status_code == 503
    assert not StripeEvent.objects.filter(event_id=events[1]["id"]).exists()
    settings.STRIPE_API_BASE = reachable
    assert deliver([events[1]]) == ["handled"]
    assert fresh(world, Payment, payment.pk).status == PaymentStatus.SUCCEEDED


# The API


class Api:
    def __init__(self, world, persona):
        self.client, self.headers = api_client(world, persona)

    def get(self, path):
        return self.client.get(f"/api/v1/{path}", **self.headers)

    def post(self, path, data=None):
        return self.client.post(
            f"/api/v1/{path}", data or {}, content_type="application/json", **self.headers
        )

    def put(self, path, data):
        return self.client.put(
            f"/api/v1/{path}", data, content_type="application/json", **self.headers
        )


def test_the_api_pays_and_refuses_bad_input_changing_nothing(world, billing_on):
    connected(world, billing_on)
    owner = Api(world, "owner")
    settings_ = owner.put("payments/settings", {"methods": ["card"], "allow_partial": True})
    assert settings_.status_code == 200
    assert settings_.json()["account"]["state"] == "enabled"
    assert settings_.json()["application_fee_percent"] == "1.00"
    invoice = sent_invoice(world)
    southwind = sent_invoice(world, company=world.southwind)
    finance = Api(world, "finance")

    over = finance.post(f"invoices/{invoice.pk}/checkout-session", {"amount": "1199.999"})
    assert over.status_code == 400 and "amount" in over.json()
    over = finance.post(f"invoices/{invoice.pk}/checkout-session", {"amount": "5000"})
    assert over.status_code == 400
    assert over.json()["amount"] == ["That is more than the €1,199.99 due."]
    assert finance.post("invoices/999999/checkout-session").status_code == 404
    assert finance.post(f"invoices/{southwind.pk}/checkout-session").status_code == 404
    assert owner.post(f"invoices/{invoice.pk}/checkout-session").status_code == 403
    with tenant_context(world.acme):
        assert not Payment.objects.exists()
    assert not billing_on.calls("POST", "/v1/checkout/sessions")

    created = finance.post(f"invoices/{invoice.pk}/checkout-session", {"amount": "99.99"})
    assert created.status_code == 201
    body = created.json()
    assert body["url"].startswith(f"{billing_on.url}/pay/")
    assert (body["payment"]["amount"], body["payment"]["status"]) == ("99.99", "open")
    deliver(billing_on.checkout_pay(body["url"].rsplit("/", 1)[1]))
    listing = finance.get(f"invoices/{invoice.pk}/payments").json()
    assert (listing["amount_due"], listing["online"]) == ("1100.00", True)
    assert [p["status"] for p in listing["payments"]] == ["succeeded"]
    receipt = finance.get(f"payments/{body['payment']['id']}/receipt")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")


def test_the_schema_describes_the_payments_api(world):
    schema = host_client(HOST).get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/payments/settings",
        "/api/v1/payments/connect",
        "/api/v1/invoices/{invoice_id}/checkout-session",
        "/api/v1/invoices/{invoice_id}/payments",
        "/api/v1/payments/{payment_id}/receipt",
    ):
        assert path in schema["paths"], path


def test_payments_read_as_sentences_in_the_activity_log(world, billing_on):
    connected(world, billing_on)
    invoice = sent_invoice(world, number="WORDS-1")
    failing, _ = client_pays(world, invoice)
    deliver(billing_on.checkout_pay(failing.stripe_checkout_session_id, outcome="failed"))
    with tenant_context(world.acme):
        payment_settings_update(
            methods=[Method.CARD], allow_partial=True, actor=world.personas["owner"].user
        )
    paying, _ = client_pays(world, invoice, amount="100")
    deliver(billing_on.checkout_pay(paying.stripe_checkout_session_id))
    intent = fresh(world, Payment, paying.pk).stripe_payment_intent_id
    deliver(billing_on.refund(intent))

    finance = signed_in_client(world.personas["finance"])
    mine = text_of(finance.get("/activity/"))
    assert "Northwind Finance started a payment of €100.00 on Invoice WORDS-1 online" in mine
    assert "Northwind Finance made a payment of €100.00 on Invoice WORDS-1" in mine
    assert "tried a payment of €1,199.99 on Invoice WORDS-1, which failed" in mine
    log = text_of(signed_in_client(world.personas["owner"]).get("/activity/workspace/"))
    assert "Stripe refunded a payment of €100.00 on Invoice WORDS-1" in log
    assert "Northwind Finance made a payment of €100.00 on Invoice WORDS-1" in log


def test_the_team_refunds_through_stripe_and_the_event_shows_it(world, billing_on):
    connected(world, billing_on)
    invoice = sent_invoice(world)
    payment, _ = client_pays(world, invoice)
    deliver(billing_on.checkout_pay(payment.stripe_checkout_session_id))
    payment = fresh(world, Payment, payment.pk)
    owner = signed_in_client(world.personas["owner"])
    assert "Refund through Stripe" in owner.get(f"/invoices/{invoice.pk}/").content.decode()
    finance = signed_in_client(world.personas["finance"])
    assert "Refund through Stripe" not in finance.get(f"/invoices/{invoice.pk}/").content.decode()
    assert finance.post(f"/payments/{payment.pk}/refund/").status_code == 403

    too_much = owner.post(f"/payments/{payment.pk}/refund/", {"amount": "5000"}, follow=True)
    assert "At most €1,199.99 is left to refund." in too_much.content.decode()
    assert not billing_on.calls("POST", "/v1/refunds")

    asked = owner.post(f"/payments/{payment.pk}/refund/", {"amount": "199.99"}, follow=True)
    assert "Refund of €199.99 asked for" in asked.content.decode()
    [call] = billing_on.calls("POST", "/v1/refunds")
    assert (call.account, call.params["amount"]) == (payment.stripe_account_id, "19999")
    # Nothing changes until Stripe's event says so.
    assert fresh(world, Payment, payment.pk).amount_refunded == 0
    deliver([billing_on.refunded_event(payment.stripe_payment_intent_id)])
    assert fresh(world, Payment, payment.pk).amount_refunded == Decimal("199.99")

    # The rest, through the API.
    admin = Api(world, "admin")
    over = admin.post(f"payments/{payment.pk}/refund", {"amount": "1000.01"})
    assert over.status_code == 400
    assert over.json()["amount"] == ["At most €1,000.00 is left to refund."]
    rest = admin.post(f"payments/{payment.pk}/refund")
    assert rest.status_code == 202 and rest.json()["amount"] == "1000.00"
    assert Api(world, "finance").post(f"payments/{payment.pk}/refund").status_code == 403
    deliver([billing_on.refunded_event(payment.stripe_payment_intent_id)])
    assert fresh(world, Payment, payment.pk).status == PaymentStatus.REFUNDED
    asked_entries = entries(world, "payment.refund_asked")
    assert [e.changes["refunded"] for e in asked_entries] == ["€199.99", "€1,000.00"]


def test_only_stripe_s_own_word_marks_an_invoice_paid(world, billing_on):
    connected(world, billing_on)
    invoice = sent_invoice(world)
    payment, _ = client_pays(world, invoice)
    [_, processing] = billing_on.checkout_pay(
        payment.stripe_checkout_session_id, outcome="processing"
    )
    # Signed by someone else: refused, nothing recorded.
    claim = dict(processing, id="evt_forged", type="payment_intent.succeeded")
    claim["data"] = {"object": dict(processing["data"]["object"], status="succeeded")}
    body, header = signed(claim, secret="whsec_someone_else")
    refused = host_client("localhost").post(
        WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert refused.status_code == 400
    assert not StripeEvent.objects.filter(event_id="evt_forged").exists()
    # Properly signed but saying more than Stripe does now: Stripe's current word counts.
    assert deliver([claim]) == ["handled"]
    assert fresh(world, Payment, payment.pk).status == PaymentStatus.PROCESSING
    assert fresh(world, Invoice, invoice.pk).status == InvoiceStatus.SENT
    # The team's manual confirmation still works beside it.
    owner = signed_in_client(world.personas["owner"])
    assert owner.post(f"/invoices/{invoice.pk}/mark-paid/").status_code == 302
    assert fresh(world, Invoice, invoice.pk).status == InvoiceStatus.PAID


def test_payment_settings_api_refuses_bad_methods(world, billing_on):
    owner = Api(world, "owner")
    no_card = owner.put("payments/settings", {"methods": ["sepa_debit"], "allow_partial": False})
    assert no_card.status_code == 400
    assert no_card.json()["methods"] == ["Cards are always offered; keep Card selected."]
    unknown = owner.put("payments/settings", {"methods": ["cash"], "allow_partial": False})
    assert unknown.status_code == 400 and "methods" in unknown.json()
    with tenant_context(world.acme):
        assert not PaymentSettings.objects.exists()
    assert Api(world, "staff").get("payments/settings").status_code == 403


def test_the_beat_reads_accounts_not_taking_charges_again(world, billing_on):
    account = connect.account_ensure(agency=world.acme, email="owner@acme.example")
    billing_on.account_change(account.stripe_account_id)  # its account.updated was lost
    assert connect_accounts_refresh() == 1
    assert account_state(world.acme).state == "enabled"
    assert connect_accounts_refresh() == 0  # taking charges: left alone


def test_a_credit_note_takes_its_amount_off_what_is_due(world, billing_on):
    connected(world, billing_on)
    invoice = sent_invoice(world)
    with tenant_context(world.acme):
        due_before = amount_due(invoice)
        credit_note_create(
            invoice=invoice,
            reason="One workshop hour less",
            amount=Decimal("100.00"),
            actor=world.personas["owner"].user,
        )
        assert amount_due(invoice) == due_before - Decimal("100.00")
    payment, _ = client_pays(world, invoice)
    assert payment.amount == due_before - Decimal("100.00")


def test_an_agency_without_a_stripe_account_shows_no_word_of_paying_online(world, billing_on):
    invoice = sent_invoice(world)
    for persona in ("finance", "owner"):
        page = signed_in_client(world.personas[persona]).get(f"/invoices/{invoice.pk}/")
        assert 'id="payments"' not in page.content.decode()
    connect.account_ensure(agency=world.acme, email="owner@acme.example")  # not finished
    finance_page = signed_in_client(world.personas["finance"]).get(f"/invoices/{invoice.pk}/")
    assert "Online payment is not available" in finance_page.content.decode()


def _allow_partial(world):
    with tenant_context(world.acme):
        payment_settings_update(
            methods=[Method.CARD], allow_partial=True, actor=world.personas["owner"].user
        )


def test_a_new_checkout_closes_the_other_open_one_so_only_one_can_be_paid(world, billing_on):
    connected(world, billing_on)
    _allow_partial(world)
    invoice = sent_invoice(world)
    part, _ = client_pays(world, invoice, amount="200")
    whole, _ = client_pays(world, invoice)
    [expired] = [call for call in billing_on.requests if call.path.endswith("/expire")]
    assert expired.path == f"/v1/checkout/sessions/{part.stripe_checkout_session_id}/expire"
    assert expired.account == part.stripe_account_id
    assert session_of(part, billing_on)["status"] == "expired"
    assert fresh(world, Payment, part.pk).status == PaymentStatus.EXPIRED
    assert fresh(world, Payment, whole.pk).status == PaymentStatus.OPEN
    # A click on the same amount again keeps the one open; re-opening the part opens anew.
    again, _ = client_pays(world, invoice)
    assert again.pk == whole.pk and session_of(whole, billing_on)["status"] == "open"
    part_again, _ = client_pays(world, invoice, amount="200")
    assert part_again.pk not in (part.pk, whole.pk)
    assert session_of(whole, billing_on)["status"] == "expired"
    assert fresh(world, Payment, whole.pk).status == PaymentStatus.EXPIRED
    # Stripe's page takes nothing on a closed session; clients never see closed checkouts.
    with pytest.raises(AssertionError):
        billing_on.checkout_pay(whole.stripe_checkout_session_id)
    deliver(billing_on.checkout_pay(part_again.stripe_checkout_session_id))
    page = signed_in_client(world.personas["finance"]).get(f"/invoices/{invoice.pk}/")
    assert "Checkout closed" not in page.content.decode()
    owner_page = signed_in_client(world.personas["owner"]).get(f"/invoices/{invoice.pk}/")
    assert "Checkout closed" in owner_page.content.decode()


def test_a_checkout_paid_at_stripe_before_its_event_refuses_a_second(world, billing_on):
    connected(world, billing_on)
    _allow_partial(world)
    invoice = sent_invoice(world)
    first, _ = client_pays(world, invoice, amount="200")
    events = billing_on.checkout_pay(first.stripe_checkout_session_id)  # not yet delivered
    sessions_before = len(billing_on.sessions)
    finance = signed_in_client(world.personas["finance"])
    refused = finance.post(f"/invoices/{invoice.pk}/pay/", {"amount": "999.99"})
    assert refused.status_code == 400
    assert "already under way" in refused.content.decode()
    api = Api(world, "finance").post(
        f"invoices/{invoice.pk}/checkout-session", {"amount": "999.99"}
    )
    assert api.status_code == 409, api.content  # as every refusal to pay online
    assert "already under way" in api.content.decode()
    assert len(billing_on.sessions) == sessions_before
    with tenant_context(world.acme):
        assert list(Payment.objects.values_list("pk", flat=True)) == [first.pk]
    assert fresh(world, Payment, first.pk).status == PaymentStatus.OPEN
    deliver(events)
    assert fresh(world, Payment, first.pk).status == PaymentStatus.SUCCEEDED


def test_a_payment_taking_more_than_is_due_is_recorded_and_nothing_is_left_due(world, billing_on):
    connected(world, billing_on)
    invoice = sent_invoice(world)
    payment, _ = client_pays(world, invoice)  # all 1,199.99
    events = billing_on.checkout_pay(payment.stripe_checkout_session_id)
    # The agency credits 100.00 while Stripe's events are on their way.
    with tenant_context(world.acme):
        credit_note_create(
            invoice=invoice,
            reason="One workshop hour less",
            amount=Decimal("100.00"),
            actor=world.personas["owner"].user,
        )
    deliver(events)
    payment = fresh(world, Payment, payment.pk)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.amount == Decimal("1199.99")
    paid = fresh(world, Invoice, invoice.pk)
    assert paid.status == InvoiceStatus.PAID
    with tenant_context(world.acme):
        assert amount_due(paid) == 0
    [succeeded] = entries(world, "payment.succeeded")
    assert succeeded.changes["overpaid"] == "€100.00"
    page = signed_in_client(world.personas["owner"]).get(f"/invoices/{invoice.pk}/")
    text = text_of(page)
    assert "Still due €0.00" in text and "-€" not in text


def test_paid_in_full_online_the_client_gets_one_email(
    world, billing_on, mailoutbox, tasks_inline, django_capture_on_commit_callbacks
):
    connected(world, billing_on)
    _allow_partial(world)
    invoice = sent_invoice(world)
    part, _ = client_pays(world, invoice, amount="200")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the emails, as a worker sends
        deliver(billing_on.checkout_pay(part.stripe_checkout_session_id))
    # A part payment: the payment's own email (the invoice is not paid yet).
    finance = [email for email in mailoutbox if email.to == ["finance@northwind.example"]]
    assert len(finance) == 1 and "Payment received" not in finance[0].subject

    mailoutbox.clear()
    rest, _ = client_pays(world, invoice)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(billing_on.checkout_pay(rest.stripe_checkout_session_id))
    assert fresh(world, Invoice, invoice.pk).status == InvoiceStatus.PAID
    [receipt] = [email for email in mailoutbox if email.to == ["finance@northwind.example"]]
    assert "Payment received" in receipt.subject
    # The team still hears of the payment; the client still sees it in the app.
    assert {"owner@acme.example", "admin@acme.example"} <= {email.to[0] for email in mailoutbox}
    with tenant_context(world.acme):
        told = Notification.objects.filter(
            kind="payment.succeeded", recipient__email="finance@northwind.example"
        )
        assert told.count() == 2
