"""anymail's webhook views, reached by name for the configured ESP: the project mounts each
at one fixed address on the platform host, guarded by ANYMAIL_WEBHOOK_SECRET."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseForbidden


@cache
def _anymail_view(name: str):
    from anymail.urls import urlpatterns

    for pattern in urlpatterns:
        if pattern.name == name:
            return pattern.callback
    raise ImproperlyConfigured(f"anymail has no webhook named {name}")


def anymail_webhook(request, *, esp: str, kind: str):
    """anymail's ``kind`` ("inbound" or "tracking") webhook view for ``esp`` answers
    ``request``: it checks the basic auth, parses the post and sends its signal. Without a
    configured secret it would accept anyone, so then nothing is accepted."""
    if not settings.ANYMAIL_WEBHOOK_SECRET:
        return HttpResponseForbidden("Email webhooks are not configured (ANYMAIL_WEBHOOK_SECRET).")
    return _anymail_view(f"{esp}_{kind}_webhook")(request)
