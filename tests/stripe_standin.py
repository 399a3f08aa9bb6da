"""A small stand-in for the Stripe API on loopback, for tests that use the real stripe library.

It keeps customers, Checkout Sessions, subscriptions and Customer Portal sessions in memory,
and for Connect: connected accounts, Account Links, payment-mode Checkout Sessions made on a
connected account (the Stripe-Account header), their payment intents, charges and refunds;
answers the library's form-encoded requests with Stripe-shaped JSON, replays answers by
Idempotency-Key, and records every request. Tests move subscriptions along (complete a
Checkout, fail a payment, cancel) and get back the events Stripe would send, to sign with
the stripe library's own helper and post to the webhook; a connected account's events carry
its id in ``account``, as Connect events do. ``webhook_target`` makes it post them itself, as
Stripe does, when a browser "pays" on its Checkout page or finishes onboarding.
"""

import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe
from django.core.cache import cache
from django_tenants.utils import tenant_context

from billing.selectors import CACHE_KEY
from tenants.models import Agency

API_KEY = "sk_test_standin"
WEBHOOK_SECRET = "whsec_standin"
PRICES = {
    "starter": "price_starter_test",
    "growth": "price_growth_test",
    "scale": "price_scale_test",
}
PERIOD_SECONDS = 30 * 24 * 3600


def signed(event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    """The event's JSON body and its Stripe-Signature header, made by the stripe library."""
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp)
    return body, header


def _nested(pairs) -> dict:
    """Stripe's form encoding (``line_items[0][price]=x``) back into dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node):
        if not isinstance(node, dict):
            return node
        if node and all(key.isdigit() for key in node):
            return [listify(node[key]) for key in sorted(node, key=int)]
        return {key: listify(value) for key, value in node.items()}

    return listify(root)


@dataclass
class Recorded:
    method: str
    path: str
    params: dict
    idempotency_key: str | None
    account: str | None = None  # the Stripe-Account header: a call on a connected account


@dataclass
class StripeStandIn:
    api_key: str = API_KEY
    webhook_secret: str = WEBHOOK_SECRET
    customers: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    subscriptions: dict = field(default_factory=dict)  # in creation order
    portal_sessions: dict = field(default_factory=dict)
    accounts: dict = field(default_factory=dict)  # Connect: connected accounts
    account_links: dict = field(default_factory=dict)
    payment_intents: dict = field(default_factory=dict)
    charges: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    balance_transactions: dict = field(default_factory=dict)  # customer balance (credits)
    requests: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)  # (event type, webhook's status) posted
    answers_to_drop: int = 0  # answer nothing to this many requests (a lost answer)
    webhook_target: tuple | None = None  # (port, host) the Checkout page's "Pay" delivers to
    # Events of API calls (a refund) not yet sent; sent after the answer when webhook_target
    # is set, as Stripe sends them after answering.
    outbox: list = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.RLock()
        self._replies: dict[str, tuple] = {}  # key -> ((path, params), (status, JSON))
        self._clock = itertools.count()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "StripeStandIn":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            stores = (
                self.customers,
                self.sessions,
                self.subscriptions,
                self.portal_sessions,
                self.accounts,
                self.account_links,
                self.payment_intents,
                self.charges,
                self.refunds,
                self.balance_transactions,
            )
            for store in stores:
                store.clear()
            self.requests.clear()
            self.deliveries.clear()
            self._replies.clear()
            self.answers_to_drop = 0
            self.webhook_target = None
            self.outbox.clear()

    # What tests look at

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # Connect: moving a connected account and its payments along

    def account_change(self, account_id: str, *, enabled=True, reason=None, submitted=True):
        """Stripe's verdict on the account: charges enabled, or restricted for ``reason``
        (Stripe's requirements.disabled_reason). Returns its account.updated event."""
        with self._lock:
            account = self.accounts[account_id]
            account.update(
                charges_enabled=enabled,
                payouts_enabled=enabled,
                details_submitted=submitted,
            )
            account["requirements"]["disabled_reason"] = None if enabled else reason
            account["requirements"]["currently_due"] = [] if enabled else ["external_account"]
            return self.event("account.updated", account, account=account_id)

    def checkout_pay(self, session_id: str, *, outcome: str = "succeeded") -> list[dict]:
        """The client paid a payment-mode session: ``outcome`` "succeeded", "processing" (a
        bank debit still clearing) or "failed". Returns the events Stripe sends."""
        with self._lock:
            session = self.sessions[session_id]
            assert session["status"] == "open", f"no payment on a {session['status']} session"
            account = session["_account"]
            line = session["line_items"][0]["price_data"]
            amount = int(line["unit_amount"]) * int(session["line_items"][0].get("quantity", 1))
            status = {
                "succeeded": "succeeded",
                "processing": "processing",
                "failed": "requires_payment_method",
            }[outcome]
            intent = {
                "id": f"pi_{secrets.token_hex(12)}",
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount if outcome == "succeeded" else 0,
                "currency": line["currency"],
                "status": status,
                "metadata": dict(session.get("payment_intent_data", {}).get("metadata", {})),
                "application_fee_amount": _int_or_none(
                    session.get("payment_intent_data", {}).get("application_fee_amount")
                ),
                "latest_charge": None,
                "last_payment_error": None,
                "created": int(time.time()),
                "_account": account,
            }
            if outcome == "failed":
                intent["last_payment_error"] = {
                    "code": "card_declined",
                    "message": "Your card was declined.",
                }
            else:
                charge = {
                    "id": f"ch_{secrets.token_hex(12)}",
                    "object": "charge",
                    "amount": amount,
                    "amount_refunded": 0,
                    "refunded": False,
                    "currency": line["currency"],
                    "payment_intent": intent["id"],
                    "status": "succeeded" if outcome == "succeeded" else "pending",
                    "_account": account,
                }
                self.charges[charge["id"]] = charge
                intent["latest_charge"] = charge["id"]
            self.payment_intents[intent["id"]] = intent
            complete = outcome != "failed"
            session.update(
                status="complete" if complete else "open",
                payment_status="paid" if outcome == "succeeded" else "unpaid",
                payment_intent=intent["id"],
            )
            events = []
            if complete:
                events.append(self.event("checkout.session.completed", session, account=account))
            kind = {
                "succeeded": "payment_intent.succeeded",
                "processing": "payment_intent.processing",
                "failed": "payment_intent.payment_failed",
            }[outcome]
            events.append(self.event(kind, intent, account=account))
            return events

    def payment_settle(self, intent_id: str, *, succeeded: bool = True) -> list[dict]:
        """A processing payment (a bank debit) clears, or bounces."""
        with self._lock:
            intent = self.payment_intents[intent_id]
            charge = self.charges[intent["latest_charge"]]
            if succeeded:
                intent.update(status="succeeded", amount_received=intent["amount"])
                charge["status"] = "succeeded"
                kind = "payment_intent.succeeded"
            else:
                intent["status"] = "requires_payment_method"
                intent["last_payment_error"] = {"code": "debit_failed", "message": "Debit failed."}
                charge["status"] = "failed"
                kind = "payment_intent.payment_failed"
            return [self.event(kind, intent, account=intent["_account"])]

    def refunded_event(self, intent_id: str) -> dict:
        """charge.refunded for the intent's charge as it is now (after a refund made through
        the API, as Stripe sends it)."""
        with self._lock:
            intent = self.payment_intents[intent_id]
            charge = self.charges[intent["latest_charge"]]
            return self.event("charge.refunded", charge, account=intent["_account"])

    def refund(self, intent_id: str, amount: int | None = None) -> list[dict]:
        """The agency refunds (from its own Stripe dashboard); returns charge.refunded."""
        with self._lock:
            intent = self.payment_intents[intent_id]
            status, refund = self._refund_create(
                {"payment_intent": intent_id, "amount": amount}, intent["_account"]
            )
            assert status == 200, refund
            charge = self.charges[intent["latest_charge"]]
            return [self.event("charge.refunded", charge, account=intent["_account"])]

    # Moving things along, as a customer or Stripe's billing engine would

    def checkout_complete(self, session_id: str, *, status: str = "active") -> list[dict]:
        """The customer paid on the Checkout page: a subscription starts. Returns its events."""
        with self._lock:
            session = self.sessions[session_id]
            price = session["line_items"][0]["price"]
            subscription = self.subscription_create(
                session["customer"], price, status=status, metadata=session["metadata"]
            )
            session.update(status="complete", subscription=subscription["id"])
            return [
                self.event("checkout.session.completed", session),
                self.event("customer.subscription.created", subscription),
                self.event("invoice.paid", self.invoice(subscription, paid=True)),
            ]

    def subscription_create(self, customer: str, price: str, *, status="active", metadata=None):
        with self._lock:
            now = int(time.time())
            subscription = {
                "id": f"sub_{secrets.token_hex(8)}",
                "object": "subscription",
                "customer": customer,
                "status": status,
                # Later subscriptions are always newer, even within one second.
                "created": now + next(self._clock),
                "cancel_at_period_end": False,
                "metadata": dict(metadata or {}),
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": f"si_{secrets.token_hex(8)}",
                            "object": "subscription_item",
                            "price": {"id": price, "object": "price"},
                            "current_period_start": now,
                            "current_period_end": now + PERIOD_SECONDS,
                        }
                    ],
                    "has_more": False,
                    "url": "/v1/subscription_items",
                },
            }
            self.subscriptions[subscription["id"]] = subscription
            return subscription

    def subscription_change(self, subscription_id: str, *, price=None, **fields) -> dict:
        """Change status, price or anything else; returns customer.subscription.updated
        (customer.subscription.deleted once cancelled)."""
        with self._lock:
            subscription = self.subscriptions[subscription_id]
            if price:
                subscription["items"]["data"][0]["price"]["id"] = price
            subscription.update(fields)
            kind = "deleted" if subscription["status"] == "canceled" else "updated"
            return self.event(f"customer.subscription.{kind}", subscription)

    def payment(self, subscription_id: str, *, paid: bool) -> list[dict]:
        """A renewal payment: paid keeps it active, failed makes it past due."""
        with self._lock:
            subscription = self.subscriptions[subscription_id]
            change = self.subscription_change(
                subscription_id, status="active" if paid else "past_due"
            )
            kind = "invoice.paid" if paid else "invoice.payment_failed"
            return [self.event(kind, self.invoice(subscription, paid=paid)), change]

    def invoice(self, subscription: dict, *, paid: bool) -> dict:
        return {
            "id": f"in_{secrets.token_hex(8)}",
            "object": "invoice",
            "customer": subscription["customer"],
            "status": "paid" if paid else "open",
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": subscription["id"]},
            },
        }

    def event(self, kind: str, payload: dict, *, account: str | None = None) -> dict:
        """An event as Stripe sends it: a snapshot of ``payload`` taken now; a connected
        account's event names the ``account``."""
        event = {
            "id": f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "api_version": stripe.api_version,
            "data": {"object": _public(payload)},
        }
        if account:
            event["account"] = account
        return event

    def outbox_flush(self) -> None:
        """Send the events API calls made, in a thread of their own (the webhook they reach
        may call the stand-in back)."""
        with self._lock:
            if not self.webhook_target or not self.outbox:
                return
            events, self.outbox[:] = list(self.outbox), []
        threading.Thread(target=self.deliver, args=(events,), daemon=True).start()

    def deliver(self, events: list[dict]) -> list[int]:
        """Post ``events`` to ``webhook_target``, signed, as Stripe would; their statuses."""
        port, host = self.webhook_target
        statuses = []
        for event in events:
            body, header = signed(event, secret=self.webhook_secret)
            connection = HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request(
                    "POST",
                    "/billing/stripe-webhook",
                    body=body,
                    headers={"Host": host, "Stripe-Signature": header},
                )
                statuses.append(connection.getresponse().status)
                self.deliveries.append((event["type"], statuses[-1]))
            finally:
                connection.close()
        return statuses

    # The API

    def answer(
        self, method: str, path: str, params: dict, key: str | None, account: str | None = None
    ):
        """(status, JSON) for one API request; replays a repeated Idempotency-Key."""
        with self._lock:
            self.requests.append(Recorded(method, path, params, key, account))
            replay = (account, key)
            if method == "POST" and key and replay in self._replies:
                first_params, reply = self._replies[replay]
                if first_params != (path, params):  # as Stripe: one key, one request
                    return _error(
                        400,
                        "Keys for idempotent requests can only be used with "
                        "the same parameters they were first used with.",
                        code="idempotency_error",
                    )
                return reply
            if account is not None and account not in self.accounts:
                reply = _error(403, f"No such account: '{account}'", code="account_invalid")
            else:
                parts = path.rstrip("/").split("/")[2:]
                status, found = self._route(method, parts, params, account)
                reply = (status, _public(found))
            if method == "POST" and key:
                self._replies[replay] = ((path, params), reply)
            return reply

    def _route(self, method, parts, params, account=None):
        if account is not None:
            return self._connect_route(method, parts, params, account)
        match method, parts:
            case "POST", ["customers"]:
                return 200, self._customer(params)
            case "GET", ["customers", found]:
                return self._get(self.customers, found, "customer")
            case "POST", ["customers", found, "balance_transactions"]:
                return self._balance_transaction(found, params)
            case "POST", ["checkout", "sessions"]:
                return self._checkout_session(params)
            case "GET", ["checkout", "sessions", found]:
                return self._get(self.sessions, found, "checkout.session")
            case "POST", ["billing_portal", "sessions"]:
                return self._portal_session(params)
            case "GET", ["subscriptions"]:
                return 200, self._subscription_list(params)
            case "GET", ["subscriptions", found]:
                return self._get(self.subscriptions, found, "subscription")
            case "POST", ["accounts"]:
                return 200, self._account(params)
            case "GET", ["accounts", found]:
                return self._get(self.accounts, found, "account")
            case "POST", ["account_links"]:
                return self._account_link(params)
        return _error(404, f"Unrecognized request URL ({method} /v1/{'/'.join(parts)}).")

    def _connect_route(self, method, parts, params, account):
        """Calls made on a connected account: they see only that account's objects."""

        def own(store, object_id, kind):
            found = store.get(object_id)
            if found is None or found.get("_account") != account:
                return _error(404, f"No such {kind}: '{object_id}'", code="resource_missing")
            return 200, found

        match method, parts:
            case "POST", ["checkout", "sessions"]:
                return self._checkout_session(params, account)
            case "GET", ["checkout", "sessions", found]:
                return own(self.sessions, found, "checkout.session")
            case "POST", ["checkout", "sessions", found, "expire"]:
                status, session = own(self.sessions, found, "checkout.session")
                if status != 200:
                    return status, session
                if session["status"] != "open":  # as Stripe: only an open session expires
                    return _error(
                        400,
                        'Only Checkout Sessions with a status in ["open"] can be expired.',
                    )
                session["status"] = "expired"
                return 200, session
            case "GET", ["payment_intents", found]:
                return own(self.payment_intents, found, "payment_intent")
            case "GET", ["charges", found]:
                return own(self.charges, found, "charge")
            case "POST", ["refunds"]:
                status, refund = self._refund_create(params, account)
                if status == 200:
                    charge = self.charges[refund["charge"]]
                    self.outbox.append(self.event("charge.refunded", charge, account=account))
                return status, refund
        return _error(404, f"Unrecognized request URL ({method} /v1/{'/'.join(parts)}).")

    def _account(self, params):
        account = {
            "id": f"acct_{secrets.token_hex(8)}",
            "object": "account",
            "type": params.get("type", "standard"),
            "country": params.get("country", "US"),
            "email": params.get("email"),
            "default_currency": "usd",
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "requirements": {
                "currently_due": ["external_account", "tos_acceptance.date"],
                "disabled_reason": "requirements.past_due",
            },
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
        }
        self.accounts[account["id"]] = account
        return account

    def _account_link(self, params):
        if params.get("account") not in self.accounts:
            return _error(400, "No such account", code="resource_missing")
        link = {
            "object": "account_link",
            "created": int(time.time()),
            "expires_at": int(time.time()) + 300,
            "url": f"{self.url}/connect/{secrets.token_hex(8)}",
            "_params": params,
        }
        self.account_links[link["url"].rsplit("/", 1)[1]] = link
        return 200, link

    def _refund_create(self, params, account):
        intent = self.payment_intents.get(params.get("payment_intent"))
        if intent is None or intent["_account"] != account:
            return _error(400, "No such payment_intent", code="resource_missing")
        charge = self.charges.get(intent["latest_charge"] or "")
        if charge is None or charge["status"] != "succeeded":
            return _error(400, "This PaymentIntent has no successful charge to refund.")
        left = charge["amount"] - charge["amount_refunded"]
        amount = int(params["amount"]) if params.get("amount") else left
        if amount > left or amount <= 0:
            return _error(400, f"Refund amount ({amount}) is greater than unrefunded amount.")
        refund = {
            "id": f"re_{secrets.token_hex(12)}",
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "payment_intent": intent["id"],
            "currency": charge["currency"],
            "status": "succeeded",
            "_account": account,
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        return 200, refund

    def _get(self, store, object_id, kind):
        if object_id not in store:
            return _error(404, f"No such {kind}: '{object_id}'", code="resource_missing")
        return 200, store[object_id]

    def _customer(self, params):
        customer = {
            "id": f"cus_{secrets.token_hex(8)}",
            "object": "customer",
            "name": params.get("name"),
            "email": params.get("email"),
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
        }
        self.customers[customer["id"]] = customer
        return customer

    def _balance_transaction(self, customer_id, params):
        customer = self.customers.get(customer_id)
        if customer is None:
            return _error(404, f"No such customer: '{customer_id}'", code="resource_missing")
        balance = customer.get("balance", 0) + int(params["amount"])
        customer["balance"] = balance
        transaction = {
            "id": f"cbtxn_{secrets.token_hex(8)}",
            "object": "customer_balance_transaction",
            "customer": customer_id,
            "amount": int(params["amount"]),
            "currency": params["currency"],
            "description": params.get("description"),
            "ending_balance": balance,
            "type": "adjustment",
            "created": int(time.time()),
        }
        self.balance_transactions[transaction["id"]] = transaction
        return 200, transaction

    def _checkout_session(self, params, account=None):
        if account is not None:
            return self._payment_session(params, account)
        if params.get("customer") not in self.customers:
            return _error(400, "No such customer", code="resource_missing")
        session_id = f"cs_test_{secrets.token_hex(12)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "customer": params["customer"],
            "client_reference_id": params.get("client_reference_id"),
            "line_items": params["line_items"],
            "metadata": params.get("metadata", {}),
            "subscription_data": params.get("subscription_data", {}),
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "status": "open",
            "subscription": None,
            "url": f"{self.url}/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return 200, session

    def _payment_session(self, params, account):
        """A payment-mode session on a connected account, for one priced line."""
        if params.get("mode") != "payment":
            return _error(400, "Only payment mode is offered on a connected account here.")
        if not self.accounts[account]["charges_enabled"]:
            return _error(
                400,
                "Your account cannot currently make live charges.",
                code="account_invalid",
            )
        line = params["line_items"][0]
        if int(line["price_data"]["unit_amount"]) <= 0:
            return _error(400, "unit_amount must be positive", code="parameter_invalid_integer")
        session_id = f"cs_test_{secrets.token_hex(12)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "customer": None,
            "client_reference_id": params.get("client_reference_id"),
            "line_items": params["line_items"],
            "amount_total": int(line["price_data"]["unit_amount"]) * int(line.get("quantity", 1)),
            "currency": line["price_data"]["currency"],
            "metadata": params.get("metadata", {}),
            "payment_intent_data": params.get("payment_intent_data", {}),
            "payment_method_types": params.get("payment_method_types", []),
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
            "url": f"{self.url}/pay/{session_id}",
            "_account": account,
        }
        self.sessions[session_id] = session
        return 200, session

    def _portal_session(self, params):
        if params.get("customer") not in self.customers:
            return _error(400, "No such customer", code="resource_missing")
        portal_id = f"bps_{secrets.token_hex(8)}"
        session = {
            "id": portal_id,
            "object": "billing_portal.session",
            "customer": params["customer"],
            "return_url": params.get("return_url"),
            "url": f"{self.url}/portal/{portal_id}",
        }
        self.portal_sessions[portal_id] = session
        return 200, session

    def _subscription_list(self, params):
        wanted = params.get("status")

        def listed(status):  # like Stripe: without a status, cancelled ones are left out
            if wanted == "all":
                return True
            return status == wanted if wanted else status != "canceled"

        found = [
            subscription
            for subscription in reversed(self.subscriptions.values())  # newest first
            if subscription["customer"] == params.get("customer") and listed(subscription["status"])
        ]
        return {"object": "list", "data": found, "has_more": False, "url": "/v1/subscriptions"}

    # The pages a browser is sent to

    def page(self, method: str, parts: list[str]) -> tuple[int, dict, str]:
        """(status, headers, HTML) for the Checkout and portal pages."""
        match method, parts:
            case "GET", ["pay", session_id] if session_id in self.sessions:
                return 200, {}, _CHECKOUT_PAGE.format(session=session_id)
            case "POST", ["pay", session_id] if (
                self.sessions.get(session_id, {}).get("status") == "expired"
            ):
                return 410, {}, "<!doctype html><p>This Checkout Session is no longer active.</p>"
            case "POST", ["pay", session_id] if session_id in self.sessions:
                if self.sessions[session_id]["mode"] == "payment":
                    self.deliver(self.checkout_pay(session_id))
                else:
                    self.deliver(self.checkout_complete(session_id))
                success = self.sessions[session_id]["success_url"]
                location = success.replace("{CHECKOUT_SESSION_ID}", session_id)
                return 303, {"Location": location}, ""
            case "GET", ["connect", link_id] if link_id in self.account_links:
                return 200, {}, _ONBOARDING_PAGE.format(link=link_id)
            case "POST", ["connect", link_id] if link_id in self.account_links:
                params = self.account_links[link_id]["_params"]
                self.deliver([self.account_change(params["account"])])
                return 303, {"Location": params["return_url"]}, ""
            case "GET", ["portal", portal_id] if portal_id in self.portal_sessions:
                back = self.portal_sessions[portal_id]["return_url"]
                return 200, {}, _PORTAL_PAGE.format(back=back)
        return 404, {}, "<h1>Not found</h1>"


_CHECKOUT_PAGE = """<!doctype html><html lang="en"><head><title>Stand-in Checkout</title>
<link rel="icon" href="data:,"></head>
<body><h1>Stand-in Checkout</h1>
<form method="post" action="/pay/{session}"><button>Pay</button></form></body></html>"""
_ONBOARDING_PAGE = """<!doctype html><html lang="en"><head><title>Stand-in onboarding</title>
<link rel="icon" href="data:,"></head>
<body><h1>Stand-in Connect onboarding</h1>
<form method="post" action="/connect/{link}"><button>Submit details</button></form></body></html>"""
_PORTAL_PAGE = """<!doctype html><html lang="en"><head><title>Stand-in portal</title>
<link rel="icon" href="data:,"></head>
<body><h1>Stand-in Customer Portal</h1><a href="{back}">Return</a></body></html>"""


def _public(payload):
    """A copy of ``payload`` as Stripe shows it: without the stand-in's own "_" keys."""
    if isinstance(payload, dict):
        return {k: _public(v) for k, v in payload.items() if not k.startswith("_")}
    if isinstance(payload, list):
        return [_public(v) for v in payload]
    return payload


def _int_or_none(value):
    return None if value in (None, "") else int(value)


def _error(status: int, message: str, *, code: str | None = None):
    return status, {"error": {"type": "invalid_request_error", "message": message, "code": code}}


def _handler(standin: StripeStandIn):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _params(self) -> dict:
            query = urlsplit(self.path).query
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            return _nested(parse_qsl(query) + parse_qsl(body))

        def _serve(self, method):
            path = urlsplit(self.path).path
            params = self._params()
            if not path.startswith("/v1/"):
                status, headers, html = standin.page(method, path.strip("/").split("/"))
                return self._send(status, html.encode(), "text/html", headers)
            if self.headers.get("Authorization") != f"Bearer {standin.api_key}":
                status, reply = _error(401, "Invalid API Key provided.")
                return self._send(status, json.dumps(reply).encode(), "application/json")
            key = self.headers.get("Idempotency-Key")
            account = self.headers.get("Stripe-Account")
            status, reply = standin.answer(method, path, params, key, account)
            with standin._lock:
                if standin.answers_to_drop:
                    standin.answers_to_drop -= 1
                    self.close_connection = True  # the work is done, the answer lost
                    return None
            self._send(status, json.dumps(reply).encode(), "application/json")
            standin.outbox_flush()
            return None

        def _send(self, status, body: bytes, content_type: str, headers=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

    return Handler


# Fixtures for the billing tests


@pytest.fixture(scope="session")
def stripe_standin():
    standin = StripeStandIn().start()
    yield standin
    standin.stop()


def billing_settings(base_url: str) -> dict:
    """The settings (as environment variables) that switch billing on against the stand-in."""
    env = {
        "STRIPE_SECRET_KEY": API_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": base_url,
        "STRIPE_REDIRECT_ORIGINS": base_url,
    }
    return env | {f"STRIPE_PRICE_{key.upper()}": price for key, price in PRICES.items()}


def forget_billing_state() -> None:
    """Cached billing states outlive a test's rolled-back rows: drop every agency's."""
    for agency in Agency.objects.live():
        with tenant_context(agency):
            cache.delete(CACHE_KEY)


@pytest.fixture
def billing_on(settings, stripe_standin, world):
    """Billing switched on in this process, talking to a freshly emptied stand-in."""
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_standin.url
    settings.BILLING_PLANS = [
        plan | {"price_id": PRICES[plan["key"]]} for plan in settings.BILLING_PLANS
    ]
    stripe_standin.reset()
    forget_billing_state()
    yield stripe_standin
    forget_billing_state()
