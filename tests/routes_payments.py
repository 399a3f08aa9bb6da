"""Matrix entries for the payments routes (see tests/access_matrix.py).

The matrix runs without Stripe keys, so online payment is off: the Stripe account cannot be
connected (302 back to the settings page, 409 from the API) and clients find the Pay page
saying so (200) or the Checkout refused (409). tests/test_payments*.py cover them with the
Stripe stand-in. Invoices and their payments follow the invoices' rules: only the team and
the company's finance people and client admins know they exist.
"""

from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.payments.models import Payment, PaymentStatus
from tests.access_matrix import api, signed_in
from tests.routes_invoices import NORTHWIND_READERS, READERS, make_invoice, on_sent_invoice, sent

OWNER_OR_ADMIN = ["owner", "admin"]


def received(world) -> tuple:
    """A payment received on a sent Northwind invoice (as Stripe's event would leave it)."""
    invoice = make_invoice(world, moves=["send"])
    with tenant_context(world.acme):
        payment = Payment.objects.create(
            invoice=invoice,
            amount=Decimal("100.00"),
            currency=invoice.currency,
            status=PaymentStatus.SUCCEEDED,
            attempt_key=f"matrix-{invoice.pk}",
            stripe_account_id="acct_matrix",
            stripe_checkout_session_id=f"cs_matrix_{invoice.pk}",
            stripe_payment_intent_id=f"pi_matrix_{invoice.pk}",
            started_by=world.personas["finance"].user,
            succeeded_at=timezone.now(),
        )
    return (payment.pk,)


TENANT_ROUTES = {
    "payments:settings": signed_in(200, 403, OWNER_OR_ADMIN),
    "payments:connect": signed_in(302, 403, OWNER_OR_ADMIN, method="post"),
    "payments:onboarding_return": signed_in(302, 403, OWNER_OR_ADMIN),
    "payments:refresh": signed_in(302, 403, OWNER_OR_ADMIN, method="post"),
    "payments:pay": on_sent_invoice(signed_in(200, 403, READERS, args=sent)),
    "payments:return": on_sent_invoice(signed_in(302, 403, READERS, args=sent)),
    "payments:detail": on_sent_invoice(signed_in(302, 403, NORTHWIND_READERS, args=received)),
    "payments:receipt": on_sent_invoice(signed_in(200, 403, NORTHWIND_READERS, args=received)),
    # Without Stripe the refund is refused with the reason (302 back to the invoice, 409).
    "payments:refund": on_sent_invoice(
        signed_in(302, 403, OWNER_OR_ADMIN, method="post", args=received)
    ),
    "api-payment-settings": api(200, 403, OWNER_OR_ADMIN),
    "api-payments-connect": api(409, 403, OWNER_OR_ADMIN, method="post"),
    "api-payments-account-refresh": api(200, 403, OWNER_OR_ADMIN, method="post"),
    "api-invoice-payments": on_sent_invoice(api(200, 403, NORTHWIND_READERS, args=sent)),
    "api-invoice-checkout-session": on_sent_invoice(
        api(409, 403, READERS, method="post", args=sent)
    ),
    "api-payment-receipt": on_sent_invoice(api(200, 403, NORTHWIND_READERS, args=received)),
    "api-payment-refund": on_sent_invoice(
        api(409, 403, OWNER_OR_ADMIN, method="post", args=received)
    ),
}
PUBLIC_ROUTES: dict = {}
