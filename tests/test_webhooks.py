"""Outgoing webhooks: registering endpoints, the events changes raise, signed deliveries to a
real receiver on loopback, the delivery log, secrets shown once and rotated, and the API."""

import hashlib
import hmac
import json
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.approvals.actions import approval_decide, approval_request
from tenant_apps.client_requests.actions import request_reply_add, request_status_change
from tenant_apps.documents.actions import document_upload, version_add
from tenant_apps.invoices.actions import invoice_create, invoice_move
from tenant_apps.webhooks.actions import (
    delivery_retry,
    endpoint_create,
    endpoint_secret_rotate,
)
from tenant_apps.webhooks.delivery import delivery_attempt
from tenant_apps.webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint, Event
from tenant_apps.webhooks.tasks import webhook_sweep_agency
from tests.access_matrix import PERSONAS
from tests.conftest import signed_in_client
from tests.routes_messaging import post_message
from tests.routes_requests import submit_request
from tests.routes_webhooks import MORE_CASES, make_endpoint
from tests.test_access_matrix import TENANT_URLCONF, check
from tests.test_isolation import obtain_tokens

ALL_EVENTS = [
    "request.created",
    "request.status_changed",
    "message.posted",
    "approval.decided",
    "invoice.paid",
    "document.version_added",
]
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(MORE_CASES))
def test_more_access_cases(world, case, persona):
    name, matrix_case = MORE_CASES[case]
    check(world, TENANT_URLCONF, "acme.localhost", name, matrix_case, persona)


# A receiver on loopback, as an integration would run one


class Receiver:
    """An HTTP server on 127.0.0.1 that answers with ``statuses`` in turn (the last one for
    ever after) and keeps what it was sent, checking each signature on its own, as a
    receiver following our documentation would (not with our code)."""

    def __init__(self, statuses=(200,), secret=""):
        self.statuses, self.secret, self.received = list(statuses), secret, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {
                        "at": time.monotonic(),
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                        "verified": receiver.verify(self.headers["Portal-Signature"], body),
                    }
                )
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 300 else b"try later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/portal"

    def verify(self, header: str, body: bytes, tolerance=300) -> bool:
        fields = [part.split("=", 1) for part in header.split(",")]
        timestamp = int(dict(fields)["t"])
        signatures = [value for key, value in fields if key == "v1"]
        expected = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        fresh = abs(time.time() - timestamp) <= tolerance
        return fresh and any(hmac.compare_digest(expected, value) for value in signatures)

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def receiving(world, statuses=(200,), events=("message.posted",)):
    """A receiver, and an acme endpoint pointing at it with its secret."""
    with Receiver(statuses) as receiver:
        endpoint = make_endpoint(world, url=receiver.url, events=list(events))
        receiver.secret = endpoint.secret
        yield receiver, endpoint


def deliveries(world, endpoint) -> list[Delivery]:
    with tenant_context(world.acme):
        return list(endpoint.deliveries.select_related("event").order_by("id"))


def attempt(world, delivery) -> int | None:
    with tenant_context(world.acme):
        return delivery_attempt(delivery.pk)


# Registering endpoints


def owner_browser(world):
    return signed_in_client(world.personas["owner"])


def test_registering_an_endpoint_shows_its_secret_once(world):
    browser = owner_browser(world)
    response = browser.post(
        "/settings/webhooks/",
        {"url": "https://hooks.example.com/in", "event_types": ["message.posted", "invoice.paid"]},
    )
    assert response.status_code == 200
    with tenant_context(world.acme):
        endpoint = Endpoint.objects.get()
        entry = ActivityEntry.objects.get(action="webhook.created")
    assert endpoint.event_types == ["invoice.paid", "message.posted"]
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    assert endpoint.secret in response.content.decode()
    assert "shown only this once" in response.content.decode()
    # Never again: not on its page, not in the list, not in the activity log.
    for path in ["/settings/webhooks/", f"/settings/webhooks/{endpoint.pk}/"]:
        page = browser.get(path).content.decode()
        assert endpoint.secret not in page
    assert (
        endpoint.secret_hint in browser.get(f"/settings/webhooks/{endpoint.pk}/").content.decode()
    )
    assert endpoint.secret not in json.dumps(entry.changes)


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://hooks.example.com/in", "Use an https:// URL."),
        ("https://10.1.2.3/in", "Use a public address; private and local ones are refused."),
        ("https://192.168.0.10/in", "Use a public address; private and local ones are refused."),
        ("https://[::1]/in", "Use a public address; private and local ones are refused."),
        ("https://localhost/in", "Use a public address; private and local ones are refused."),
        ("https://me:pw@hooks.example.com/in", "Leave credentials out of the URL"),
        ("ftp://hooks.example.com/in", "Use an https:// URL."),
    ],
)
def test_only_https_urls_on_public_addresses_are_accepted(world, settings, url, error):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    response = owner_browser(world).post(
        "/settings/webhooks/", {"url": url, "event_types": ["message.posted"]}
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    with tenant_context(world.acme):
        assert not Endpoint.objects.exists()


def test_plain_http_to_loopback_only_where_the_setting_allows_it(world, settings):
    with tenant_context(world.acme):
        owner = world.personas["owner"].user
        endpoint_create(url="http://127.0.0.1:9/in", event_types=["invoice.paid"], actor=owner)
        settings.WEBHOOK_ALLOW_LOOPBACK = False
        with pytest.raises(ValidationError) as refused:
            endpoint_create(url="http://127.0.0.1:9/in", event_types=["invoice.paid"], actor=owner)
    assert refused.value.message_dict == {"url": ["Use an https:// URL."]}


def test_events_must_be_chosen_from_the_list(world):
    with tenant_context(world.acme):
        owner = world.personas["owner"].user
        for events, message in [
            ([], "Choose at least one event."),
            (["ping"], "Unknown events: ping."),
            (["message.posted", "nope"], "Unknown events: nope."),
        ]:
            with pytest.raises(ValidationError) as refused:
                endpoint_create(url="https://hooks.example.com", event_types=events, actor=owner)
            assert refused.value.message_dict == {"event_types": [message]}


# What raises events


def events(world) -> list[tuple[str, dict]]:
    with tenant_context(world.acme):
        return [(event.type, event.payload) for event in Event.objects.order_by("id")]


def test_changes_raise_the_events_an_endpoint_subscribed_to(world):
    owner, staff = world.personas["owner"].user, world.personas["staff"].user
    endpoint = make_endpoint(world, events=ALL_EVENTS)
    make_endpoint(world, url="https://other.example.com/in", events=["invoice.paid"])

    request = submit_request(world, title="New logo")
    with tenant_context(world.acme):
        request_status_change(client_request=request, status="waiting_on_client", actor=staff)
        # A client's reply moves it back to in progress: that is a status change too.
        request_reply_add(
            client_request=request, body="Here it is.", actor=world.personas["client_admin"].user
        )
    post_message(world, by="staff", body="Thanks @ca@northwind.example", item=request)
    with tenant_context(world.acme):
        document = document_upload(
            company=world.northwind,
            upload=SimpleUploadedFile("plan.pdf", PDF),
            actor=staff,
        )
        version = version_add(
            document=document, upload=SimpleUploadedFile("plan.pdf", PDF + b"%2\n"), actor=staff
        )
        approval = approval_request(
            company=world.northwind,
            actor=owner,
            approvers=[world.personas["approver"].user],
            version=version,
            title="Approve the plan",
        )
        decided = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
        decided.session, decided.user = {}, world.personas["approver"].user
        approval_decide(
            approval=approval,
            actor=world.personas["approver"].user,
            decision="approved",
            request=decided,
        )
        invoice = invoice_create(
            company=world.northwind,
            number="INV-100",
            currency="EUR",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            lines=[{"description": "Design", "quantity": Decimal(1), "unit_price": Decimal(100)}],
            actor=owner,
        )
        invoice_move(invoice=invoice, move="send", actor=owner)
        invoice_move(invoice=invoice, move="mark_paid", actor=owner)

    raised = events(world)
    assert [kind for kind, _ in raised] == [
        "request.created",
        "request.status_changed",
        "request.status_changed",
        "message.posted",
        "document.version_added",
        "approval.decided",
        "invoice.paid",
    ]
    data = dict(raised[:1] + raised[3:])
    assert data["request.created"]["request"]["title"] == "New logo"
    assert data["request.created"]["request"]["company"] == {
        "id": world.northwind.pk,
        "name": "Northwind",
    }
    moves = [(payload["from"], payload["to"]) for kind, payload in raised[1:3]]
    assert moves == [("new", "waiting_on_client"), ("waiting_on_client", "in_progress")]
    message = data["message.posted"]
    assert message["message"]["body"] == "Thanks @ca@northwind.example"
    assert message["message"]["mentions"][0]["email"] == "ca@northwind.example"
    assert message["thread"]["about"] == "request"
    assert message["thread"]["item_id"] == request.pk
    assert data["document.version_added"]["version"]["number"] == 2
    assert data["approval.decided"]["decision"]["decision"] == "approved"
    assert data["approval.decided"]["decision"]["decided_by"] == "approver@northwind.example"
    assert data["invoice.paid"]["invoice"]["number"] == "INV-100"
    assert data["invoice.paid"]["invoice"]["status"] == "paid"
    # One delivery per event for the endpoint subscribed to everything; the other endpoint
    # (invoice.paid only) got the payment alone.
    assert len(deliveries(world, endpoint)) == 7
    with tenant_context(world.acme):
        assert Delivery.objects.count() == 8


def test_without_a_subscribed_endpoint_nothing_is_written(world):
    make_endpoint(world, events=["invoice.paid"])
    with tenant_context(world.acme):
        Endpoint.objects.create(
            url="https://off.example.com",
            event_types=["message.posted"],
            secret="whsec_x",
            is_active=False,
            created_by=world.personas["owner"].user,
        )
    post_message(world, body="Hello")
    submit_request(world)
    assert events(world) == []


def test_team_only_messages_are_sent_marked_internal(world):
    make_endpoint(world, events=["message.posted"])
    post_message(world, internal=True, body="Budget is tight.")
    [(_, payload)] = events(world)
    assert payload["thread"]["is_internal"] is True


# Delivering


def test_a_delivery_is_a_signed_json_post_and_its_attempt_is_logged(world):
    with receiving(world) as (receiver, endpoint):
        post_message(world, body="Signed, sealed, delivered")
        [delivery] = deliveries(world, endpoint)
        assert attempt(world, delivery) is None  # delivered: nothing more to do

    [sent] = receiver.received
    assert sent["verified"]
    assert sent["path"] == "/hooks/portal"
    headers = sent["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["Portal-Event-Id"] == f"evt_{delivery.event_id}"
    assert headers["Portal-Event-Type"] == "message.posted"
    assert headers["Portal-Delivery-Attempt"] == "1"
    body = json.loads(sent["body"])
    assert body["id"] == f"evt_{delivery.event_id}"
    assert (body["type"], body["agency"]) == ("message.posted", "acme")
    assert body["data"]["message"]["body"] == "Signed, sealed, delivered"
    with tenant_context(world.acme):
        delivery.refresh_from_db()
        [logged] = delivery.attempt_log.all()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)
    assert delivery.completed_at is not None
    assert (logged.status_code, logged.error, logged.response_excerpt) == (200, "", '{"ok": true}')
    assert logged.duration_ms < 5000


def test_a_signature_made_with_another_secret_does_not_verify(world):
    with receiving(world) as (receiver, endpoint):
        receiver.secret = "whsec_not-the-one"
        post_message(world, body="Who sent this?")
        attempt(world, deliveries(world, endpoint)[0])
    assert [sent["verified"] for sent in receiver.received] == [False]


def test_a_failed_attempt_is_logged_and_retried_later_not_sooner(world, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    with receiving(world, statuses=[503]) as (receiver, endpoint):
        post_message(world, body="Anyone there?")
        [delivery] = deliveries(world, endpoint)
        assert attempt(world, delivery) == 60
        # Due in a minute: running the task again now (a duplicate) sends nothing.
        assert attempt(world, delivery) is None
    assert len(receiver.received) == 1
    with tenant_context(world.acme):
        delivery.refresh_from_db()
        [logged] = delivery.attempt_log.all()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
    assert 59 <= (delivery.next_attempt_at - logged.started_at).total_seconds() <= 61
    assert (logged.status_code, logged.error) == (
        503,
        "The endpoint answered 503 Service Unavailable.",
    )


def test_backoff_doubles_and_gives_up_after_the_last_attempt(world, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    with receiving(world, statuses=[500]) as (receiver, endpoint):
        post_message(world, body="Still nothing")
        [delivery] = deliveries(world, endpoint)
        waits = []
        for _ in range(4):
            with tenant_context(world.acme):
                # As if the wait had passed.
                Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
            waits.append(attempt(world, delivery))
    assert waits == [30, 60, 120, None]
    assert len(receiver.received) == 4
    assert [sent["headers"]["Portal-Delivery-Attempt"] for sent in receiver.received] == [
        "1",
        "2",
        "3",
        "4",
    ]
    # Every attempt sends the same event, byte for byte.
    assert len({sent["body"] for sent in receiver.received}) == 1
    with tenant_context(world.acme):
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 4)

    # "Try again" gives it one more attempt, now.
    with tenant_context(world.acme):
        delivery_retry(delivery=delivery, actor=world.personas["owner"].user)
    with Receiver([200], secret=endpoint.secret) as receiver:
        with tenant_context(world.acme):
            Endpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        assert attempt(world, delivery) is None
    assert receiver.received[0]["headers"]["Portal-Delivery-Attempt"] == "5"
    with tenant_context(world.acme):
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_an_unreachable_endpoint_is_an_attempt_with_an_error(world):
    with Receiver() as receiver:
        closed_url = receiver.url  # nobody listens there once the block ends
    endpoint = make_endpoint(world, url=closed_url)
    post_message(world, body="Hello?")
    [delivery] = deliveries(world, endpoint)
    assert attempt(world, delivery) is not None
    with tenant_context(world.acme):
        [logged] = Attempt.objects.filter(delivery=delivery)
    assert logged.status_code is None
    assert "refused" in logged.error.lower()


def test_a_name_that_resolves_to_a_private_address_is_refused_when_sent(world, settings):
    # Registered as a public name; at delivery it resolves to loopback, which is refused.
    endpoint = make_endpoint(world, url="https://localhost.localdomain.example/in")
    with tenant_context(world.acme):
        Endpoint.objects.filter(pk=endpoint.pk).update(url="https://localhost:9/in")
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    post_message(world, body="Hello")
    [delivery] = deliveries(world, endpoint)
    attempt(world, delivery)
    with tenant_context(world.acme):
        [logged] = Attempt.objects.filter(delivery=delivery)
    assert logged.error == "localhost resolves to a private or local address; refused."


def test_after_a_rotation_both_secrets_sign_during_the_grace_period(world):
    with receiving(world) as (receiver, endpoint):
        old = endpoint.secret
        with tenant_context(world.acme):
            endpoint_secret_rotate(endpoint=endpoint, actor=world.personas["owner"].user)
        new = endpoint.secret
        assert new != old
        post_message(world, body="During the grace period")
        attempt(world, deliveries(world, endpoint)[0])
        with tenant_context(world.acme):
            endpoint_secret_rotate(
                endpoint=endpoint, grace_hours=0, actor=world.personas["owner"].user
            )
        post_message(world, body="After it")
        attempt(world, deliveries(world, endpoint)[1])
    first, second = receiver.received
    assert first["headers"]["Portal-Signature"].count("v1=") == 2
    for secret in (old, new):
        receiver.secret = secret
        assert receiver.verify(first["headers"]["Portal-Signature"], first["body"])
    assert second["headers"]["Portal-Signature"].count("v1=") == 1
    receiver.secret = new
    assert not receiver.verify(second["headers"]["Portal-Signature"], second["body"])
    receiver.secret = endpoint.secret
    assert receiver.verify(second["headers"]["Portal-Signature"], second["body"])


def test_a_turned_off_endpoint_gives_up_without_sending(world):
    with receiving(world) as (receiver, endpoint):
        post_message(world, body="Hello")
        with tenant_context(world.acme):
            Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
        [delivery] = deliveries(world, endpoint)
        assert attempt(world, delivery) is None
    assert receiver.received == []
    with tenant_context(world.acme):
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


# Pages and API


def test_the_delivery_log_shows_each_attempt(world, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    with receiving(world, statuses=[500]) as (_, endpoint):
        post_message(world, body="One")
        attempt(world, deliveries(world, endpoint)[0])
    page = owner_browser(world).get(f"/settings/webhooks/{endpoint.pk}/")
    text = page.content.decode()
    assert "message.posted" in text
    assert "Failed, will retry" in text
    assert "HTTP 500" in text
    assert "The endpoint answered 500 Internal Server Error." in text


def test_the_delivery_log_costs_the_same_queries_for_few_and_many(world):
    endpoint = make_endpoint(world)
    browser = owner_browser(world)
    url = f"/settings/webhooks/{endpoint.pk}/"

    def add(count):
        with tenant_context(world.acme):
            for _ in range(count):
                event = Event.objects.create(type="message.posted", payload={})
                delivery = Delivery.objects.create(
                    endpoint=endpoint, event=event, next_attempt_at=timezone.now()
                )
                Attempt.objects.create(
                    delivery=delivery, number=1, started_at=timezone.now(), duration_ms=3
                )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(url).status_code == 200
        return len(captured)

    add(2)
    queries()  # the first request switches schema and caches the brand
    few = queries()
    add(30)
    assert queries() == few


def api_as(world, persona="owner"):
    who = world.personas[persona]
    access = obtain_tokens(who.host, who.user.email)["access"]
    browser = signed_in_client(who)
    browser.defaults["HTTP_AUTHORIZATION"] = f"Bearer {access}"
    return browser


def test_the_api_registers_rotates_and_lists_deliveries(world):
    api = api_as(world)
    created = api.post(
        "/api/v1/webhooks",
        {"url": "https://hooks.example.com/in", "event_types": ["message.posted"]},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    secret, endpoint_id = body["secret"], body["id"]
    assert secret.startswith("whsec_")
    listed = api.get("/api/v1/webhooks").json()
    assert [item["id"] for item in listed] == [endpoint_id]
    assert (
        "secret" not in listed[0]
        and "secret" not in api.get(f"/api/v1/webhooks/{endpoint_id}").json()
    )

    rotated = api.post(
        f"/api/v1/webhooks/{endpoint_id}/rotate-secret",
        {"grace_hours": 1},
        content_type="application/json",
    ).json()
    assert rotated["secret"] not in (secret, "") and rotated["previous_secret_expires_at"]

    post_message(world, body="Logged")
    log = api.get(f"/api/v1/webhooks/{endpoint_id}/deliveries").json()
    [delivery] = log["results"]
    assert (delivery["event_type"], delivery["status"], delivery["attempts"]) == (
        "message.posted",
        "pending",
        [],
    )
    refused = api.post(
        "/api/v1/webhooks",
        {"url": "http://hooks.example.com/in", "event_types": ["message.posted"]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json() == {"url": ["Use an https:// URL."]}
    assert api.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 204
    with tenant_context(world.acme):
        assert not Endpoint.objects.exists() and not Delivery.objects.exists()


def test_the_schema_documents_the_webhook_api_and_signatures(world):
    schema = signed_in_client(world.personas["owner"]).get("/api/schema/?format=json").json()
    for path in [
        "/api/v1/webhooks",
        "/api/v1/webhooks/{endpoint_id}",
        "/api/v1/webhooks/{endpoint_id}/rotate-secret",
        "/api/v1/webhooks/{endpoint_id}/ping",
        "/api/v1/webhooks/{endpoint_id}/deliveries",
    ]:
        assert path in schema["paths"], path
    assert "HMAC-SHA256" in schema["paths"]["/api/v1/webhooks"]["post"]["description"]


@pytest.fixture
def tasks_inline():
    """Celery tasks run in-process when sent, as a worker would run them."""
    app = webhook_sweep_agency.app
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


def test_the_sweep_sends_deliveries_whose_task_was_lost(world, tasks_inline):
    """A broker outage at commit time loses the first attempt's task; the periodic sweep
    finds the delivery overdue and sends it. One not yet due is left for its own task."""
    with receiving(world) as (receiver, endpoint):
        post_message(world, body="Lost in the broker")
        post_message(world, body="Not due yet")
        lost, waiting = deliveries(world, endpoint)
        with tenant_context(world.acme):
            Delivery.objects.filter(pk=lost.pk).update(
                next_attempt_at=timezone.now() - timedelta(minutes=10)
            )
            Delivery.objects.filter(pk=waiting.pk).update(
                status=DeliveryStatus.RETRYING,
                next_attempt_at=timezone.now() + timedelta(minutes=10),
            )
            assert webhook_sweep_agency() == 1
    [sent] = receiver.received
    assert json.loads(sent["body"])["data"]["message"]["body"] == "Lost in the broker"
