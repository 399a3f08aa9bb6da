"""Sign-in emails, sent by the worker inside the agency's schema.

Tasks take ids, never secrets: the worker makes the secret itself, so no
link ever sits in the broker.
"""

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from branding.emails import branded_email
from shared_apps.accounts.models import User
from tenant_apps.security.link_secrets import link_secret_new
from tenant_apps.security.models import MAGIC_LINK_MINUTES, MagicLink
from tenants.middleware import agency_url

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}
# One reset email per person per minute, however often the form is sent.
PASSWORD_RESET_MAIL_GAP_SECONDS = 60


def password_reset_gap_key(user_id: int) -> str:
    return f"security:password-reset-mail:{user_id}"  # the cache's key function adds the schema


def _link(route: str, *args) -> str:
    path = reverse(route, args=args, urlconf=settings.ROOT_URLCONF)
    return agency_url(connection.tenant.subdomain, path)


def _send(*, to: str, template: str, context: dict) -> None:
    branded_email(
        subject_template=f"security/email/{template}_subject.txt",
        to=[to],
        text_template=f"security/email/{template}.txt",
        context=context,
    ).send()


@shared_task(ignore_result=True, **RETRY)
def send_magic_link(link_id: int) -> None:
    """Email sign-in link ``link_id``. A repeated delivery of this task sends nothing."""
    secret, digest = link_secret_new()
    now = timezone.now()
    # Claiming the row is what makes the task idempotent.
    claimed = MagicLink.objects.filter(pk=link_id, sent_at__isnull=True, expires_at__gt=now).update(
        secret_digest=digest, sent_at=now
    )
    if not claimed:
        return
    link = MagicLink.objects.select_related("user").get(pk=link_id)
    try:
        _send(
            to=link.user.email,
            template="magic_link",
            context={
                "user": link.user,
                "url": _link("accounts:magic_link_sign_in", secret),
                "minutes": MAGIC_LINK_MINUTES,
            },
        )
    except Exception:
        # Release the claim so the retry sends a fresh secret.
        MagicLink.objects.filter(pk=link_id, secret_digest=digest).update(
            secret_digest=None, sent_at=None
        )
        raise


@shared_task(ignore_result=True, **RETRY)
def send_password_reset(user_id: int) -> None:
    """Email a password reset link to ``user_id``, at most once a minute."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    gap_key = password_reset_gap_key(user_id)
    if user is None or not cache.add(gap_key, 1, timeout=PASSWORD_RESET_MAIL_GAP_SECONDS):
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    try:
        _send(
            to=user.email,
            template="password_reset",
            context={
                "user": user,
                "url": _link("accounts:password_reset_confirm", uid, token),
                "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            },
        )
    except Exception:
        cache.delete(gap_key)
        raise
