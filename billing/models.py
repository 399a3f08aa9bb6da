"""An agency's subscription and the Stripe events already handled, in the public schema."""

from django.contrib.postgres.fields import ArrayField
from django.db import IntegrityError, models, transaction


class Status(models.TextChoices):
    # Our own card-less trial, before any Stripe subscription exists.
    TRIAL = "trial", "Trial"
    # Stripe's subscription statuses, copied as they are.
    TRIALING = "trialing", "Trialing"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    UNPAID = "unpaid", "Unpaid"
    CANCELED = "canceled", "Cancelled"
    INCOMPLETE = "incomplete", "Awaiting first payment"
    INCOMPLETE_EXPIRED = "incomplete_expired", "First payment never made"
    PAUSED = "paused", "Paused"


class Subscription(models.Model):
    """What an agency pays for: one row per agency, created with its trial at signup.

    The Stripe fields mirror Stripe's current state; only ``subscription_sync`` writes them,
    from a fresh read of Stripe, so events arriving out of order cannot leave it stale.
    """

    agency = models.OneToOneField(
        "tenants.Agency", on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.CharField(max_length=20)  # a key of settings.BILLING_PLANS
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TRIAL)
    trial_ends_at = models.DateTimeField()
    # The Stripe customer maps back to the agency: unique, so one customer is one agency.
    stripe_customer_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    synced_at = models.DateTimeField(null=True, blank=True)
    # When the owners were told the trial ends soon, and that it ended: each email once.
    trial_ending_sent_at = models.DateTimeField(null=True, blank=True)
    trial_ended_sent_at = models.DateTimeField(null=True, blank=True)
    # Who billing writes to: the agency's active owners, longest-serving first (the first is
    # the Stripe customer's email). The owners live in the agency's schema; its people actions
    # keep this current (subscription_owner_emails_set), so billing never reads tenant tables.
    owner_emails = ArrayField(models.EmailField(), default=list, blank=True)
    # Set by a platform operator (operators.agencies_actions), whatever Stripe says: the plan
    # whose limits apply, and single limits (keys of LIMIT_KEYS; null means no limit).
    plan_override = models.CharField(max_length=20, blank=True)
    limit_overrides = models.JSONField(default=dict, blank=True)
    overrides_set_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Subscription of {self.agency_id}: {self.plan}, {self.status}"


# The plan limits an operator may set one by one (billing.plans.Plan fields).
LIMIT_KEYS = ("seats", "client_companies", "storage_gb", "custom_domain")


class StripeEvent(models.Model):
    """A webhook event handled once: written in the same transaction as its effect."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    agency = models.ForeignKey(
        "tenants.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"

    @classmethod
    def record_once(cls, event: dict, *, agency_id: int | None) -> bool:
        """Record ``event`` as handled, in the caller's transaction; False when it already
        was (another delivery got there first), leaving that transaction usable."""
        try:
            with transaction.atomic():
                cls.objects.create(event_id=event["id"], type=event["type"], agency_id=agency_id)
        except IntegrityError:
            return False
        return True


class ConnectedAccount(models.Model):
    """The agency's own Stripe account (Connect), through which its clients pay it.

    Kept in the public schema because a Connect event names only the account: this row maps
    it to the agency whose schema the event is handled in. The state fields mirror Stripe's
    account as last read (only ``connect.account_sync`` writes them).
    """

    agency = models.OneToOneField(
        "tenants.Agency", on_delete=models.CASCADE, related_name="connected_account"
    )
    stripe_account_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=20)  # "standard" or "express"
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    # Stripe's requirements.disabled_reason, e.g. "requirements.past_due"; empty when none.
    disabled_reason = models.CharField(max_length=100, blank=True)
    default_currency = models.CharField(max_length=3, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"the Stripe account {self.stripe_account_id}"


class AccountCredit(models.Model):
    """Credit the platform gave an agency toward its subscription: a Stripe customer balance
    transaction, which Stripe takes off the agency's next invoices."""

    agency = models.ForeignKey(
        "tenants.Agency", on_delete=models.CASCADE, related_name="account_credits"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.TextField()
    granted_by = models.CharField(max_length=254)  # the operator's email
    # One grant per form or API call, however often it is sent (Stripe's Idempotency-Key).
    idempotency_key = models.CharField(max_length=64, unique=True)
    stripe_balance_transaction_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.currency} {self.amount} for agency {self.agency_id}"
