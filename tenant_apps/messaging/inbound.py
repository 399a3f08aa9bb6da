"""The inbound-email endpoint: anymail's inbound webhook view for the configured ESP."""

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt

from shared_apps.core.anymail_hooks import anymail_webhook


@csrf_exempt
def inbound_email(request):
    """anymail sends its ``inbound`` signal (see email_replies.on_inbound_email)."""
    return anymail_webhook(request, esp=settings.INBOUND_EMAIL_ESP, kind="inbound")
