"""Reads for payments: the amount still due on an invoice, the agency's Stripe account in
words, its payment settings, and the payments a person may see."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet, Sum

from billing.connect import connected_account_of
from billing.models import ConnectedAccount
from billing.plans import billing_enabled
from billing.selectors import billing_state
from tenant_apps.activity.descriptions import Line, line
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.history.selectors import reader_for
from tenant_apps.invoices.currencies import currency_get, money_round
from tenant_apps.invoices.models import Invoice
from tenant_apps.invoices.selectors import credited_total, visible_invoices
from tenant_apps.kit.access import Actor
from tenant_apps.payments.audit import PaymentAudit
from tenant_apps.payments.models import (
    COUNTED,
    Method,
    Payment,
    PaymentSettings,
    PaymentStatus,
    methods_for,
)


def amount_due(invoice: Invoice) -> Decimal:
    """What the client still owes: the total less its credit notes and what succeeded
    payments brought in. A refund does not make it due again: the agency chose to give the
    money back (a credit note says why, where there is one)."""
    paid = Payment.objects.filter(invoice=invoice, status__in=COUNTED).aggregate(
        total=Sum("amount", default=Decimal(0))
    )["total"]
    owed = invoice.total - credited_total(invoice) - paid
    return _in_currency(max(owed, Decimal(0)), invoice.currency)


def _in_currency(amount: Decimal, code: str) -> Decimal:
    """With the currency's own decimals (stored amounts have three): 650.000 EUR → 650.00."""
    found = currency_get(code)
    return money_round(amount, found) if found else amount


def amount_payable(invoice: Invoice) -> Decimal:
    """What may be paid online now: the amount due less payments still clearing."""
    clearing = Payment.objects.filter(invoice=invoice, status=PaymentStatus.PROCESSING).aggregate(
        total=Sum("amount", default=Decimal(0))
    )["total"]
    return _in_currency(max(amount_due(invoice) - clearing, Decimal(0)), invoice.currency)


def payment_settings() -> PaymentSettings:
    found = PaymentSettings.objects.filter(pk=1).first()
    return found or PaymentSettings(pk=1, methods=[Method.CARD], allow_partial=False)


def minor_units(amount: Decimal, currency: str) -> int:
    """``amount`` in the currency's smallest unit, as Stripe counts it (EUR 12.34 → 1234)."""
    found = currency_get(currency)
    places = found.minor_units if found else 2
    return int((amount * (10**places)).to_integral_value())


def from_minor_units(amount: int, currency: str) -> Decimal:
    found = currency_get(currency)
    places = found.minor_units if found else 2
    return Decimal(amount).scaleb(-places)


# Stripe's requirements.disabled_reason, in words for the owner.
REASONS = {
    "requirements.past_due": "Stripe needs more information about the business.",
    "requirements.pending_verification": "Stripe is verifying the details given.",
    "under_review": "Stripe is reviewing the account.",
    "listed": "Stripe is reviewing the account.",
    "platform_paused": "The platform has paused the account.",
    "rejected.fraud": "Stripe rejected the account (suspected fraud).",
    "rejected.incomplete_verification": "Stripe rejected the account: verification incomplete.",
    "rejected.listed": "Stripe rejected the account.",
    "rejected.other": "Stripe rejected the account.",
    "rejected.terms_of_service": "Stripe rejected the account (terms of service).",
    "action_required.requested_capabilities": "Stripe needs the account to request card payments.",
    "other": "Stripe restricted the account.",
}
PENDING_REASONS = {"requirements.pending_verification", "under_review", ""}


@dataclass(frozen=True)
class AccountState:
    """The agency's connected account as last read from Stripe, in words."""

    state: str  # "off", "not_connected", "pending", "enabled", "restricted"
    label: str
    reason: str  # Stripe's, in words; empty unless pending or restricted
    account: ConnectedAccount | None

    @property
    def enabled(self) -> bool:
        return self.state == "enabled"


def account_state(agency=None) -> AccountState:
    agency = agency or connection.tenant
    if not billing_enabled():
        return AccountState("off", "Not available", "", None)
    account = connected_account_of(agency)
    if account is None:
        return AccountState("not_connected", "Not connected", "", None)
    reason = REASONS.get(account.disabled_reason, account.disabled_reason)
    if account.charges_enabled:
        return AccountState("enabled", "Charges enabled", "", account)
    if not account.details_submitted:
        return AccountState(
            "pending",
            "Onboarding not finished",
            "Give Stripe the business's details to take payments.",
            account,
        )
    if account.disabled_reason in PENDING_REASONS:
        return AccountState("pending", "Pending verification", reason, account)
    return AccountState("restricted", "Restricted", reason, account)


def application_fee_percent(agency=None) -> Decimal:
    """The platform's cut of each client payment on the agency's current plan."""
    return billing_state(agency or connection.tenant).plan.application_fee


def checkout_methods(currency: str) -> list[str]:
    return methods_for(payment_settings().methods or [Method.CARD], currency) or [Method.CARD]


def visible_payments(actor: Actor) -> QuerySet[Payment]:
    """Payments on invoices ``actor`` sees; a client never sees a checkout merely opened (or
    closed unpaid)."""
    payments = Payment.objects.select_related("invoice", "invoice__company").filter(
        invoice__in=visible_invoices(actor)
    )
    if not actor.is_team:
        payments = payments.exclude(status__in=[PaymentStatus.OPEN, PaymentStatus.EXPIRED])
    return payments


def invoice_payments(actor: Actor, invoice: Invoice) -> list[Payment]:
    return list(visible_payments(actor).filter(invoice=invoice).order_by("created_at", "id"))


# What clients read of a payment's history; the team also reads checkouts started and
# refunds asked for.
CLIENT_PAYMENT_CODES = [
    PaymentAudit.PAYMENT_SUCCEEDED,
    PaymentAudit.PAYMENT_FAILED,
    PaymentAudit.PAYMENT_REFUNDED,
]


def payment_history(actor: Actor, payments: list[Payment]) -> list[Line]:
    """The activity entries of ``payments`` (as ``invoice_payments`` gives them to
    ``actor``) in sentences, oldest first: one query, whatever the number of payments."""
    entries = ActivityEntry.objects.filter(
        object_type=Payment._meta.label_lower,
        object_id__in=[str(payment.pk) for payment in payments],
    ).select_related("actor")
    if actor.is_client:
        entries = entries.filter(action__in=CLIENT_PAYMENT_CODES)
    reader = reader_for(actor)
    return [line(entry, reader) for entry in entries.order_by("id")]
