"""Every call this project makes to Stripe, through the stripe library's StripeClient.

Answers come back as plain dicts. STRIPE_API_BASE points the client elsewhere (the tests'
stand-in on loopback). Calls made by retried Celery tasks pass an Idempotency-Key derived
from what they create, so a retry after a lost answer gets the first answer back instead of
a second object.
"""

from functools import cache

import stripe
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


@cache
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def client() -> stripe.StripeClient:
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def customer_idempotency_key(agency) -> str:
    # One customer per agency, however often creating it is retried.
    return f"agency-{agency.pk}-customer"


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


def checkout_session(session_id: str) -> dict:
    return client().v1.checkout.sessions.retrieve(session_id).to_dict()


def portal_session_create(*, customer_id, return_url) -> dict:
    session = client().v1.billing_portal.sessions.create(
        params={"customer": customer_id, "return_url": return_url}
    )
    return session.to_dict()


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
