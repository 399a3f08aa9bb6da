"""Every call this project makes to Stripe, through the stripe library's StripeClient.

Answers come back as plain dicts. STRIPE_API_BASE points the client elsewhere (the tests'
stand-in on loopback). Calls made by retried Celery tasks pass an Idempotency-Key derived
from what they create, so a retry after a lost answer gets the first answer back instead of
a second object.

Failures come out as this module's own exceptions, and the stripe library is imported only
when Stripe is called: it adds ~20 MB to every web process that imports it.
"""

from functools import cache, wraps

from django.conf import settings

TIMEOUT_SECONDS = 20
# The library retries a failed request itself, with one idempotency key for its tries.
NETWORK_RETRIES = 2
# The Stripe subscription statuses an agency pays under, most telling first: the one
# shown is the best ranked of the customer's subscriptions.
STATUS_RANK = [
    "active",
    "trialing",
    "past_due",
    "unpaid",
    "incomplete",
    "paused",
    "canceled",
    "incomplete_expired",
]


class StripeUnreachable(Exception):
    """Stripe could not be reached or refused the call; nothing was changed here."""


class StripeTransient(StripeUnreachable):
    """Worth trying again: Stripe unreachable, rate-limited or failing on its side."""


class StripeNotFound(StripeUnreachable):
    """Stripe has no such object (on the account asked): asking again will not find it."""


class SignatureRefused(Exception):
    """A webhook body whose Stripe-Signature does not verify (or is too old)."""


def _translated(call):
    """Stripe's errors as ours, so callers never import the library."""

    @wraps(call)
    def wrapped(*args, **kwargs):
        import stripe

        try:
            return call(*args, **kwargs)
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
            raise StripeTransient(str(error)) from error
        except stripe.InvalidRequestError as error:
            if error.code == "resource_missing":
                raise StripeNotFound(str(error)) from error
            raise StripeUnreachable(str(error)) from error
        except stripe.StripeError as error:
            raise StripeUnreachable(str(error)) from error

    return wrapped


def webhook_event(payload: bytes, signature: str | None) -> dict:
    """The event Stripe signed, verified over the raw body; refuses timestamps over 300 s
    old. Raises SignatureRefused, or ValueError for a body that is no event."""
    import stripe

    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except stripe.SignatureVerificationError as refused:
        raise SignatureRefused(refused.user_message or str(refused)) from refused
    except (AttributeError, TypeError) as error:  # JSON, but not an object
        raise ValueError("A signed body that is not a JSON object.") from error
    event = event.to_dict()
    if not _is_event(event):
        raise ValueError("A signed body without an event's id, type and data.object.")
    return event


def _is_event(event: dict) -> bool:
    """Whether ``event`` has the envelope every handler reads (the stripe library checks only
    the signature)."""
    data = event.get("data")
    return (
        isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("account") or "", str)
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


@cache
def _client(api_key: str, api_base: str) -> "stripe.StripeClient":  # noqa: F821
    import stripe

    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def client() -> "stripe.StripeClient":  # noqa: F821
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def customer_idempotency_key(agency) -> str:
    # One customer per agency, however often creating it is retried.
    return f"agency-{agency.pk}-customer"


@_translated
def customer_create(*, agency, email: str) -> dict:
    customer = client().v1.customers.create(
        params={
            "name": agency.name,
            "email": email,
            "metadata": {"agency_id": str(agency.pk), "schema": agency.schema_name},
        },
        options={"idempotency_key": customer_idempotency_key(agency)},
    )
    return customer.to_dict()


@_translated
def customer_credit_create(
    *, customer_id: str, amount_minor: int, currency: str, description: str, idempotency_key: str
) -> dict:
    """Credit the customer's balance by ``amount_minor`` (cents): Stripe takes it off their
    next invoices."""
    transaction = client().v1.customers.balance_transactions.create(
        customer_id,
        params={"amount": -amount_minor, "currency": currency.lower(), "description": description},
        options={"idempotency_key": f"credit-{idempotency_key}"},
    )
    return transaction.to_dict()


@_translated
def checkout_session_create(*, agency, customer_id, price_id, success_url, cancel_url) -> dict:
    session = client().v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": customer_id,
            "client_reference_id": str(agency.pk),
            "line_items": [{"price": price_id, "quantity": 1}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "allow_promotion_codes": True,
            "metadata": {"agency_id": str(agency.pk)},
            "subscription_data": {"metadata": {"agency_id": str(agency.pk)}},
        }
    )
    return session.to_dict()


@_translated
def checkout_session(session_id: str) -> dict:
    return client().v1.checkout.sessions.retrieve(session_id).to_dict()


@_translated
def portal_session_create(*, customer_id, return_url) -> dict:
    session = client().v1.billing_portal.sessions.create(
        params={"customer": customer_id, "return_url": return_url}
    )
    return session.to_dict()


@_translated
def current_subscription(customer_id: str) -> dict | None:
    """The customer's subscription as Stripe has it now: the best placed by STATUS_RANK,
    the newest among equals; None when the customer never subscribed."""
    listing = client().v1.subscriptions.list(
        params={"customer": customer_id, "status": "all", "limit": 100}
    )
    ranked = [sub.to_dict() for sub in listing.data if sub.status in STATUS_RANK]
    if not ranked:
        return None
    return min(ranked, key=lambda sub: (STATUS_RANK.index(sub["status"]), -sub["created"]))


# Connect: the agency's own account, and the calls made on it (the Stripe-Account header).


def connect_account_idempotency_key(agency) -> str:
    return f"agency-{agency.pk}-connect-account"


@_translated
def account_create(*, agency, email: str, account_type: str) -> dict:
    account = client().v1.accounts.create(
        params={
            "type": account_type,
            "email": email or None,
            "metadata": {"agency_id": str(agency.pk), "schema": agency.schema_name},
        },
        options={"idempotency_key": connect_account_idempotency_key(agency)},
    )
    return account.to_dict()


@_translated
def account(account_id: str) -> dict:
    return client().v1.accounts.retrieve(account_id).to_dict()


@_translated
def account_link_create(*, account_id: str, refresh_url: str, return_url: str) -> dict:
    link = client().v1.account_links.create(
        params={
            "account": account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        }
    )
    return link.to_dict()


@_translated
def payment_checkout_create(
    *,
    account_id: str,
    amount_minor: int,
    currency: str,
    description: str,
    methods: list[str],
    metadata: dict,
    application_fee_minor: int,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> dict:
    """A payment-mode Checkout Session on the connected account: the money is the agency's,
    less the platform's application fee (none when 0)."""
    intent_data = {"metadata": metadata, "description": description}
    if application_fee_minor:
        intent_data["application_fee_amount"] = application_fee_minor
    session = client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": amount_minor,
                        "product_data": {"name": description},
                    },
                }
            ],
            "payment_method_types": methods,
            "metadata": metadata,
            "payment_intent_data": intent_data,
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        options={"stripe_account": account_id, "idempotency_key": idempotency_key},
    )
    return session.to_dict()


@_translated
def connected_checkout_session(account_id: str, session_id: str) -> dict:
    options = {"stripe_account": account_id}
    return client().v1.checkout.sessions.retrieve(session_id, options=options).to_dict()


@_translated
def connected_checkout_expire(account_id: str, session_id: str) -> dict:
    """Close an open Checkout Session on the connected account: it can no longer be paid.
    Stripe refuses (StripeUnreachable) a session no longer open."""
    options = {"stripe_account": account_id}
    return client().v1.checkout.sessions.expire(session_id, options=options).to_dict()


@_translated
def connected_payment_intent(account_id: str, intent_id: str) -> dict:
    options = {"stripe_account": account_id}
    return client().v1.payment_intents.retrieve(intent_id, options=options).to_dict()


@_translated
def connected_charge(account_id: str, charge_id: str) -> dict:
    return client().v1.charges.retrieve(charge_id, options={"stripe_account": account_id}).to_dict()


@_translated
def connected_refund_create(
    *, account_id: str, intent_id: str, amount_minor: int, idempotency_key: str
) -> dict:
    refund = client().v1.refunds.create(
        params={"payment_intent": intent_id, "amount": amount_minor},
        options={"stripe_account": account_id, "idempotency_key": idempotency_key},
    )
    return refund.to_dict()
