"""Secrets for emailed single-use links (sign-in links, invitations).

The secret travels only in the email; the database keeps its SHA-256, so a
copy of the table cannot be turned back into working links.
"""

import hashlib
import secrets

from django.db.models import CharField, Func


def secret_digest(secret: str) -> str:
    """SHA-256 hex of a bearer secret (also used for session keys)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class SecretDigest(Func):
    """``secret_digest`` of a text column, computed by PostgreSQL (built-in sha256)."""

    template = "encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')"
    output_field = CharField()


def link_secret_new() -> tuple[str, str]:
    """A fresh URL-safe secret (256 bits) and the digest to store for it."""
    secret = secrets.token_urlsafe(32)
    return secret, secret_digest(secret)
