"""Slack channels and client-only endpoints (issue 19): an agency connects a Slack incoming
webhook, for all clients or one, and chooses its events; each event is posted as a sentence
linking to the item, through the webhook deliveries' retries and log. A Slack URL is the
channel's credential: once saved it is shown, logged and answered only as a hint."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.client_requests.tasks import sla_sweep_agency
from tenant_apps.people.models import ClientCompany
from tenant_apps.webhooks.actions import endpoint_create, endpoint_ping
from tenant_apps.webhooks.delivery import delivery_attempt
from tenant_apps.webhooks.models import Delivery, Endpoint, Event, EventType
from tests.conftest import signed_in_client
from tests.routes_messaging import post_message
from tests.routes_requests import submit_request
from tests.test_webhooks import api_as

SLACK_URL = "https://hooks.slack.com/services/T0AGENCY/B0CHANNEL/s3cr3tW3bh00kT0k3n"


class SlackStandIn:
    """Slack's incoming-webhook end on loopback: keeps each JSON message, answers "ok" (or
    ``status``, as Slack answers a bad payload with 400 "invalid_payload")."""

    def __init__(self, status=200):
        self.status, self.messages, self.headers = status, [], []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stand_in.messages.append(json.loads(body))
                stand_in.headers.append(dict(self.headers))
                self.send_response(stand_in.status)
                self.end_headers()
                self.wfile.write(b"ok" if stand_in.status == 200 else b"invalid_payload")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T0/B0/token"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def slack_endpoint(world, url, events, company=None) -> Endpoint:
    with tenant_context(world.acme):
        return endpoint_create(
            kind="slack",
            url=url,
            event_types=events,
            company=company,
            actor=world.personas["owner"].user,
        )


def send_all(world, endpoint) -> list[Delivery]:
    """Attempt each of the endpoint's deliveries once, as the worker's task does."""
    with tenant_context(world.acme):
        made = list(endpoint.deliveries.select_related("event").order_by("id"))
        for delivery in made:
            delivery_attempt(delivery.pk)
        return list(endpoint.deliveries.select_related("event").order_by("id"))


def test_a_slack_channel_is_posted_a_sentence_linking_to_the_item_and_nothing_signed(world):
    with SlackStandIn() as slack:
        endpoint = slack_endpoint(world, slack.url, [EventType.REQUEST_CREATED])
        request = submit_request(world, title="Logo <b>too</b> small & blurry")
        delivered = send_all(world, endpoint)

    assert [delivery.status for delivery in delivered] == ["succeeded"]
    url = f"http://acme.localhost:8000/requests/{request.pk}/"
    text = f"New request from Northwind: <{url}|Logo &lt;b&gt;too&lt;/b&gt; small &amp; blurry>"
    assert slack.messages == [
        {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    ]
    # Slack checks no signature: none is sent, nor our event headers.
    assert not any(name.startswith("Portal-") for name in slack.headers[0])


def test_a_slack_answer_other_than_ok_is_retried_and_logged(world):
    with SlackStandIn(status=400) as slack:
        endpoint = slack_endpoint(world, slack.url, [EventType.REQUEST_CREATED])
        submit_request(world)
        (delivery,) = send_all(world, endpoint)
    assert delivery.status == "retrying"
    with tenant_context(world.acme):
        (attempt,) = delivery.attempt_log.all()
    assert (attempt.status_code, attempt.response_excerpt) == (400, "invalid_payload")


def test_a_client_endpoint_hears_only_about_that_client_and_never_internal_items(world):
    events = [EventType.REQUEST_CREATED, EventType.MESSAGE_POSTED]
    with SlackStandIn() as slack:
        northwind_only = slack_endpoint(world, slack.url, events, company=world.northwind)
        everything = slack_endpoint(world, slack.url.replace("token", "team"), events)
        submit_request(world, title="For Northwind")
        submit_request(world, by="other_company", company=world.southwind, title="For Southwind")
        post_message(world, body="Visible to Northwind.")
        post_message(world, internal=True, body="Team only: they are late again.")

        def sent(endpoint) -> list[str]:
            send_all(world, endpoint)
            return [message["text"] for message in slack.messages]

        to_northwind = sent(northwind_only)
        slack.messages.clear()
        to_team = sent(everything)
    assert len(to_northwind) == 2
    assert "For Northwind" in to_northwind[0] and "Visible to Northwind." in to_northwind[1]
    assert not any("Southwind" in text or "Team only" in text for text in to_northwind)
    # The agency-wide channel hears everything, internal items included (a team channel).
    assert len(to_team) == 4
    assert any("Team only" in text for text in to_team)


def test_sla_alerts_are_posted_once_each_however_often_the_sweep_finds_them(world):
    with SlackStandIn() as slack:
        endpoint = slack_endpoint(
            world, slack.url, [EventType.REQUEST_AT_RISK, EventType.REQUEST_BREACHED]
        )
        request = submit_request(world, title="Site down", priority="urgent")
        with tenant_context(world.acme):
            # Submitted long ago and never answered: past every promise.
            ClientRequest.objects.filter(pk=request.pk).update(
                created_at=timezone.now() - timedelta(days=30)
            )
            for _ in range(3):  # later sweeps find the breach again
                sla_sweep_agency()
            raised = list(
                Event.objects.filter(type__startswith="request.").values_list("type", "once")
            )
        send_all(world, endpoint)
    assert sorted(raised) == [("request.breached", f"request.breached:{request.pk}")]
    (message,) = slack.messages
    assert message["text"].endswith("(Northwind) missed its promised time.")
    assert "Site down" in message["text"]


def test_a_slack_url_must_be_slacks_and_is_never_shown_or_logged_again(world, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    owner = world.personas["owner"]
    with tenant_context(world.acme), pytest.raises(ValidationError) as refused:
        endpoint_create(
            kind="slack",
            url="https://example.com/services/T0/B0/x",
            event_types=["invoice.paid"],
            actor=owner.user,
        )
    assert "Incoming Webhook URL Slack gave you" in refused.value.message_dict["url"][0]

    browser = signed_in_client(owner)
    response = browser.post(
        "/settings/webhooks/",
        {
            "kind": "slack",
            "url": SLACK_URL,
            "company": world.northwind.pk,
            "event_types": ["invoice.paid", "request.at_risk"],
        },
    )
    assert response.status_code == 302
    with tenant_context(world.acme):
        endpoint = Endpoint.objects.get()
        entry = ActivityEntry.objects.get(action="webhook.created")
    assert (endpoint.kind, endpoint.url, endpoint.company_id) == (
        "slack",
        SLACK_URL,
        world.northwind.pk,
    )
    token = "s3cr3tW3bh00kT0k3n"
    detail = f"/settings/webhooks/{endpoint.pk}/"
    for path in ["/settings/webhooks/", detail]:
        page = browser.get(path).content.decode()
        assert token not in page
        assert "hooks.slack.com/…0k3n" in page
    assert "Only about Northwind" in browser.get(detail).content.decode()
    assert token not in json.dumps(entry.changes)
    assert entry.changes["url"] == "hooks.slack.com/…0k3n"

    # Saved with the URL left blank, it keeps it; the change of client is logged by name.
    response = browser.post(
        detail, {"url": "", "event_types": ["invoice.paid"], "company": "", "is_active": "on"}
    )
    assert response.status_code == 302
    with tenant_context(world.acme):
        endpoint.refresh_from_db()
        updated = ActivityEntry.objects.get(action="webhook.updated")
    assert (endpoint.url, endpoint.company_id) == (SLACK_URL, None)
    assert updated.changes["company"] == ["Northwind", None]
    assert "url" not in updated.changes

    # Over the API too, only the hint.
    answer = api_as(world).get(f"/api/v1/webhooks/{endpoint.pk}").json()
    assert answer["url"] == "hooks.slack.com/…0k3n"
    assert (answer["kind"], answer["company"]) == ("slack", None)


def test_the_api_connects_slack_for_one_client_and_refuses_a_client_not_ours(world):
    api = api_as(world)
    with tenant_context(world.globex):
        # An id no acme client has: one of another agency's, or past them all.
        ids = [*ClientCompany.objects.values_list("pk", flat=True), world.southwind.pk]
    not_ours = max(ids) + 1000
    body = {"kind": "slack", "url": SLACK_URL, "event_types": ["invoice.paid"]}
    refused = api.post(
        "/api/v1/webhooks", body | {"company": not_ours}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert list(refused.json()) == ["company"]
    with tenant_context(world.acme):
        assert not Endpoint.objects.exists()
    made = api.post(
        "/api/v1/webhooks", body | {"company": world.northwind.pk}, content_type="application/json"
    )
    assert made.status_code == 201
    answer = made.json()
    assert (answer["kind"], answer["company"], answer["url"]) == (
        "slack",
        world.northwind.pk,
        "hooks.slack.com/…0k3n",
    )


def test_a_test_message_reaches_the_slack_channel(world):
    with SlackStandIn() as slack:
        endpoint = slack_endpoint(world, slack.url, [EventType.INVOICE_PAID])
        with tenant_context(world.acme):
            endpoint_ping(endpoint=endpoint, actor=world.personas["owner"].user)
        send_all(world, endpoint)
    assert [message["text"] for message in slack.messages] == [
        "Test message from your client portal: this channel is connected."
    ]
