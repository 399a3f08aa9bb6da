"""The address a request came from: the one way the project reads it (activity log, sessions,
approval records, and django-axes through AXES_CLIENT_IP_CALLABLE).

``TRUSTED_PROXY_COUNT`` is the number of reverse proxies in front of the app. Each appends the
address it was connected from to X-Forwarded-For, so only the right-most that-many entries
were written by a proxy; the left-most of them is the client. Anything further left came from
the client and is never read. With 0 (the default) the header is ignored and the peer address
(REMOTE_ADDR) is the client's.
"""

from django.conf import settings
from django.http import HttpRequest
from python_ipware import IpWare

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


def _parsed(meta, header: str, proxies: int | None = None) -> str | None:
    ip, _ = IpWare(precedence=(header,), proxy_count=proxies).get_client_ip(meta, strict=True)
    return None if ip is None else str(ip)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or the peer's when the forwarded one is missing or malformed."""
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get(FORWARDED_FOR, "")
    if trusted and forwarded:
        # Cut the client's part off before parsing: python-ipware reads quoted strings, so a
        # stray quote from the client could otherwise swallow the entries the proxies added.
        hops = ",".join(forwarded.split(",")[-trusted:])
        # Strict: exactly ``trusted`` valid addresses, else none is believed.
        found = _parsed({FORWARDED_FOR: hops}, FORWARDED_FOR, proxies=trusted - 1)
        if found:
            return found
    return _parsed(request.META, "REMOTE_ADDR")
