"""anymail's webhook views, reached by name for the configured ESP: the project mounts each
at one fixed address on the platform host, guarded by ANYMAIL_WEBHOOK_SECRET."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import HttpResponseForbidden

# What anymail's parsers raise on a post its ESP would never send: not JSON, a field of the
# wrong shape, an address or a date that does not parse.
UNREADABLE = (ValueError, TypeError, KeyError, AttributeError)


class UnreadablePost(SuspiciousOperation):
    """Django answers 400, as for a post that fails the webhook's basic auth."""


@cache
def _anymail_view(name: str):
    from anymail.urls import urlpatterns

    for pattern in urlpatterns:
        if pattern.name == name:
            view = pattern.callback
            return _refusing_unreadable(view.view_class).as_view(**view.view_initkwargs)
    raise ImproperlyConfigured(f"anymail has no webhook named {name}")


def _refusing_unreadable(view_class):
    """``view_class`` refusing a post it cannot parse (400) instead of failing on it (500);
    what our receivers of its signals raise is still theirs to answer for."""

    class RefusingUnreadable(view_class):
        def parse_events(self, request):
            try:
                return super().parse_events(request)
            except UNREADABLE as error:
                raise UnreadablePost(f"{self.esp_name} post not readable: {error!r}") from error

    RefusingUnreadable.__name__ = view_class.__name__
    return RefusingUnreadable


def anymail_webhook(request, *, esp: str, kind: str):
    """anymail's ``kind`` ("inbound" or "tracking") webhook view for ``esp`` answers
    ``request``: it checks the basic auth, parses the post and sends its signal. Without a
    configured secret it would accept anyone, so then nothing is accepted."""
    if not settings.ANYMAIL_WEBHOOK_SECRET:
        return HttpResponseForbidden("Email webhooks are not configured (ANYMAIL_WEBHOOK_SECRET).")
    return _anymail_view(f"{esp}_{kind}_webhook")(request)
