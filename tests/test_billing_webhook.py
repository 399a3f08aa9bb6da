"""The Stripe webhook: signatures over the raw body, each event once, order not mattering.

Events are made by the Stripe stand-in (tests/stripe_standin.py) as Stripe would send them,
signed with the stripe library's own helper, and posted to the real endpoint; the webhook
re-reads the subscription from the stand-in through the real stripe library.
"""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django_tenants.utils import tenant_context
from stripe import WebhookSignature

from billing.actions import checkout_start
from billing.models import Status, StripeEvent, Subscription
from billing.selectors import Access, billing_state
from shared_apps.signup.actions import agency_signup
from tenant_apps.activity.models import ActivityEntry
from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tests import stripe_standin as standin
from tests.browser.conftest import _with_database
from tests.conftest import PASSWORD, host_client
from tests.stripe_standin import PRICES, signed

stripe_standin, billing_on = standin.stripe_standin, standin.billing_on  # fixtures

WEBHOOK = "/billing/stripe-webhook"


def post(event: dict, **signing):
    body, header = signed(event, **signing)
    return post_raw(body, header)


def post_raw(body: str, header: str | None):
    headers = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
    return host_client("localhost").post(WEBHOOK, body, content_type="application/json", **headers)


def subscription_of(agency) -> Subscription:
    return Subscription.objects.get(agency=agency)


def billing_entries(agency) -> list[ActivityEntry]:
    with tenant_context(agency):
        entries = ActivityEntry.objects.filter(action="billing.subscription_changed")
        return list(entries.order_by("id"))


def checkout(world, standin, plan="growth") -> str:
    """The owner starts a Checkout for ``plan``; returns the session id."""
    url = checkout_start(
        agency=world.acme,
        plan_key=plan,
        success_url="http://acme.localhost/billing/?checkout=done",
        cancel_url="http://acme.localhost/billing/?checkout=cancelled",
    )
    return url.rsplit("/", 1)[1]


def test_a_completed_checkout_maps_the_customer_and_copies_the_subscription(world, billing_on):
    session_id = checkout(world, billing_on)
    events = billing_on.checkout_complete(session_id)

    response = post(events[0])  # checkout.session.completed

    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "handled"}
    subscription = subscription_of(world.acme)
    stripe_subscription = next(iter(billing_on.subscriptions.values()))
    assert subscription.stripe_customer_id == stripe_subscription["customer"]
    assert subscription.stripe_subscription_id == stripe_subscription["id"]
    assert (subscription.status, subscription.plan) == (Status.ACTIVE, "growth")
    period_end = stripe_subscription["items"]["data"][0]["current_period_end"]
    assert subscription.current_period_end.timestamp() == period_end
    state = billing_state(world.acme)
    assert (state.access, state.plan.key, state.subscribed) == (Access.FULL, "growth", True)
    # Billing announced the change; the agency side logged it in acme's own schema.
    [entry] = billing_entries(world.acme)
    assert entry.changes == {"status": ["trial", "active"], "plan": ["growth", "growth"]}
    assert (entry.object_type, entry.object_id) == ("billing.subscription", str(subscription.pk))
    assert entry.actor is None
    assert StripeEvent.objects.get(event_id=events[0]["id"]).agency == world.acme


def test_an_event_for_a_customer_no_agency_has_is_recorded_and_ignored(world, billing_on):
    customer = billing_on.answer("POST", "/v1/customers", {"email": "x@y.example"}, None)[1]
    subscription = billing_on.subscription_create(customer["id"], PRICES["starter"])
    event = billing_on.event("customer.subscription.created", subscription)

    assert post(event).json()["outcome"] == "ignored"
    assert post(event).json()["outcome"] == "duplicate"
    assert StripeEvent.objects.get(event_id=event["id"]).agency is None


def test_an_event_type_not_handled_is_acknowledged_and_left(world, billing_on):
    event = billing_on.event("customer.updated", {"id": "cus_1", "object": "customer"})
    assert post(event).json() == {"received": True, "outcome": "ignored"}
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()


# Signatures


def test_a_bad_signature_is_refused_and_changes_nothing(world, billing_on):
    session_id = checkout(world, billing_on)
    event = billing_on.checkout_complete(session_id)[0]
    body, header = signed(event)

    forged = post(event, secret="whsec_someone_else")
    tampered = post_raw(body.replace("checkout.session", "checkout.sessionX"), header)
    unsigned = post_raw(body, None)
    garbled = post_raw(body, "t=soon,v1=nonsense")

    for response in (forged, tampered, unsigned, garbled):
        assert response.status_code == 400
        assert response.json() == {"error": "The signature does not verify."}
    assert not StripeEvent.objects.exists()
    assert subscription_of(world.acme).status == Status.TRIAL


def test_a_stale_timestamp_is_refused_after_300_seconds(world, billing_on):
    session_id = checkout(world, billing_on)
    event = billing_on.checkout_complete(session_id)[0]

    stale = post(event, timestamp=int(time.time()) - 301)
    assert stale.status_code == 400
    assert not StripeEvent.objects.exists()

    recent = post(event, timestamp=int(time.time()) - 290)
    assert recent.status_code == 200
    assert recent.json()["outcome"] == "handled"


def test_a_signed_body_that_is_not_an_event_is_refused(world, billing_on):
    body = "not json"
    header = WebhookSignature.generate_signature_header(body, billing_on.webhook_secret)
    response = post_raw(body, header)
    assert response.status_code == 400
    assert response.json() == {"error": "The body is not a Stripe event."}


def test_without_stripe_keys_the_webhook_is_not_there(world):
    response = post({"id": "evt_1", "type": "invoice.paid", "data": {"object": {}}})
    assert response.status_code == 404


# Once, and in any order


def test_the_same_event_twice_takes_effect_once(world, billing_on):
    event = billing_on.checkout_complete(checkout(world, billing_on))[1]

    assert post(event).json()["outcome"] == "handled"
    assert post(event).json()["outcome"] == "duplicate"
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert len(billing_entries(world.acme)) == 1
    customer = subscription_of(world.acme).stripe_customer_id
    lists = [c for c in billing_on.calls("GET", "/v1/subscriptions") if c.params.get("customer")]
    assert [call.params["customer"] for call in lists] == [customer]


def _life_of_a_customer(world, standin) -> list[dict]:
    """Everything Stripe sends over one customer's ups and downs, in the order it happened:
    a Growth subscription, a failed then a retried payment, cancellation, a new Starter
    subscription later upgraded to Scale and set to end with its period."""
    first_session = checkout(world, standin)
    events = standin.checkout_complete(first_session)
    first = next(iter(standin.subscriptions))
    events += standin.payment(first, paid=False)
    events += standin.payment(first, paid=True)
    events.append(standin.subscription_change(first, status="canceled"))
    customer = standin.subscriptions[first]["customer"]
    second = standin.subscription_create(customer, PRICES["starter"])
    events.append(standin.event("customer.subscription.created", second))
    events.append(standin.subscription_change(second["id"], price=PRICES["scale"]))
    events.append(standin.subscription_change(second["id"], cancel_at_period_end=True))
    return events


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_events_in_any_order_end_at_stripes_current_state(world, billing_on, seed):
    events = _life_of_a_customer(world, billing_on)
    random.Random(seed).shuffle(events)

    outcomes = [post(event).json()["outcome"] for event in events]

    assert outcomes == ["handled"] * len(events)
    subscription = subscription_of(world.acme)
    current = list(billing_on.subscriptions.values())[-1]
    assert subscription.stripe_subscription_id == current["id"]
    assert (subscription.status, subscription.plan) == (Status.ACTIVE, "scale")
    assert subscription.cancel_at_period_end is True
    state = billing_state(world.acme)
    assert (state.access, state.plan.name) == (Access.FULL, "Scale")


def test_a_late_event_of_an_old_cancelled_subscription_changes_nothing(world, billing_on):
    events = _life_of_a_customer(world, billing_on)
    cancelled = next(e for e in events if e["type"] == "customer.subscription.deleted")
    for event in events:
        if event is not cancelled:
            post(event)
    entries = len(billing_entries(world.acme))

    assert post(cancelled).json()["outcome"] == "handled"

    assert subscription_of(world.acme).status == Status.ACTIVE
    assert len(billing_entries(world.acme)) == entries  # nothing changed, nothing logged


def test_past_due_is_a_grace_period_then_unpaid_is_read_only_then_payment_restores(
    world, billing_on
):
    for event in billing_on.checkout_complete(checkout(world, billing_on)):
        post(event)
    stripe_id = subscription_of(world.acme).stripe_subscription_id

    for event in billing_on.payment(stripe_id, paid=False):
        post(event)
    assert billing_state(world.acme).access == Access.GRACE

    post(billing_on.subscription_change(stripe_id, status="unpaid"))
    assert billing_state(world.acme).access == Access.READ_ONLY

    for event in billing_on.payment(stripe_id, paid=True):
        post(event)
    assert billing_state(world.acme).access == Access.FULL
    statuses = [entry.changes["status"] for entry in billing_entries(world.acme)]
    assert statuses == [
        ["trial", "active"],
        ["active", "past_due"],
        ["past_due", "unpaid"],
        ["unpaid", "active"],
    ]


def test_stripe_unreachable_records_nothing_so_the_redelivery_applies(world, billing_on, settings):
    event = billing_on.checkout_complete(checkout(world, billing_on))[0]
    reachable = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard: nothing listens

    assert post(event).status_code == 503
    assert not StripeEvent.objects.exists()

    settings.STRIPE_API_BASE = reachable
    assert post(event).json()["outcome"] == "handled"
    assert subscription_of(world.acme).status == Status.ACTIVE


# Fifty deliveries at once, each in its own thread and database transaction


@pytest.fixture
def committed_agency(db, django_db_blocker):
    """A freshly signed-up agency, committed so other connections see it; dropped after."""

    def sign_up():
        spares = Agency.objects.spares().count()
        signup = agency_signup(
            name="Concurrent",
            subdomain="concurrent",
            owner_name="Connie Current",
            owner_email="connie@concurrent.example",
            owner_password=PASSWORD,
        )
        return signup.agency, spares

    agency, spares = _with_database(django_db_blocker, sign_up)
    yield agency

    def drop():
        StripeEvent.objects.filter(agency=agency).delete()
        Agency.objects.get(pk=agency.pk).delete(force_drop=True)
        schema_pool_fill(size=spares)

    _with_database(django_db_blocker, drop)


DELIVERIES = 50
AT_ONCE = 25  # threads in flight together, each holding a database connection


def test_fifty_concurrent_deliveries_of_one_event_take_effect_once(
    committed_agency, django_db_blocker, billing_on
):
    customer = billing_on.answer("POST", "/v1/customers", {"email": "c@c.example"}, None)[1]
    subscription = billing_on.subscription_create(customer["id"], PRICES["scale"])
    event = billing_on.event("customer.subscription.created", subscription)
    body, header = signed(event)
    start = threading.Barrier(AT_ONCE, timeout=60)

    def deliver(_):
        # The whole stack, in this thread's own connection and transaction.
        try:
            start.wait()
            response = post_raw(body, header)
            return response.status_code, response.json()["outcome"]
        finally:
            connections.close_all()

    def map_customer():
        Subscription.objects.filter(agency=committed_agency).update(
            stripe_customer_id=customer["id"]
        )

    _with_database(django_db_blocker, map_customer)
    with django_db_blocker.unblock(), ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        results = list(pool.map(deliver, range(DELIVERIES)))

    assert [status for status, _ in results] == [200] * DELIVERIES
    outcomes = sorted(outcome for _, outcome in results)
    assert outcomes == ["duplicate"] * (DELIVERIES - 1) + ["handled"]

    def effects():
        with tenant_context(committed_agency):
            entries = ActivityEntry.objects.filter(action="billing.subscription_changed").count()
        row = Subscription.objects.get(agency=committed_agency)
        recorded = StripeEvent.objects.filter(event_id=event["id"]).count()
        return entries, recorded, (row.status, row.plan)

    assert _with_database(django_db_blocker, effects) == (1, 1, (Status.ACTIVE, "scale"))
    # Stripe was read once: only the delivery that applied the event asked.
    assert len(billing_on.calls("GET", "/v1/subscriptions")) == 1
