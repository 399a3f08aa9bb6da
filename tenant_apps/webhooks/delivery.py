"""Sending one webhook delivery: where it may go, the signed POST, and its record.

Endpoints are the agency's own URLs, so the server must not be turned against its own network:
only https to public addresses. The name is resolved at each attempt and the connection made
to the address that was checked (TLS still verifies the name), so a name that later resolves
to a private address is refused rather than followed. Redirects are not followed.
``WEBHOOK_ALLOW_LOOPBACK`` (tests) also allows http to this machine's loopback.
"""

import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint, Event
from tenant_apps.webhooks.signing import SIGNATURE_HEADER, signature_header
from tenant_apps.webhooks.slack import slack_body

USER_AGENT = "ClientPortal-Webhooks/1"
EXCERPT_BYTES = 500
# A retry may start a little before its planned time (clocks, timers); not a second sooner.
CLOCK_SLACK = timedelta(seconds=1)
SLACK_HOST = "hooks.slack.com"


def _loopback(address) -> bool:
    return settings.WEBHOOK_ALLOW_LOOPBACK and address.is_loopback


def url_check(url: str, *, slack: bool = False) -> None:
    """Refuse a URL no endpoint may have, before anything is sent (when it is registered).
    A Slack endpoint's must be one of Slack's incoming-webhook URLs (or, in tests, loopback)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.username or parts.password:
        raise ValidationError("Leave credentials out of the URL; verify our signature instead.")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    loopback_name = host == "localhost" and settings.WEBHOOK_ALLOW_LOOPBACK
    loopback = parts.scheme == "http" and (loopback_name or (literal and _loopback(literal)))
    slack_url = parts.scheme == "https" and host == SLACK_HOST
    if slack and not (slack_url and parts.path.startswith("/services/")) and not loopback:
        raise ValidationError(
            "Paste the Incoming Webhook URL Slack gave you: https://hooks.slack.com/services/…"
        )
    if loopback:
        return
    if parts.scheme != "https":
        raise ValidationError("Use an https:// URL.")
    if host == "localhost" or (literal is not None and not literal.is_global):
        raise ValidationError("Use a public address; private and local ones are refused.")


def resolve(host: str, port: int) -> str:
    """The address to connect to; refused unless every address of ``host`` is public."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ConnectionError(f"{host} does not resolve ({error.strerror}).") from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in found]
    if not all(address.is_global or _loopback(address) for address in addresses):
        raise ConnectionError(f"{host} resolves to a private or local address; refused.")
    return str(addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to ``address``, with SNI and certificate checks for the URL's host name."""

    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, body: bytes, headers: dict) -> Outcome:
    """POST ``body`` to ``url``; never raises for what the network or receiver does."""
    started = time.monotonic()
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    status_code, error, excerpt = None, "", ""
    try:
        address = resolve(parts.hostname, port)
        timeout = settings.WEBHOOK_TIMEOUT_SECONDS
        if parts.scheme == "https":
            conn = _PinnedHTTPSConnection(parts.hostname, port, address=address, timeout=timeout)
        else:  # loopback, allowed for tests only (url_check)
            conn = http.client.HTTPConnection(address, port, timeout=timeout)
        try:
            conn.request("POST", path, body=body, headers={**headers, "Host": parts.netloc})
            response = conn.getresponse()
            status_code = response.status
            excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")
        finally:
            conn.close()
        if not 200 <= status_code < 300:
            error = f"The endpoint answered {status_code} {response.reason}."
    except (OSError, http.client.HTTPException) as failure:  # refused, reset, timeout, TLS
        error = str(failure) or type(failure).__name__
    duration_ms = int((time.monotonic() - started) * 1000)
    return Outcome(status_code, error[:500], excerpt, duration_ms)


def event_id(event: Event) -> str:
    return f"evt_{event.pk}"


def body_of(event: Event) -> bytes:
    """The JSON body: the same bytes at every attempt."""
    envelope = {
        "id": event_id(event),
        "type": event.type,
        "created": event.created_at.isoformat(),
        "agency": connection.tenant.subdomain,
        "data": event.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


def request_of(endpoint: Endpoint, event: Event, number: int, started) -> tuple[bytes, dict]:
    """The body and headers of attempt ``number``: Slack's message, or our signed JSON."""
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if endpoint.is_slack:
        return slack_body(event), headers
    body = body_of(event)
    secrets_ = endpoint.signing_secrets(started)
    return body, headers | {
        "Portal-Event-Id": event_id(event),
        "Portal-Event-Type": event.type,
        "Portal-Delivery-Attempt": str(number),
        SIGNATURE_HEADER: signature_header(secrets_, int(started.timestamp()), body),
    }


def retry_delay(attempts: int) -> int:
    """Seconds to wait after failed attempt number ``attempts`` (1, 2, 4... times the base)."""
    return settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1)


def delivery_attempt(delivery_id: int) -> int | None:
    """Try a delivery once, record the attempt, and return the seconds until the next try
    (None: delivered, given up, or not due). Safe to run twice: the row is locked while it is
    sent, and one finished, or not due yet (another task made the attempt), is left alone."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("endpoint", "event")
            .filter(
                pk=delivery_id,
                status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
                next_attempt_at__lte=timezone.now() + CLOCK_SLACK,
            )
            .first()
        )
        if delivery is None:  # done, not due, being sent by another worker, or deleted
            return None
        endpoint, event = delivery.endpoint, delivery.event
        number = delivery.attempts + 1
        started = timezone.now()
        body, headers = request_of(endpoint, event, number, started)
        if endpoint.is_active:
            outcome = post(endpoint.url, body, headers)
        else:
            outcome = Outcome(None, "The endpoint is turned off.", "", 0)
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error,
            response_excerpt=outcome.excerpt,
        )
        delivery.attempts = number
        retry_in = None
        if outcome.succeeded:
            delivery.status, delivery.completed_at = DeliveryStatus.SUCCEEDED, timezone.now()
            delivery.next_attempt_at = None
        elif number >= settings.WEBHOOK_MAX_ATTEMPTS or not endpoint.is_active:
            delivery.status, delivery.completed_at = DeliveryStatus.FAILED, timezone.now()
            delivery.next_attempt_at = None
        else:
            retry_in = retry_delay(number)
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = started + timedelta(seconds=retry_in)
        delivery.save(update_fields=["attempts", "status", "completed_at", "next_attempt_at"])
    return retry_in


def deliver_on_commit(delivery_ids: list[int]) -> None:
    """Queue each delivery's first attempt once the transaction that made them commits."""
    for delivery_id in delivery_ids:
        enqueue_on_commit("tenant_apps.webhooks.tasks.webhook_deliver", delivery_id)
