"""Every write to an agency's subscription: the trial, Checkout, the Customer Portal, and
Stripe's webhook events. A change of plan or status is announced (billing.signals) for the
agency side to log; opening Checkout or the portal is logged by the agency's own actions
(tenant_apps.subscription.actions)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import stripe_api
from billing.connect import connect_event_handle
from billing.models import LIMIT_KEYS, AccountCredit, StripeEvent, Subscription
from billing.plans import PLAN_CURRENCY, billing_enabled, plan_for_price, plan_named
from billing.selectors import billing_state, billing_state_forget
from billing.signals import subscription_changed
from shared_apps.core.tasks import enqueue_on_commit
from tenants.models import Agency

# The events that can change what an agency is on. Each one only says "look again": the
# current subscription is re-read from Stripe, so their order does not matter.
HANDLED_EVENTS = {
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
}


class BillingRefused(Exception):
    """Billing cannot do this now; ``message`` says why in words for the owner."""

    MESSAGES = {
        "off": "Billing is off here: every agency is on the top plan, with nothing to pay.",
        "not_in_trial": (
            "This agency is not in its trial (it subscribed, or the trial ended), so there is "
            "no trial to extend. Override its plan or limits instead."
        ),
        "subscribed": (
            "This workspace already has a subscription. Change its plan, card or invoices in "
            "the Stripe Customer Portal."
        ),
    }

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)

    @property
    def message(self) -> str:
        return self.MESSAGES[self.reason]


def trial_start(*, agency: Agency) -> Subscription:
    """At signup: the card-less trial, with the Stripe customer made by a task afterwards.

    The row may exist already, made when the first owner's address was stored."""
    subscription, _ = Subscription.objects.update_or_create(
        agency=agency,
        defaults={
            "plan": settings.BILLING_TRIAL_PLAN,
            "trial_ends_at": timezone.now() + timedelta(days=settings.BILLING_TRIAL_DAYS),
        },
    )
    if billing_enabled():
        enqueue_on_commit("billing.tasks.customer_create", agency.pk)
    return subscription


def _subscription_of(agency: Agency, *, lock: bool = False) -> Subscription:
    """The agency's row; one older than billing gets one, its trial counted from its creation."""
    Subscription.objects.get_or_create(
        agency=agency,
        defaults={
            "plan": settings.BILLING_TRIAL_PLAN,
            "trial_ends_at": agency.created_at + timedelta(days=settings.BILLING_TRIAL_DAYS),
        },
    )
    rows = Subscription.objects.select_for_update() if lock else Subscription.objects
    return rows.get(agency=agency)


def subscription_owner_emails_set(*, agency: Agency, emails: Callable[[], list[str]]) -> None:
    """Store the addresses billing writes to: ``emails()``, the agency's active owners,
    longest-serving first. Call it in the transaction of every change to who the owners are
    or their addresses. ``emails`` is read under the row's lock, so of two changes at once
    the second waits, then reads the owners with the first one's committed."""
    with transaction.atomic():
        subscription = _subscription_of(agency, lock=True)
        owners = list(emails())
        if subscription.owner_emails != owners:
            subscription.owner_emails = owners
            subscription.save(update_fields=["owner_emails"])


def subscription_overrides_set(
    *, agency: Agency, plan_override: str | None = None, limit_overrides: dict | None = None
) -> dict:
    """A platform operator's plan (a plan key, "" for Stripe's) or limits (keys of
    LIMIT_KEYS, None meaning no limit), whatever Stripe says; None leaves that part as it is.
    Call it in the operator action's transaction. Returns the changes, {field: [old, new]}."""
    if not billing_enabled():
        raise BillingRefused("off")
    subscription = _subscription_of(agency, lock=True)
    changes = {}
    if plan_override is not None and plan_override != subscription.plan_override:
        if plan_override and plan_named(plan_override) is None:
            raise ValidationError({"plan": "No plan has that name."})
        changes["plan_override"] = [subscription.plan_override, plan_override]
        subscription.plan_override = plan_override
    if limit_overrides is not None and limit_overrides != subscription.limit_overrides:
        unknown = set(limit_overrides) - set(LIMIT_KEYS)
        if unknown:
            raise ValidationError({"limits": f"Unknown limits: {', '.join(sorted(unknown))}."})
        changes["limit_overrides"] = [subscription.limit_overrides, limit_overrides]
        subscription.limit_overrides = limit_overrides
    if changes:
        subscription.overrides_set_at = timezone.now()
        subscription.save(update_fields=["plan_override", "limit_overrides", "overrides_set_at"])
        billing_state_forget(agency)
        # The agency's own log shows what the platform changed, as it shows Stripe's changes.
        subscription_changed.send(
            sender=Subscription, agency=agency, subscription=subscription, changes=changes
        )
    return changes


def subscription_trial_extend(*, agency: Agency, days: int) -> dict:
    """Move the running trial's end ``days`` days later; only while the agency is in its
    trial. Returns the change, {"trial_ends_at": [old, new]}."""
    if not billing_enabled():
        raise BillingRefused("off")
    subscription = _subscription_of(agency, lock=True)
    billing_state_forget(agency)  # judged on the row as locked, not a cached copy
    if not billing_state(agency).in_trial:
        raise BillingRefused("not_in_trial")
    old = subscription.trial_ends_at
    subscription.trial_ends_at = old + timedelta(days=days)
    subscription.save(update_fields=["trial_ends_at"])
    billing_state_forget(agency)
    changes = {"trial_ends_at": [old.isoformat(), subscription.trial_ends_at.isoformat()]}
    subscription_changed.send(
        sender=Subscription, agency=agency, subscription=subscription, changes=changes
    )
    return changes


CREDIT_MOST = Decimal("10000")


def account_credit_grant(
    *,
    agency: Agency,
    amount: Decimal,
    reason: str,
    granted_by: str,
    idempotency_key: str,
    then: Callable[[AccountCredit], None] | None = None,
) -> AccountCredit:
    """Credit ``amount`` (PLAN_CURRENCY) to the agency's Stripe balance, which Stripe takes
    off its next invoices, and record it. The same ``idempotency_key`` grants once however
    often it is sent. ``then(credit)`` runs in the transaction that records it (the
    operator's log entry)."""
    if not billing_enabled():
        raise BillingRefused("off")
    if not Decimal(0) < amount <= CREDIT_MOST:
        raise ValidationError({"amount": f"Give between 0.01 and {CREDIT_MOST:,} {PLAN_CURRENCY}."})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": "Give the amount in dollars and cents."})
    granted = AccountCredit.objects.filter(idempotency_key=idempotency_key).first()
    if granted is not None:
        if granted.agency_id != agency.pk or granted.amount != amount:
            raise ValidationError("This form was already used for another credit; reload it.")
        return granted
    customer_id = customer_ensure(agency=agency)
    transaction_made = stripe_api.customer_credit_create(
        customer_id=customer_id,
        amount_minor=int(amount * 100),
        currency=PLAN_CURRENCY,
        description="Credit from the platform",  # the reason is the operators' own
        idempotency_key=idempotency_key,
    )
    try:
        with transaction.atomic():
            credit = AccountCredit.objects.create(
                agency=agency,
                amount=amount,
                currency=PLAN_CURRENCY,
                reason=reason,
                granted_by=granted_by,
                idempotency_key=idempotency_key,
                stripe_balance_transaction_id=transaction_made["id"],
            )
            if then is not None:
                then(credit)
    except IntegrityError:  # the same form sent twice at once: Stripe answered both alike
        return AccountCredit.objects.get(idempotency_key=idempotency_key)
    return credit


def customer_ensure(*, agency: Agency) -> str:
    """The agency's Stripe customer id, creating the customer once if it has none.

    Creation carries the agency's Idempotency-Key, so the signup task, its retries and an
    owner's first Checkout racing it all get the same customer back from Stripe.
    """
    subscription = _subscription_of(agency)
    if subscription.stripe_customer_id:
        return subscription.stripe_customer_id
    # The first owner's address: the same on every try, as Stripe requires of a request
    # repeated under one Idempotency-Key.
    email = next(iter(subscription.owner_emails), "")
    customer = stripe_api.customer_create(agency=agency, email=email)
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk, stripe_customer_id=None).update(
            stripe_customer_id=customer["id"]
        )
        billing_state_forget(agency)
    return Subscription.objects.values_list("stripe_customer_id", flat=True).get(pk=subscription.pk)


def checkout_start(*, agency, plan_key, success_url, cancel_url) -> str:
    """A subscription-mode Checkout Session for ``plan_key``; returns where to send the owner."""
    if not billing_enabled():
        raise BillingRefused("off")
    plan = plan_named(plan_key)
    if plan is None:
        raise ValidationError({"plan": "Choose one of the plans."})
    if billing_state(agency).subscribed:
        raise BillingRefused("subscribed")
    customer_id = customer_ensure(agency=agency)
    session = stripe_api.checkout_session_create(
        agency=agency,
        customer_id=customer_id,
        price_id=plan.price_id,
        success_url=success_url,
        cancel_url=cancel_url,
    )
    return session["url"]


def portal_open(*, agency, return_url) -> str:
    """A Customer Portal session for cards, plan changes, cancellation and invoices."""
    if not billing_enabled():
        raise BillingRefused("off")
    customer_id = customer_ensure(agency=agency)
    session = stripe_api.portal_session_create(customer_id=customer_id, return_url=return_url)
    return session["url"]


def checkout_return(*, agency, session_id: str) -> bool:
    """The owner is back from Checkout: copy the subscription now rather than wait for the
    webhook. Only a session of the agency's own customer counts; returns whether it did."""
    if not billing_enabled() or not session_id:
        return False
    session = stripe_api.checkout_session(session_id)
    with transaction.atomic():
        subscription = _subscription_of(agency, lock=True)
        if not subscription.stripe_customer_id or (
            session.get("customer") != subscription.stripe_customer_id
        ):
            return False
        _sync_locked(subscription)
    return True


def _timestamp(value) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def _period_end(stripe_subscription: dict) -> datetime | None:
    # Newer API versions keep the period on each item; older ones on the subscription.
    items = stripe_subscription.get("items", {}).get("data", [])
    ends = [item["current_period_end"] for item in items if item.get("current_period_end")]
    return _timestamp(max(ends) if ends else stripe_subscription.get("current_period_end"))


def _price_id(stripe_subscription: dict) -> str:
    items = stripe_subscription.get("items", {}).get("data", [])
    return items[0]["price"]["id"] if items else ""


def _sync_locked(subscription: Subscription) -> None:
    """Copy the customer's current Stripe subscription onto the locked row, announcing changes.

    Read while the row is locked: whichever sync commits last read Stripe last."""
    current = stripe_api.current_subscription(subscription.stripe_customer_id)
    before = {"status": subscription.status, "plan": subscription.plan}
    if current is not None:
        plan = plan_for_price(_price_id(current))
        subscription.status = current["status"]
        # An unknown price (set up in Stripe but not here) keeps the plan we knew.
        subscription.plan = plan.key if plan else subscription.plan
        subscription.stripe_subscription_id = current["id"]
        subscription.current_period_end = _period_end(current)
        subscription.cancel_at_period_end = bool(current.get("cancel_at_period_end"))
    subscription.synced_at = timezone.now()
    subscription.save()
    billing_state_forget(subscription.agency)
    after = {"status": subscription.status, "plan": subscription.plan}
    changes = {field: [before[field], after[field]] for field in before if before != after}
    if changes:
        subscription_changed.send(
            sender=Subscription,
            agency=subscription.agency,
            subscription=subscription,
            changes=changes,
        )


def subscription_sync(*, agency: Agency) -> Subscription:
    """Bring the agency's row up to Stripe's current state (for a customer it has)."""
    with transaction.atomic():
        subscription = _subscription_of(agency, lock=True)
        if subscription.stripe_customer_id:
            _sync_locked(subscription)
        return subscription


def _subscription_for_event(event: dict) -> Subscription | None:
    """The locked row of the agency the event is about: by its Stripe customer, else by the
    agency id we put on the Checkout Session and the subscription (which maps the customer)."""
    payload = event["data"]["object"]
    customer_id = payload.get("customer")
    if not customer_id:
        return None
    found = Subscription.objects.select_for_update().filter(stripe_customer_id=customer_id)
    subscription = found.select_related("agency").first()
    if subscription is not None:
        return subscription
    agency_id = payload.get("client_reference_id") or payload.get("metadata", {}).get("agency_id")
    agency = Agency.objects.live().filter(pk=agency_id).first() if agency_id else None
    if agency is None:
        return None
    subscription = _subscription_of(agency, lock=True)
    if subscription.stripe_customer_id:  # the agency already has another customer
        return None
    subscription.stripe_customer_id = customer_id
    return subscription


def webhook_event_handle(*, event: dict) -> str:
    """Apply a verified Stripe event once; returns "handled", "duplicate" or "ignored".

    The event id is recorded under its unique constraint in the same transaction as the
    effect: a failure records nothing (Stripe delivers it again), and of concurrent
    deliveries one applies it and the others find it recorded.
    """
    if event.get("account"):  # a connected account's: an agency's client paying it
        return connect_event_handle(event=event)
    if event["type"] not in HANDLED_EVENTS:
        return "ignored"
    with transaction.atomic():
        # The row lock first: deliveries for one agency queue here, and each later one
        # finds the event already recorded by the time it gets the lock.
        subscription = _subscription_for_event(event)
        if not StripeEvent.record_once(
            event, agency_id=subscription.agency_id if subscription else None
        ):
            return "duplicate"
        if subscription is None:
            return "ignored"
        _sync_locked(subscription)
    return "handled"
