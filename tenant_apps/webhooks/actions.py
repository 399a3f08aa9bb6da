"""Every write to webhook endpoints: each in a transaction and in the activity log (which
never holds a secret)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenant_apps.activity.actions import activity_record
from tenant_apps.webhooks.audit import WebhookAudit
from tenant_apps.webhooks.delivery import deliver_on_commit, url_check
from tenant_apps.webhooks.models import (
    SUBSCRIBABLE,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EndpointKind,
    Event,
    EventType,
    slack_url_hint,
)
from tenant_apps.webhooks.signing import secret_new

MAX_ENDPOINTS = 20
ROTATION_GRACE_HOURS = 24


def _clean(url: str, event_types, kind: str) -> tuple[str, list[str]]:
    url = url.strip()
    try:
        url_check(url, slack=kind == EndpointKind.SLACK)
    except ValidationError as refused:
        raise ValidationError({"url": refused.messages}) from refused
    known = {value for value, _ in SUBSCRIBABLE}
    chosen = sorted(set(event_types))
    if not chosen:
        raise ValidationError({"event_types": "Choose at least one event."})
    unknown = [value for value in chosen if value not in known]
    if unknown:
        raise ValidationError({"event_types": f"Unknown events: {', '.join(unknown)}."})
    return url, chosen


def _logged_url(url: str, kind: str) -> str:
    # A Slack URL is its credential: the activity log keeps only its hint.
    return slack_url_hint(url) if kind == EndpointKind.SLACK else url


def endpoint_create(
    *,
    url,
    event_types,
    actor,
    description="",
    kind=EndpointKind.SIGNED,
    company=None,
    request=None,
) -> Endpoint:
    """Register an endpoint with a new secret; the caller shows the secret once (a signed
    one's). ``company``: only events about that client company's items go there."""
    url, event_types = _clean(url, event_types, kind)
    with transaction.atomic():
        if Endpoint.objects.select_for_update().count() >= MAX_ENDPOINTS:
            raise ValidationError({"url": f"An agency can have at most {MAX_ENDPOINTS} webhooks."})
        endpoint = Endpoint.objects.create(
            kind=kind,
            company=company,
            url=url,
            description=description.strip(),
            event_types=event_types,
            secret=secret_new(),
            created_by=actor,
        )
        changes = {"url": _logged_url(url, kind), "events": event_types}
        if kind == EndpointKind.SLACK:
            changes["kind"] = kind
        if company is not None:
            changes["company"] = company.name
        activity_record(
            action=WebhookAudit.WEBHOOK_CREATED,
            actor=actor,
            target=endpoint,
            changes=changes,
            request=request,
        )
        return endpoint


def endpoint_update(
    *, endpoint, actor, url, event_types, description, is_active, company=None, request=None
) -> Endpoint:
    """Change what an endpoint receives and where; its kind stays what it was made."""
    url, event_types = _clean(url, event_types, endpoint.kind)
    new = {
        "url": url,
        "event_types": event_types,
        "description": description.strip(),
        "is_active": is_active,
        "company": company,
    }
    changes = {
        field: [_logged(endpoint, field, getattr(endpoint, field)), _logged(endpoint, field, value)]
        for field, value in new.items()
        if getattr(endpoint, field) != value
    }
    if not changes:
        return endpoint
    with transaction.atomic():
        for field, value in new.items():
            setattr(endpoint, field, value)
        endpoint.save(update_fields=list(new))
        activity_record(
            action=WebhookAudit.WEBHOOK_UPDATED,
            actor=actor,
            target=endpoint,
            changes=changes,
            request=request,
        )
        return endpoint


def _logged(endpoint, field: str, value):
    if field == "url":
        return _logged_url(value, endpoint.kind)
    if field == "company":
        return value.name if value is not None else None
    return value


def endpoint_delete(*, endpoint, actor, request=None) -> None:
    """Remove an endpoint with its delivery log; events already sent stay sent."""
    with transaction.atomic():
        activity_record(
            action=WebhookAudit.WEBHOOK_DELETED,
            actor=actor,
            target=endpoint,
            changes={"url": endpoint.url_hint},
            request=request,
        )
        endpoint.delete()


def endpoint_secret_rotate(
    *, endpoint, actor, grace_hours=ROTATION_GRACE_HOURS, request=None
) -> Endpoint:
    """A new secret; the old one still signs for ``grace_hours`` (0: stops at once)."""
    with transaction.atomic():
        now = timezone.now()
        endpoint.previous_secret = endpoint.secret if grace_hours else ""
        endpoint.previous_secret_expires_at = now + timedelta(hours=grace_hours)
        endpoint.secret = secret_new()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
        activity_record(
            action=WebhookAudit.WEBHOOK_SECRET_ROTATED,
            actor=actor,
            target=endpoint,
            changes={"grace_hours": grace_hours},
            request=request,
        )
        return endpoint


def endpoint_ping(*, endpoint, actor, request=None) -> Delivery:
    """Send a test event to one endpoint, whatever it subscribes to."""
    with transaction.atomic():
        event = Event.objects.create(
            type=EventType.PING,
            payload={"endpoint": endpoint.pk, "sent_by": actor.email},
        )
        delivery = Delivery.objects.create(
            endpoint=endpoint, event=event, next_attempt_at=timezone.now()
        )
        activity_record(
            action=WebhookAudit.WEBHOOK_PINGED, actor=actor, target=endpoint, request=request
        )
        deliver_on_commit([delivery.pk])
        return delivery


def delivery_retry(*, delivery, actor, request=None) -> Delivery:
    """Try a delivery that gave up once more, now (the automatic retries are spent)."""
    with transaction.atomic():
        if delivery.status != DeliveryStatus.FAILED:
            raise ValidationError({"delivery": "Only a delivery that gave up can be retried."})
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = timezone.now()
        delivery.completed_at = None
        delivery.save(update_fields=["status", "next_attempt_at", "completed_at"])
        activity_record(
            action=WebhookAudit.WEBHOOK_REDELIVERED,
            actor=actor,
            target=delivery.endpoint,
            changes={"event": delivery.event_id},
            request=request,
        )
        deliver_on_commit([delivery.pk])
        return delivery
