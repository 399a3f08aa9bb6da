"""How webhook requests are signed; the same scheme as Stripe's, so receivers know it.

Every POST carries::

    Portal-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e1

``t`` is the Unix time of the attempt and ``v1`` the hex HMAC-SHA256 of the string
``"<t>.<raw request body>"`` keyed with the endpoint's secret (the whole ``whsec_...`` string,
as UTF-8). During the grace period after a secret is rotated, a second ``v1`` is signed with
the previous secret. To verify: split the header on ",", compute the HMAC of
``f"{t}.{body}"`` with your secret, compare it in constant time with each ``v1``, and refuse a
``t`` more than five minutes from your clock (a replayed request). Answer any 2xx quickly;
anything else, or no answer in 10 seconds, is retried with exponential backoff. The same event
can arrive more than once: ``Portal-Event-Id`` (also the body's ``id``) tells you.
"""

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Portal-Signature"
TOLERANCE_SECONDS = 300


def secret_new() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secrets_: list[str], timestamp: int, body: bytes) -> str:
    return ",".join(
        [f"t={timestamp}", *(f"v1={signature(secret, timestamp, body)}" for secret in secrets_)]
    )
