"""Fifty deliveries of one Connect event at once, each in its own thread, connection and
transaction against the real database: one applies it, the others find it recorded."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

from django.db import connections
from django_tenants.utils import tenant_context

from billing import connect
from billing.models import StripeEvent
from shared_apps.accounts.models import User
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.invoices.actions import invoice_create, invoice_move
from tenant_apps.invoices.models import Invoice, InvoiceStatus
from tenant_apps.payments.actions import payment_checkout_start
from tenant_apps.payments.models import Payment, PaymentStatus
from tenant_apps.people.actions import client_company_create
from tests import stripe_standin as standin
from tests.browser.conftest import _with_database
from tests.stripe_standin import signed
from tests.test_billing_webhook import committed_agency, post_raw

stripe_standin, billing_on = standin.stripe_standin, standin.billing_on  # fixtures
__all__ = ["committed_agency"]  # a fixture

DELIVERIES = 50
AT_ONCE = 25  # threads in flight together, each holding a database connection


def test_fifty_concurrent_deliveries_of_a_connect_event_take_effect_once(
    committed_agency, django_db_blocker, billing_on
):
    agency = committed_agency

    def an_invoice_being_paid():
        account = connect.account_ensure(agency=agency, email="connie@concurrent.example")
        billing_on.account_change(account.stripe_account_id)
        connect.account_sync(agency=agency)
        with tenant_context(agency):
            owner = User.objects.get(email="connie@concurrent.example")
            company = client_company_create(name="Payco", actor=owner)
            invoice = invoice_create(
                company=company,
                number="C-1",
                currency="EUR",
                issue_date=date(2031, 3, 1),
                due_date=date(2031, 3, 31),
                lines=[{"description": "Work", "quantity": Decimal(1), "unit_price": Decimal(500)}],
                actor=owner,
            )
            invoice = invoice_move(invoice=invoice, move="send", actor=owner)
            payment, _ = payment_checkout_start(
                invoice=invoice,
                actor=owner,
                success_url="http://concurrent.localhost/done",
                cancel_url="http://concurrent.localhost/cancelled",
            )
        return invoice.pk, payment.pk, payment.stripe_checkout_session_id

    invoice_id, payment_id, session_id = _with_database(django_db_blocker, an_invoice_being_paid)
    _, succeeded = billing_on.checkout_pay(session_id)
    body, header = signed(succeeded)
    reads_before = len(
        billing_on.calls("GET", f"/v1/payment_intents/{succeeded['data']['object']['id']}")
    )
    start = threading.Barrier(AT_ONCE, timeout=60)

    def deliver(_):
        try:
            start.wait()
            response = post_raw(body, header)
            return response.status_code, response.json()["outcome"]
        finally:
            connections.close_all()

    with django_db_blocker.unblock(), ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        results = list(pool.map(deliver, range(DELIVERIES)))

    assert [status for status, _ in results] == [200] * DELIVERIES
    outcomes = sorted(outcome for _, outcome in results)
    assert outcomes == ["duplicate"] * (DELIVERIES - 1) + ["handled"]

    def effects():
        with tenant_context(agency):
            logged = {
                action: ActivityEntry.objects.filter(action=action).count()
                for action in ("payment.succeeded", "invoice.marked_paid")
            }
            payment = Payment.objects.get(pk=payment_id)
            invoice = Invoice.objects.get(pk=invoice_id)
        recorded = StripeEvent.objects.filter(event_id=succeeded["id"]).count()
        return logged, payment.status, invoice.status, recorded

    assert _with_database(django_db_blocker, effects) == (
        {"payment.succeeded": 1, "invoice.marked_paid": 1},
        PaymentStatus.SUCCEEDED,
        InvoiceStatus.PAID,
        1,
    )
    # Stripe was read once: only the delivery that applied the event asked.
    intent_path = f"/v1/payment_intents/{succeeded['data']['object']['id']}"
    assert len(billing_on.calls("GET", intent_path)) == reads_before + 1
