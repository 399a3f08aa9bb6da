"""Every write of payments: settings, connecting the agency's Stripe account, a client's
Checkout for an invoice, and what Stripe's verified Connect events change.

Stripe is the truth: an event only says "look again", and the payment, then the invoice, are
brought to what Stripe answers now. An invoice becomes Paid here only from such an event.
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from billing import connect, stripe_api
from billing.plans import billing_enabled
from shared_apps.core.formatting import format_money
from tenant_apps.activity.actions import activity_record
from tenant_apps.invoices.actions import invoice_move
from tenant_apps.invoices.audit import STRIPE_PAID
from tenant_apps.invoices.currencies import currency_get, money_round
from tenant_apps.invoices.emails import team_recipients
from tenant_apps.invoices.models import Invoice, InvoiceStatus
from tenant_apps.invoices.selectors import invoice_recipients
from tenant_apps.notifications.actions import notification_send
from tenant_apps.payments.audit import PaymentAudit
from tenant_apps.payments.models import (
    COUNTED,
    Method,
    Payment,
    PaymentSettings,
    PaymentStatus,
)
from tenant_apps.payments.selectors import (
    account_state,
    amount_due,
    amount_payable,
    application_fee_percent,
    checkout_methods,
    from_minor_units,
    minor_units,
    payment_settings,
)


class PaymentRefused(Exception):
    """Paying online is not possible now; ``message`` says why, in words for the client."""

    MESSAGES = {
        "unavailable": (
            "Online payment is not available for this invoice just now. Pay by bank "
            "transfer with the details on the invoice, then tell us with “We have paid this "
            "invoice”."
        ),
        "not_payable": "This invoice is not waiting for a payment.",
        "nothing_due": "Nothing is left to pay on this invoice.",
        "off": "Online payments need Stripe, which is not set up on this platform.",
        "under_way": (
            "A payment on this invoice is already under way at Stripe. Wait until it is "
            "confirmed here before paying again."
        ),
    }

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)

    @property
    def message(self) -> str:
        return self.MESSAGES[self.reason]


# Settings and the connected account


def payment_settings_update(*, methods, allow_partial: bool, actor, request=None):
    methods = list(dict.fromkeys(methods))
    unknown = set(methods) - set(Method.values)
    if unknown:
        raise ValidationError(
            {"methods": f"Unknown payment methods: {', '.join(sorted(unknown))}."}
        )
    if Method.CARD not in methods:
        raise ValidationError({"methods": "Cards are always offered; keep Card selected."})
    with transaction.atomic():
        current = payment_settings()
        before = {"methods": list(current.methods), "allow_partial": current.allow_partial}
        after = {"methods": methods, "allow_partial": bool(allow_partial)}
        row, _ = PaymentSettings.objects.select_for_update().update_or_create(pk=1, defaults=after)
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if changes:
            activity_record(
                action=PaymentAudit.PAYMENTS_SETTINGS_CHANGED,
                actor=actor,
                target=row,
                changes=changes,
                request=request,
            )
        return row


def connect_start(*, actor, refresh_url: str, return_url: str, request=None) -> str:
    """Where to send the owner or admin to connect (or finish connecting) the agency's Stripe
    account; the account is created at Stripe the first time."""
    url = connect.onboarding_link(
        agency=connection.tenant, email=actor.email, refresh_url=refresh_url, return_url=return_url
    )
    activity_record(action=PaymentAudit.PAYMENTS_CONNECT_STARTED, actor=actor, request=request)
    return url


def account_refresh():
    """The connected account's state read again from Stripe (its changes are logged by the
    receiver of connect_account_changed)."""
    return connect.account_sync(agency=connection.tenant)


# A client's Checkout


def _parsed_amount(raw, invoice: Invoice) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError({"amount": "Enter an amount such as 120.50."}) from None
    if not amount.is_finite():
        raise ValidationError({"amount": "Enter an amount such as 120.50."})
    currency = currency_get(invoice.currency)
    if currency is not None and money_round(amount, currency) != amount:
        raise ValidationError(
            {"amount": f"{invoice.currency} amounts have at most {currency.minor_units} decimals."}
        )
    return amount


def payment_amount(*, invoice: Invoice, amount) -> Decimal:
    """The amount to pay: all that is payable without ``amount``; a part only where the agency
    allows it, never more than is due. Raises ValidationError (on "amount") or PaymentRefused."""
    payable = amount_payable(invoice)
    if payable <= 0:
        raise PaymentRefused("nothing_due")
    wanted = _parsed_amount(amount, invoice)
    if wanted is None:
        return payable
    due_words = format_money(payable, invoice.currency)
    if wanted <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    if wanted > payable:
        raise ValidationError({"amount": f"That is more than the {due_words} due."})
    if wanted != payable and not payment_settings().allow_partial:
        raise ValidationError({"amount": f"This invoice is paid in full: {due_words}."})
    return wanted


def payment_checkout_start(
    *, invoice: Invoice, amount=None, actor, success_url: str, cancel_url: str, request=None
) -> tuple[Payment, str]:
    """A Checkout Session on the agency's connected account for ``amount`` of the invoice
    (all that is due by default); returns the payment and where to send the client.

    One Idempotency-Key per invoice, amount due and amount: a second click, or a retry after
    a lost answer, gets the same session and the same payment row.
    """
    state = account_state()
    if not state.enabled:
        raise PaymentRefused("unavailable")
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("company")
            .get(pk=invoice.pk)
        )
        if not invoice.is_payable:
            raise PaymentRefused("not_payable")
        paying = payment_amount(invoice=invoice, amount=amount)
        due = amount_due(invoice)
        amount_minor = minor_units(paying, invoice.currency)
        fee_minor = int((amount_minor * application_fee_percent() / 100).to_integral_value())

        def attempt_key() -> str:
            # The count of closed checkouts: re-opening one closed for another makes a new one.
            closed = Payment.objects.filter(invoice=invoice, status=PaymentStatus.EXPIRED).count()
            return (
                f"{connection.schema_name}-invoice-{invoice.pk}-checkout-{closed}-due-"
                f"{minor_units(due, invoice.currency)}-pay-{amount_minor}"
            )

        _other_checkouts_close(invoice=invoice, keep=attempt_key())
        key = attempt_key()
        payment, created = Payment.objects.get_or_create(
            attempt_key=key,
            defaults={
                "invoice": invoice,
                "amount": paying,
                "currency": invoice.currency,
                "stripe_account_id": state.account.stripe_account_id,
                "application_fee": from_minor_units(fee_minor, invoice.currency),
                "started_by": actor,
            },
        )
        session = stripe_api.payment_checkout_create(
            account_id=payment.stripe_account_id,
            amount_minor=amount_minor,
            currency=invoice.currency,
            description=f"Invoice {invoice.number}",
            methods=checkout_methods(invoice.currency),
            metadata={
                "invoice_id": str(invoice.pk),
                "invoice_number": invoice.number,
                "payment_id": str(payment.pk),
                "schema": connection.schema_name,
            },
            application_fee_minor=fee_minor,
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=key,
        )
        if payment.stripe_checkout_session_id != session["id"]:
            payment.stripe_checkout_session_id = session["id"]
            payment.save(update_fields=["stripe_checkout_session_id", "updated_at"])
        if created:
            activity_record(
                action=PaymentAudit.PAYMENT_STARTED,
                actor=actor,
                target=payment,
                request=request,
                changes={
                    "invoice": invoice.number,
                    "amount": format_money(paying, invoice.currency),
                },
            )
        return payment, session["url"]


def _other_checkouts_close(*, invoice: Invoice, keep: str) -> None:
    """Only one Checkout may be paid on an invoice: the other sessions still open here are
    expired at Stripe (and their payments marked so) before a new one opens. Where Stripe
    says one was paid (or is being paid) already, the new one is refused: paying twice is
    worse than waiting for that payment's event."""
    others = list(
        Payment.objects.select_for_update(of=("self",))
        .filter(invoice=invoice, status=PaymentStatus.OPEN)
        .exclude(attempt_key=keep)
        .exclude(stripe_checkout_session_id="")
    )
    sessions = {}
    for other in others:  # all read first: refuse before closing any
        session = stripe_api.connected_checkout_session(
            other.stripe_account_id, other.stripe_checkout_session_id
        )
        if session.get("status") == "complete":
            raise PaymentRefused("under_way")
        sessions[other.pk] = session
    for other in others:
        if sessions[other.pk].get("status") == "open":
            try:
                stripe_api.connected_checkout_expire(
                    other.stripe_account_id, other.stripe_checkout_session_id
                )
            except stripe_api.StripeTransient:
                raise
            except stripe_api.StripeUnreachable:
                # Refused: no longer open. Paid in the meantime, or expired after all.
                again = stripe_api.connected_checkout_session(
                    other.stripe_account_id, other.stripe_checkout_session_id
                )
                if again.get("status") != "expired":
                    raise PaymentRefused("under_way") from None
        other.status = PaymentStatus.EXPIRED
        other.save(update_fields=["status", "updated_at"])


def payment_return_status(*, payment: Payment) -> str:
    """What Stripe says of the payment now, for the client back from Checkout: "paid",
    "processing" or "open". Reads only: the payment changes from the webhook's events."""
    if not payment.stripe_checkout_session_id:
        return "open"
    session = stripe_api.connected_checkout_session(
        payment.stripe_account_id, payment.stripe_checkout_session_id
    )
    if session.get("payment_status") == "paid":
        return "paid"
    return "processing" if session.get("status") == "complete" else "open"


# Stripe's verified events, in the agency's schema, in the transaction recording the event


INTENT_STATUSES = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "processing": PaymentStatus.PROCESSING,
    "canceled": PaymentStatus.FAILED,
}


def _fresh_intent(event: dict) -> dict | None:
    """The payment intent the event is about, read afresh from Stripe on its account."""
    account = event["account"]
    payload = event["data"]["object"]
    kind = event["type"]
    if kind.startswith("checkout.session."):
        session = stripe_api.connected_checkout_session(account, payload["id"])
        intent_id = session.get("payment_intent")
        if isinstance(intent_id, dict):
            intent_id = intent_id.get("id")
    elif kind.startswith("payment_intent."):
        intent_id = payload["id"]
    else:  # charge.*
        charge = stripe_api.connected_charge(account, payload["id"])
        intent_id = charge.get("payment_intent")
    if not intent_id:
        return None
    return stripe_api.connected_payment_intent(account, intent_id)


def _refunded(account: str, intent: dict) -> int:
    charge_id = intent.get("latest_charge")
    if isinstance(charge_id, dict):
        charge_id = charge_id.get("id")
    if not charge_id:
        return 0
    return int(stripe_api.connected_charge(account, charge_id).get("amount_refunded") or 0)


def _payment_for(event: dict, intent: dict) -> Payment | None:
    """Our payment the intent belongs to, locked: by the id we put in its metadata, only if
    it is on this very account and invoice."""
    metadata = intent.get("metadata") or {}
    payment_id, invoice_id = metadata.get("payment_id", ""), metadata.get("invoice_id", "")
    if not (payment_id.isdecimal() and invoice_id.isdecimal()):
        return None
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("invoice", "started_by")
        .filter(pk=int(payment_id), invoice_id=int(invoice_id), stripe_account_id=event["account"])
        .first()
    )


def payment_event_apply(*, event: dict) -> str:
    """Bring the event's payment to Stripe's current state; "handled" or "ignored" (for
    what the event's account does not have: it names no payment of this agency)."""
    try:
        intent = _fresh_intent(event)
    except stripe_api.StripeNotFound:
        return "ignored"
    if intent is None:
        return "ignored"
    payment = _payment_for(event, intent)
    if payment is None:
        return "ignored"
    status = INTENT_STATUSES.get(intent.get("status"), payment.status)
    if intent.get("status") == "requires_payment_method" and intent.get("last_payment_error"):
        status = PaymentStatus.FAILED
    refunded = Decimal(0)
    if status == PaymentStatus.SUCCEEDED:
        refunded = from_minor_units(_refunded(event["account"], intent), payment.currency)
        refunded = min(refunded, payment.amount)
        if refunded >= payment.amount:
            status = PaymentStatus.REFUNDED
    before = (payment.status, payment.amount_refunded)
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED) and status in (
        PaymentStatus.OPEN,
        PaymentStatus.PROCESSING,
        PaymentStatus.FAILED,
    ):
        return "handled"  # Stripe never takes a succeeded payment back but by refunding it
    # A race (Stripe took a payment while another, or a credit note, settled the invoice):
    # the payment is recorded as Stripe took it, and what it took beyond the due is told.
    overpaid = None
    if status == PaymentStatus.SUCCEEDED and payment.status not in COUNTED:
        due_before = amount_due(payment.invoice)
        if payment.amount > due_before:
            overpaid = payment.amount - due_before
    payment.status = status
    payment.amount_refunded = refunded
    payment.stripe_payment_intent_id = intent["id"]
    if status == PaymentStatus.FAILED:
        error = intent.get("last_payment_error") or {}
        payment.failure_message = (error.get("message") or "")[:300]
    if status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED) and not payment.succeeded_at:
        payment.succeeded_at = timezone.now()
    payment.save()
    if (payment.status, payment.amount_refunded) != before:
        _announce(payment, before, overpaid=overpaid)
    if payment.status == PaymentStatus.SUCCEEDED:
        _invoice_settle(payment.invoice)
    return "handled"


def _settles(invoice: Invoice) -> bool:
    """Nothing is left due on an invoice still waiting for payment: it is to be marked paid."""
    waiting = (InvoiceStatus.SENT, InvoiceStatus.PENDING_PAYMENT, InvoiceStatus.OVERDUE)
    return invoice.status in waiting and amount_due(invoice) <= 0


def _invoice_settle(invoice: Invoice) -> None:
    """Paid once nothing is left due; only from here, after Stripe said so (its "Payment
    received" email is the clients' receipt)."""
    if _settles(invoice):
        invoice_move(invoice=invoice, move="mark_paid", note=STRIPE_PAID)


def _announce(payment: Payment, before: tuple, *, overpaid: Decimal | None = None) -> None:
    """The change in both sides' activity and notifications."""
    invoice = payment.invoice
    money = format_money(payment.amount, payment.currency)
    status_before, refunded_before = before
    refund_grew = payment.amount_refunded > refunded_before
    if refund_grew:
        code, title = (
            PaymentAudit.PAYMENT_REFUNDED,
            f"Refunded: {money} on invoice {invoice.number}",
        )
        kind = "payment.refunded"
    elif payment.status == PaymentStatus.SUCCEEDED:
        code, kind = PaymentAudit.PAYMENT_SUCCEEDED, "payment.succeeded"
        title = f"Paid: {money} on invoice {invoice.number}"
    elif payment.status == PaymentStatus.FAILED:
        code, title = PaymentAudit.PAYMENT_FAILED, f"Payment failed: invoice {invoice.number}"
        kind = "payment.failed"
    elif payment.status == PaymentStatus.PROCESSING:
        code, title, kind = PaymentAudit.PAYMENT_PROCESSING, "", None
    else:
        return
    changes = {"status": [status_before, payment.status], "invoice": invoice.number}
    changes["amount"] = money
    if refund_grew:
        changes["refunded"] = format_money(payment.amount_refunded, payment.currency)
    if payment.status == PaymentStatus.FAILED and payment.failure_message:
        changes["reason"] = payment.failure_message
    if overpaid and payment.status == PaymentStatus.SUCCEEDED:
        changes["overpaid"] = format_money(overpaid, payment.currency)
    # The client who paid made (or tried) the payment; the rest happened at Stripe.
    tried = (PaymentAudit.PAYMENT_SUCCEEDED, PaymentAudit.PAYMENT_FAILED)
    actor = payment.started_by if code in tried else None
    activity_record(action=code, actor=actor, target=payment, changes=changes)
    if kind is None:
        return
    clients = invoice_recipients(invoice)
    recipients = {user.pk: user for user in clients + team_recipients(invoice)}
    if payment.started_by is not None:
        recipients[payment.started_by.pk] = payment.started_by
    url = reverse("invoices:detail", args=[invoice.pk], urlconf=settings.ROOT_URLCONF)
    receipted = set()
    if kind == "payment.succeeded" and _settles(invoice):
        # The invoice's own "Payment received" email tells its recipients: one email, not two.
        receipted = {user.pk for user in clients}
        notification_send(
            recipients=[recipients[pk] for pk in receipted],
            kind=kind,
            target=invoice,
            title=title,
            url=url,
            email=False,
        )
    notification_send(
        recipients=[user for pk, user in recipients.items() if pk not in receipted],
        kind=kind,
        target=invoice,
        title=title,
        url=url,
    )


def payment_refund(*, payment: Payment, amount=None, actor, request=None) -> Decimal:
    """Ask Stripe to give back ``amount`` (all not yet refunded by default) of a payment
    received; returns the amount asked for. The payment changes when Stripe's charge.refunded
    event arrives, like every other change of a payment."""
    if not billing_enabled():
        raise PaymentRefused("off")
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("invoice")
            .get(pk=payment.pk)
        )
        if payment.status != PaymentStatus.SUCCEEDED or not payment.stripe_payment_intent_id:
            raise ValidationError({"amount": "Only a payment received can be refunded."})
        left = payment.amount - payment.amount_refunded
        wanted = _parsed_amount(amount, payment.invoice)
        wanted = left if wanted is None else wanted
        if wanted <= 0:
            raise ValidationError({"amount": "Enter an amount above zero."})
        if wanted > left:
            left_words = format_money(left, payment.currency)
            raise ValidationError({"amount": f"At most {left_words} is left to refund."})
        amount_minor = minor_units(wanted, payment.currency)
        stripe_api.connected_refund_create(
            account_id=payment.stripe_account_id,
            intent_id=payment.stripe_payment_intent_id,
            amount_minor=amount_minor,
            idempotency_key=(
                f"{connection.schema_name}-payment-{payment.pk}-refunded-"
                f"{minor_units(payment.amount_refunded, payment.currency)}-refund-{amount_minor}"
            ),
        )
        activity_record(
            action=PaymentAudit.PAYMENT_REFUND_ASKED,
            actor=actor,
            target=payment,
            request=request,
            changes={
                "invoice": payment.invoice.number,
                "refunded": format_money(wanted, payment.currency),
            },
        )
        return wanted


def receipt_number(payment: Payment) -> str:
    return f"{payment.invoice.number}-P{payment.pk}"
