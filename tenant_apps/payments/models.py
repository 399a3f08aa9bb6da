"""How an agency takes payments online, and each payment a client makes on an invoice."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from shared_apps.core.formatting import format_money
from tenant_apps.invoices.models import Invoice


class Method(models.TextChoices):
    """What a client may pay with, by Stripe's payment method type: cards everywhere, bank
    debits in the currency each one works in (DEBIT_CURRENCIES)."""

    CARD = "card", "Card"
    US_BANK_ACCOUNT = "us_bank_account", "US bank account (ACH debit)"
    SEPA_DEBIT = "sepa_debit", "SEPA Direct Debit"
    BACS_DEBIT = "bacs_debit", "Bacs Direct Debit (UK)"
    AU_BECS_DEBIT = "au_becs_debit", "BECS Direct Debit (Australia)"
    ACSS_DEBIT = "acss_debit", "Pre-authorized debit (Canada)"


# The one currency each bank debit is offered for, as Stripe supports it.
DEBIT_CURRENCIES = {
    Method.US_BANK_ACCOUNT: "USD",
    Method.SEPA_DEBIT: "EUR",
    Method.BACS_DEBIT: "GBP",
    Method.AU_BECS_DEBIT: "AUD",
    Method.ACSS_DEBIT: "CAD",
}


def methods_for(methods: list[str], currency: str) -> list[str]:
    """The chosen methods that work for ``currency``: cards, and the debit in that currency."""
    return [
        method
        for method in methods
        if method == Method.CARD or DEBIT_CURRENCIES.get(method) == currency.upper()
    ]


class PaymentSettings(models.Model):
    """The agency's one row (pk 1): what clients may pay with, and whether in part."""

    methods = ArrayField(
        models.CharField(max_length=30, choices=Method.choices), default=list, blank=True
    )
    allow_partial = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return "Payment settings"


class PaymentStatus(models.TextChoices):
    # Checkout opened; nothing paid yet. Only the team sees these.
    OPEN = "open", "Checkout opened"
    # Closed unpaid at Stripe when the client opened another Checkout on the invoice.
    EXPIRED = "expired", "Checkout closed"
    PROCESSING = "processing", "Payment processing"
    SUCCEEDED = "succeeded", "Paid"
    FAILED = "failed", "Payment failed"
    REFUNDED = "refunded", "Refunded"


# A payment that counts against the amount due (less what was refunded of it).
COUNTED = [PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED]


def _money(**options):
    return models.DecimalField(max_digits=15, decimal_places=3, **options)


class Payment(models.Model):
    """One Checkout on the agency's connected account for (part of) one invoice.

    Its status is Stripe's, copied from a fresh read of Stripe when a verified event arrives.
    ``attempt_key`` is the Idempotency-Key of its Checkout Session: the invoice, the amount
    due then and the amount, so a second click pays through the same session.
    """

    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        related_name="payments",
        db_index=False,  # payment_invoice_status leads with it
    )
    amount = _money()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus, default=PaymentStatus.OPEN)
    amount_refunded = _money(default=Decimal(0))
    application_fee = _money(default=Decimal(0))
    # Unique through Meta.constraints: no _like index, it is never matched by prefix.
    attempt_key = models.CharField(max_length=200)
    stripe_account_id = models.CharField(max_length=255)
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["invoice", "status"], name="payment_invoice_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0, amount_refunded__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
            models.UniqueConstraint(
                fields=["attempt_key"], name="payments_payment_attempt_key_key"
            ),
        ]

    def __str__(self):
        return f"a payment of {format_money(self.amount, self.currency)} on {self.invoice}"

    @property
    def company_id(self) -> int:
        # The activity log files a payment's entries under the invoice's client company.
        return self.invoice.company_id

    @property
    def net(self) -> Decimal:
        return self.amount - self.amount_refunded

    @property
    def has_receipt(self) -> bool:
        return self.status in COUNTED
