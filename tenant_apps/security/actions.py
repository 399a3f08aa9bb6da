"""Every write to sign-in state, each logged to the activity history in the same transaction."""

import time
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from shared_apps.accounts.models import User, new_security_stamp
from shared_apps.accounts.two_factor import recovery_codes_replace, totp_confirm
from shared_apps.core.client_ip import client_ip
from shared_apps.core.regional import validate_regional
from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.activity.actions import activity_record
from tenant_apps.security.audit import SecurityAudit
from tenant_apps.security.link_secrets import SecretDigest, secret_digest
from tenant_apps.security.lockout import email_request_counted
from tenant_apps.security.models import (
    MAGIC_LINK_MINUTES,
    MagicLink,
    SecurityPolicy,
    SignedInSession,
)

SEEN_KEY = "security:seen-at"
SEEN_EVERY_SECONDS = 300


class MagicLinkUnusable(Exception):
    """``reason`` is "unknown", "used" or "expired"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _client(request) -> dict:
    return {
        "ip_address": client_ip(request),
        "user_agent": request.headers.get("User-Agent", "")[:300],
    }


def credentials_revoke(user) -> None:
    """End every session and token of ``user``: their hashes and claims use the stamp.
    Call it inside the transaction of the action that logs why."""
    user.security_stamp = new_security_stamp()
    user.save(update_fields=["security_stamp"])
    SignedInSession.objects.filter(user=user).delete()
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )


def sessions_end_all(*, user, actor, request=None) -> None:
    """Sign ``user`` out everywhere: every browser session, refresh and access token."""
    with transaction.atomic():
        credentials_revoke(user)
        activity_record(
            action=SecurityAudit.AUTH_SESSIONS_ENDED, actor=actor, target=user, request=request
        )


def refresh_token_revoke(*, token, request=None) -> None:
    """Blacklist one (verified) refresh token: one app signing out."""
    with transaction.atomic():
        token.blacklist()
        user = User.objects.filter(pk=token.payload.get(api_settings.USER_ID_CLAIM)).first()
        activity_record(
            action=SecurityAudit.AUTH_SIGNED_OUT,
            actor=user,
            target=user,
            changes={"via": "api"},
            request=request,
        )


def password_change(*, user, new_password, actor, request=None) -> None:
    """Set a validated password; ends every session and token of ``user``."""
    user.set_password(new_password)  # hashing (~100 ms) happens before the transaction
    with transaction.atomic():
        user.save(update_fields=["password"])
        credentials_revoke(user)
        activity_record(
            action=SecurityAudit.AUTH_PASSWORD_CHANGED, actor=actor, target=user, request=request
        )


def session_track(*, user, request) -> SignedInSession:
    """Record the session ``request`` has just signed ``user`` into (called at sign-in)."""
    now = timezone.now()
    session, _ = SignedInSession.objects.update_or_create(
        key_digest=secret_digest(request.session.session_key),
        defaults={"user": user, "created_at": now, "last_seen_at": now, **_client(request)},
    )
    request.session[SEEN_KEY] = time.time()
    return session


def session_forget(*, request) -> None:
    """Drop the record of the session ``request`` is signing out of (the log says why)."""
    if request.session.session_key:
        SignedInSession.objects.filter(
            key_digest=secret_digest(request.session.session_key)
        ).delete()


def session_seen(*, request) -> None:
    """Refresh the sessions list's "last active" at most every five minutes; not logged.

    The session remembers when it last did, so most requests cost no query.
    """
    if time.time() - request.session.get(SEEN_KEY, 0) < SEEN_EVERY_SECONDS:
        return
    request.session[SEEN_KEY] = time.time()
    SignedInSession.objects.filter(key_digest=secret_digest(request.session.session_key)).update(
        last_seen_at=timezone.now(), ip_address=_client(request)["ip_address"]
    )


def session_end(*, session: SignedInSession, actor, request=None) -> None:
    """Sign one browser out now, by deleting its session row (found by the key's digest)."""
    with transaction.atomic():
        Session.objects.alias(key_digest=SecretDigest("session_key")).filter(
            key_digest=session.key_digest
        ).delete()
        session.delete()
        activity_record(
            action=SecurityAudit.AUTH_SESSION_ENDED,
            actor=actor,
            target=session.user,
            changes={"ip_address": session.ip_address, "user_agent": session.user_agent},
            request=request,
        )


def _unknown_email(*, email, method, request) -> None:
    # Logged like a known address is, so both paths do the same work.
    activity_record(
        action=SecurityAudit.AUTH_SIGN_IN_FAILED,
        changes={"email": email, "method": method, "reason": "unknown email"},
        request=request,
    )


def magic_link_request(*, email: str, request) -> None:
    """Queue a sign-in link if ``email`` is an active person's here; the worker makes the secret.

    Each request counts towards the lockout like a failed sign-in; once locked,
    nothing is sent and axes' middleware answers with the lockout page.
    """
    user = User.objects.filter(email=email, is_active=True).first()
    locked = email_request_counted(request, email)
    with transaction.atomic():
        if locked:
            activity_record(
                action=SecurityAudit.AUTH_LOCKED_OUT,
                actor=user,
                target=user,
                changes={"email": email, "method": "magic_link"},
                request=request,
            )
            return
        if user is None:
            _unknown_email(email=email, method="magic_link", request=request)
            return
        now = timezone.now()
        link = MagicLink.objects.create(
            user=user, created_at=now, expires_at=now + timedelta(minutes=MAGIC_LINK_MINUTES)
        )
        activity_record(
            action=SecurityAudit.AUTH_MAGIC_LINK_SENT, actor=user, target=user, request=request
        )
        enqueue_on_commit("tenant_apps.security.tasks.send_magic_link", link.pk)


def password_reset_request(*, email: str, request) -> None:
    """Queue a password reset email if ``email`` is an active person's here."""
    user = User.objects.filter(email=email, is_active=True).first()
    with transaction.atomic():
        if user is None:
            _unknown_email(email=email, method="password_reset", request=request)
            return
        activity_record(
            action=SecurityAudit.AUTH_PASSWORD_RESET_REQUESTED,
            actor=user,
            target=user,
            request=request,
        )
        enqueue_on_commit("tenant_apps.security.tasks.send_password_reset", user.pk)


def magic_link_use(*, secret: str, request):
    """Spend the link and return its person; raises MagicLinkUnusable."""
    with transaction.atomic():
        link = (
            MagicLink.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(secret_digest=secret_digest(secret))
            .first()
        )
        if link is None or not link.user.is_active:
            raise MagicLinkUnusable("unknown")
        if link.status != "valid":
            raise MagicLinkUnusable(link.status)
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        activity_record(
            action=SecurityAudit.AUTH_MAGIC_LINK_USED,
            actor=link.user,
            target=link.user,
            request=request,
        )
    return link.user


def two_factor_enable(*, device: TOTPDevice, code: str, request=None) -> list[str]:
    """Confirm ``device`` with its first code; returns the recovery codes, shown once.

    Raises two_factor.CodeRejected.
    """
    totp_confirm(device, code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_replace(device.user)
        activity_record(
            action=SecurityAudit.AUTH_TWO_FACTOR_ENABLED,
            actor=device.user,
            target=device.user,
            request=request,
        )
    return codes


def two_factor_disable(*, user, actor, request=None) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        activity_record(
            action=SecurityAudit.AUTH_TWO_FACTOR_DISABLED, actor=actor, target=user, request=request
        )


def recovery_codes_regenerate(*, user, request=None) -> list[str]:
    """New recovery codes, shown once; the old ones stop working."""
    with transaction.atomic():
        codes = recovery_codes_replace(user)
        activity_record(
            action=SecurityAudit.AUTH_RECOVERY_CODES_REGENERATED,
            actor=user,
            target=user,
            request=request,
        )
    return codes


def security_policy_update(*, team_two_factor_required: bool, actor, request=None):
    with transaction.atomic():
        policy, _ = SecurityPolicy.objects.select_for_update().get_or_create(pk=1)
        before = policy.team_two_factor_required
        policy.team_two_factor_required = team_two_factor_required
        policy.updated_at = timezone.now()
        policy.updated_by = actor
        policy.save()
        activity_record(
            action=SecurityAudit.SECURITY_POLICY_CHANGED,
            actor=actor,
            target=policy,
            changes={"team_two_factor_required": [before, team_two_factor_required]},
            request=request,
        )
    return policy


def account_regional_update(*, user: User, time_zone: str, locale: str, request=None) -> User:
    """A person's own time zone and locale; blank follows the agency's. Raises
    ValidationError for a zone or locale not on the lists."""
    wanted = {"time_zone": time_zone, "locale": locale}
    validate_regional(**wanted, blank=True)
    changed = {name: [getattr(user, name), value] for name, value in wanted.items()}
    changed = {name: values for name, values in changed.items() if values[0] != values[1]}
    with transaction.atomic():
        if changed:
            User.objects.filter(pk=user.pk).update(**wanted)
            user.time_zone, user.locale = time_zone, locale
            activity_record(
                action=SecurityAudit.ACCOUNT_REGIONAL_UPDATED,
                actor=user,
                target=user,
                changes=changed,
                request=request,
            )
    return user
