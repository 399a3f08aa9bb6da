"""One-time sign-in links that carry a new owner from the public site to their workspace.

Session cookies are host-only, so signing up on the platform host cannot log
anyone in on ``acme.<domain>``. The signup hands over a signed, two-minute,
single-use token naming the schema and user; it is refused on any other host.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from tenants.middleware import agency_url

SALT = "accounts.handoff"
MAX_AGE_SECONDS = 120


def handoff_url(*, agency, user) -> str:
    token = signing.dumps(
        {"schema": agency.schema_name, "user": user.pk, "nonce": secrets.token_urlsafe(16)},
        salt=SALT,
        compress=True,
    )
    # Built on the public site, so name the tenant URLconf explicitly.
    path = reverse("accounts:handoff", args=[token], urlconf=settings.ROOT_URLCONF)
    return agency_url(agency.subdomain, path)


def handoff_user_id(token: str) -> int | None:
    """The user id the token names, once; None when forged, expired, reused or foreign."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if data.get("schema") != connection.schema_name:
        return None
    # cache.add is atomic; the key function prefixes it with this schema.
    if not cache.add(f"handoff-used:{data['nonce']}", 1, timeout=MAX_AGE_SECONDS * 2):
        return None
    return data["user"]
