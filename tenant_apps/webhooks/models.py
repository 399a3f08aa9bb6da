"""Outgoing webhooks: an agency's endpoints, the events they receive, and every attempt.

An endpoint is either the agency's own system (signed JSON) or a Slack channel (a Slack
incoming-webhook URL, posted a sentence per event); either may serve one client company only.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


class EventType(models.TextChoices):
    REQUEST_CREATED = "request.created", "A request is submitted"
    REQUEST_STATUS_CHANGED = "request.status_changed", "A request changes status"
    MESSAGE_POSTED = "message.posted", "A message is posted in a conversation"
    APPROVAL_DECIDED = "approval.decided", "An approver decides"
    INVOICE_PAID = "invoice.paid", "An invoice is paid"
    DOCUMENT_VERSION_ADDED = "document.version_added", "A document gets a new version"
    REQUEST_AT_RISK = "request.at_risk", "A request is at risk of missing its promise"
    REQUEST_BREACHED = "request.breached", "A request missed its promise"
    # Sent on demand from the endpoint's page, to try it; never subscribed to.
    PING = "ping", "A test event"


SUBSCRIBABLE = [choice for choice in EventType.choices if choice[0] != EventType.PING]


class EndpointKind(models.TextChoices):
    SIGNED = "signed", "Your system (signed JSON)"
    SLACK = "slack", "A Slack channel"


class Endpoint(models.Model):
    """A URL the agency registered to receive the events it chose, signed with its secret.

    After a rotation the previous secret still signs (a second ``v1``) until
    ``previous_secret_expires_at``, so the receiver can switch without missing events.
    A Slack endpoint's URL is its credential (Slack checks no signature): shown only as
    ``url_hint`` once saved. With a ``company``, only events about that client company's
    items go there, and never one about an internal item (its channel may be shared with
    the client).
    """

    kind = models.CharField(max_length=10, choices=EndpointKind.choices, default="signed")
    company = models.ForeignKey(
        "people.ClientCompany",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # a few endpoints per agency: not worth an index in every schema
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = ArrayField(models.CharField(max_length=40, choices=EventType.choices))
    secret = models.CharField(max_length=80)
    previous_secret = models.CharField(max_length=80, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url_hint

    @property
    def is_slack(self) -> bool:
        return self.kind == EndpointKind.SLACK

    @property
    def url_hint(self) -> str:
        """The URL, or for Slack enough of it to tell which one it is."""
        return slack_url_hint(self.url) if self.is_slack else self.url

    @property
    def secret_hint(self) -> str:
        """Enough of the secret to tell which one a receiver holds."""
        return f"{self.secret[:6]}…{self.secret[-4:]}"

    def signing_secrets(self, now) -> list[str]:
        previous = self.previous_secret and self.previous_secret_expires_at
        if previous and self.previous_secret_expires_at > now:
            return [self.secret, self.previous_secret]
        return [self.secret]


def slack_url_hint(url: str) -> str:
    """https://hooks.slack.com/services/T0/B0/secret → "hooks.slack.com/…cret"."""
    host = urlsplit(url).netloc
    return f"{host}/…{url[-4:]}"


class Event(models.Model):
    """Something that happened: ``payload`` is the body's ``data``, fixed when it happened
    (delivery.body_of wraps it with the event's id, type and time). ``once`` names an event
    that must be raised at most once (a request's SLA alerts, found again by later sweeps).
    """

    type = models.CharField(max_length=40, choices=EventType.choices)
    payload = models.JSONField()
    once = models.CharField(max_length=80, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["once"], condition=~models.Q(once=""), name="webhook_event_once"
            ),
        ]

    def __str__(self):
        return f"evt_{self.pk} {self.type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Sending"
    RETRYING = "retrying", "Failed, will retry"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed, gave up"


class Delivery(models.Model):
    """One event on its way to one endpoint: at most one per pair, however often it is tried."""

    endpoint = models.ForeignKey(
        Endpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # webhook_delivery_once leads with it
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log")]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once"),
        ]

    def __str__(self):
        return f"{self.event} to {self.endpoint_id}"


class Attempt(models.Model):
    """One POST of a delivery: what came back, or what went wrong, and how long it took."""

    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        db_index=False,  # webhook_attempt_once leads with it
    )
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once"),
        ]

    def __str__(self):
        return f"Attempt {self.number} of {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
