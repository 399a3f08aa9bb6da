"""One-time sign-in links that carry a new owner from the public site to their workspace.

Session cookies are host-only, so signing up on the platform host cannot log
anyone in on ``acme.<domain>``. The signup hands over a signed, two-minute,
single-use token naming the schema and user. Its format lives here, both ways;
the agency's host (tenant_apps.security) refuses it for any other schema and
spends it once.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from tenants.middleware import agency_url

SALT = "accounts.handoff"
MAX_AGE_SECONDS = 120


@dataclass(frozen=True)
class Handoff:
    schema: str
    user_id: int
    nonce: str


def handoff_url(*, agency, user) -> str:
    token = signing.dumps(
        {"schema": agency.schema_name, "user": user.pk, "nonce": secrets.token_urlsafe(16)},
        salt=SALT,
        compress=True,
    )
    # Built on the public site, so name the tenant URLconf explicitly.
    path = reverse("accounts:handoff", args=[token], urlconf=settings.ROOT_URLCONF)
    return agency_url(agency.subdomain, path)


def handoff_read(token: str) -> Handoff | None:
    """What a genuine, unexpired token says; None when it is forged or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return Handoff(schema=data["schema"], user_id=data["user"], nonce=data["nonce"])
