from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from shared_apps.accounts.models import User
from shared_apps.accounts.two_factor import has_two_factor
from tenant_apps.security.link_secrets import secret_digest
from tenant_apps.security.models import MagicLink, SecurityPolicy, SignedInSession

TEAM_TWO_FACTOR_CACHE_KEY = "security:team-2fa:v1"  # the cache's key function adds the schema


def security_policy() -> SecurityPolicy:
    return SecurityPolicy.objects.filter(pk=1).first() or SecurityPolicy(pk=1)


def team_two_factor_required() -> bool:
    """Read on every signed-in request, so cached; signals forget it when the policy changes."""
    required = cache.get(TEAM_TWO_FACTOR_CACHE_KEY)
    if required is None:
        required = SecurityPolicy.objects.filter(pk=1, team_two_factor_required=True).exists()
        cache.set(TEAM_TWO_FACTOR_CACHE_KEY, required, timeout=3600)
    return required


def two_factor_required_for(user) -> bool:
    return (
        team_two_factor_required()
        and User.objects.filter(pk=user.pk, team_member__isnull=False).exists()
    )


def two_factor_setup_required(user) -> bool:
    """Whether ``user`` must set up two-factor before doing anything else."""
    return two_factor_required_for(user) and not has_two_factor(user)


def team_without_two_factor() -> QuerySet[User]:
    enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return User.objects.filter(team_member__isnull=False, is_active=True).exclude(Exists(enrolled))


def signed_in_sessions(user) -> QuerySet[SignedInSession]:
    """``user``'s sessions that have not expired by age, most recently used first."""
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return SignedInSession.objects.filter(user=user, last_seen_at__gt=cutoff)


def magic_link_for(secret: str) -> MagicLink | None:
    return (
        MagicLink.objects.select_related("user").filter(secret_digest=secret_digest(secret)).first()
    )
