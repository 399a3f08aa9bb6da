"""What the ESP says became of agencies' emails: bounces, rejections and spam complaints,
posted to anymail's tracking webhook on the platform host (/email-events/, HTTP basic auth
from ANYMAIL_WEBHOOK_SECRET, like the inbound webhook). Each agency email carries its
agency's schema in its metadata (branding.emails.branded_email), which the ESP echoes back."""

from datetime import UTC

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from operators.models import EmailBounce
from shared_apps.core.anymail_hooks import anymail_webhook
from shared_apps.core.text import UNSTORABLE
from tenants.models import Agency

# anymail's normalised event types that mean the email did not reach the person.
NOT_DELIVERED = {"bounced", "rejected", "complained"}
AGENCY_METADATA_KEY = "agency"


@csrf_exempt
def email_events(request):
    """anymail sends its ``tracking`` signal (``tracking_event_record``)."""
    return anymail_webhook(request, esp=settings.EMAIL_TRACKING_ESP, kind="tracking")


def tracking_event_record(sender, event, esp_name, **kwargs) -> None:
    """anymail's ``tracking`` signal: keep the emails that did not reach their person."""
    if event.event_type not in NOT_DELIVERED:
        return
    connection.set_schema_to_public()
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    schema = metadata.get(AGENCY_METADATA_KEY)
    agency_id = (
        Agency.objects.filter(schema_name=schema).values_list("pk", flat=True).first()
        if isinstance(schema, str) and schema and not UNSTORABLE.search(schema)
        else None
    )
    fields = {
        "agency_id": agency_id,
        "event_type": event.event_type,
        "recipient": _storable(event.recipient, 254),
        "description": _storable(event.description or event.mta_response, 300),
        "occurred_at": _in_utc(event.timestamp),
    }
    if event.event_id:
        EmailBounce.objects.get_or_create(
            esp_event_id=_storable(f"{esp_name}:{event.event_id}", 200), defaults=fields
        )
    else:
        EmailBounce.objects.create(**fields)


def _storable(text, limit: int) -> str:
    """The ESP's words as PostgreSQL can keep them: a bounce is recorded whatever they hold."""
    return UNSTORABLE.sub("\ufffd", "" if text is None else str(text))[:limit]


def _in_utc(timestamp):
    """The ESP's time in UTC (PostgreSQL keeps offsets up to 15:59 only), or now without one
    that converts."""
    try:
        return timestamp.astimezone(UTC) if timestamp else timezone.now()
    except (OverflowError, ValueError):
        return timezone.now()
