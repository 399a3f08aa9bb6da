"""The inbound-email endpoint: anymail's inbound webhook view for the configured ESP."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt


@cache
def _esp_view(esp: str):
    """anymail's inbound view for ``esp`` ("postmark", "mailgun", "amazon_ses"...)."""
    from anymail.urls import urlpatterns

    name = f"{esp}_inbound_webhook"
    for pattern in urlpatterns:
        if pattern.name == name:
            return pattern.callback
    raise ImproperlyConfigured(f"INBOUND_EMAIL_ESP={esp!r}: anymail has no inbound webhook {name}")


@csrf_exempt
def inbound_email(request, *args, **kwargs):
    """anymail checks the basic auth, parses the ESP's post and sends its ``inbound`` signal
    (see email_replies.on_inbound_email). Without a configured secret it would accept anyone,
    so then nothing is accepted."""
    if not settings.ANYMAIL_WEBHOOK_SECRET:
        return HttpResponseForbidden("Inbound email is not configured (ANYMAIL_WEBHOOK_SECRET).")
    return _esp_view(settings.INBOUND_EMAIL_ESP)(request, *args, **kwargs)
