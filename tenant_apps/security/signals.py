"""Sign-ins, sign-outs and failures from every path (forms, links, admin) into the log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connection
from django.db.models.signals import post_save
from django.dispatch import receiver
from django_tenants.utils import get_public_schema_name

from shared_apps.accounts.models import User
from shared_apps.core.caching import cache_forget
from tenant_apps.activity.actions import activity_record
from tenant_apps.security.actions import session_forget, session_track
from tenant_apps.security.audit import SecurityAudit
from tenant_apps.security.lockout import axes_username
from tenant_apps.security.models import SecurityPolicy
from tenant_apps.security.selectors import TEAM_TWO_FACTOR_CACHE_KEY


def _in_agency() -> bool:
    # The platform's own schema (the operator admin) has no sessions list and no activity log.
    return connection.schema_name != get_public_schema_name()


@receiver(user_logged_in)
def record_sign_in(sender, request, user, **kwargs):
    if _in_agency():
        session_track(user=user, request=request)
        activity_record(
            action=SecurityAudit.AUTH_SIGNED_IN, actor=user, target=user, request=request
        )


@receiver(user_logged_out)
def record_sign_out(sender, request, user, **kwargs):
    if _in_agency() and user is not None:
        session_forget(request=request)
        activity_record(
            action=SecurityAudit.AUTH_SIGNED_OUT, actor=user, target=user, request=request
        )


@receiver(user_login_failed)
def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    if not _in_agency():
        return
    email = axes_username(request, credentials)
    person = User.objects.filter(email=email).first() if email else None
    # Axes' own receiver runs first (its app is installed earlier) and flags a lockout.
    locked = getattr(request, "axes_locked_out", False)
    activity_record(
        action=SecurityAudit.AUTH_LOCKED_OUT if locked else SecurityAudit.AUTH_SIGN_IN_FAILED,
        actor=person,
        target=person,
        changes={
            "email": email,
            "method": "api" if request.path.startswith("/api/") else "password",
        },
        request=request,
    )


@receiver(post_save, sender=SecurityPolicy)
def forget_cached_policy(sender, **kwargs):
    cache_forget(TEAM_TWO_FACTOR_CACHE_KEY)
