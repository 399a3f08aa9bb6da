"""Stripe Connect in the public schema: each agency's connected account, and the routing of
Connect events (those naming an ``account``) to the agency that owns the account.

What an event means for the agency's invoices is decided on the agency side
(tenant_apps.payments), which listens to ``billing.signals.connect_event``: billing never
imports it. The event id is recorded in the same transaction as the receivers' effect.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing import stripe_api
from billing.models import ConnectedAccount, StripeEvent
from billing.plans import billing_enabled
from billing.signals import connect_account_changed, connect_event
from tenants.models import Agency

# Connect events handled; the rest are acknowledged and left.
CONNECT_EVENTS = {
    "account.updated",
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "payment_intent.succeeded",
    "payment_intent.processing",
    "payment_intent.payment_failed",
    "charge.refunded",
}
STATE_FIELDS = (
    "charges_enabled",
    "payouts_enabled",
    "details_submitted",
    "disabled_reason",
    "default_currency",
)


class ConnectRefused(Exception):
    """Connect cannot do this now; ``message`` says why in words for the owner."""

    MESSAGES = {
        "off": "Online payments need Stripe, which is not set up on this platform.",
    }

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)

    @property
    def message(self) -> str:
        return self.MESSAGES[self.reason]


def connected_account_of(agency) -> ConnectedAccount | None:
    return ConnectedAccount.objects.filter(agency=agency).first()


def account_ensure(*, agency: Agency, email: str) -> ConnectedAccount:
    """The agency's connected account, created at Stripe once (the agency's Idempotency-Key
    makes a repeated or concurrent first try get the same account back)."""
    if not billing_enabled():
        raise ConnectRefused("off")
    found = connected_account_of(agency)
    if found is not None:
        return found
    created = stripe_api.account_create(
        agency=agency, email=email, account_type=settings.STRIPE_CONNECT_ACCOUNT_TYPE
    )
    with transaction.atomic():
        account, _ = ConnectedAccount.objects.get_or_create(
            agency=agency,
            defaults={"stripe_account_id": created["id"], "type": created.get("type") or ""},
        )
        _copy(account, created, announce=False)  # its first state: "Onboarding not finished"
    return account


def onboarding_link(*, agency: Agency, email: str, refresh_url: str, return_url: str) -> str:
    """Where to send the owner to give Stripe the account's details (an Account Link)."""
    account = account_ensure(agency=agency, email=email)
    link = stripe_api.account_link_create(
        account_id=account.stripe_account_id, refresh_url=refresh_url, return_url=return_url
    )
    return link["url"]


def _state(stripe_account: dict) -> dict:
    requirements = stripe_account.get("requirements") or {}
    return {
        "charges_enabled": bool(stripe_account.get("charges_enabled")),
        "payouts_enabled": bool(stripe_account.get("payouts_enabled")),
        "details_submitted": bool(stripe_account.get("details_submitted")),
        "disabled_reason": requirements.get("disabled_reason") or "",
        "default_currency": (stripe_account.get("default_currency") or "").upper(),
    }


def _copy(account: ConnectedAccount, stripe_account: dict, *, announce: bool = True) -> dict:
    """Copy Stripe's state onto the row (locked or new), announcing what changed."""
    before = {field: getattr(account, field) for field in STATE_FIELDS}
    after = _state(stripe_account)
    for field, value in after.items():
        setattr(account, field, value)
    account.synced_at = timezone.now()
    account.save()
    changes = {field: [before[field], after[field]] for field in STATE_FIELDS if before != after}
    changes = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
    if changes and announce:
        connect_account_changed.send(
            sender=ConnectedAccount, agency=account.agency, account=account, changes=changes
        )
    return changes


def account_sync(*, agency: Agency) -> ConnectedAccount | None:
    """Re-read the agency's account from Stripe (the settings page's refresh, the return
    from onboarding, account.updated)."""
    with transaction.atomic():
        account = ConnectedAccount.objects.select_for_update().filter(agency=agency).first()
        if account is None:
            return None
        _copy(account, stripe_api.account(account.stripe_account_id))
        return account


def connect_event_handle(*, event: dict) -> str:
    """Apply a verified Connect event once: "handled", "duplicate" or "ignored".

    The account's row is locked first, so deliveries of one agency's events queue; the event
    id is recorded under its unique constraint with the effect, in one transaction.
    """
    if event["type"] not in CONNECT_EVENTS:
        return "ignored"
    with transaction.atomic():
        account = (
            ConnectedAccount.objects.select_for_update()
            .select_related("agency")
            .filter(stripe_account_id=event["account"], agency__in=Agency.objects.live())
            .first()
        )
        if not StripeEvent.record_once(event, agency_id=account.agency_id if account else None):
            return "duplicate"
        if account is None:
            return "ignored"
        if event["type"] == "account.updated":
            _copy(account, stripe_api.account(account.stripe_account_id))
            return "handled"
        outcomes = [
            outcome
            for _, outcome in connect_event.send(
                sender=ConnectedAccount, agency=account.agency, event=event
            )
            if outcome
        ]
        return "handled" if "handled" in outcomes or not outcomes else outcomes[0]
