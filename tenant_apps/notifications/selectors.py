from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import QuerySet

from tenant_apps.kit.access import OWNER_OR_ADMIN
from tenant_apps.notifications.kinds import Channel, kind_for
from tenant_apps.notifications.models import ActionLink, Notification, NotificationPreference

UNREAD_CACHE_SECONDS = 600


def unread_cache_key(user_id: int) -> str:
    # The cache's key function prefixes the schema, so ids repeating across agencies are safe.
    return f"notifications:unread:v1:{user_id}"


def unread_count(user) -> int:
    """The bell's number: one indexed count, cached until a notification changes."""
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.unread().filter(recipient=user).count()
        cache.set(key, count, timeout=UNREAD_CACHE_SECONDS)
    return count


def preference_channels(user_ids: Iterable[int], kinds: list[str]) -> dict[tuple[int, str], str]:
    """Each person's email channel per kind, ``{(user_id, kind): channel}``, in one query."""
    user_ids = list(user_ids)
    channels = {(user_id, kind): kind_for(kind).default for user_id in user_ids for kind in kinds}
    chosen = NotificationPreference.objects.filter(user_id__in=user_ids, kind__in=kinds)
    for user_id, kind, channel in chosen.values_list("user_id", "kind", "channel"):
        channels[user_id, kind] = channel
    return channels


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("actor")


def email_wanted(user, kind: str) -> bool:
    """Whether ``user`` wants an email as soon as ``kind`` happens (for apps that send their
    own notice emails, like requests); digest and off both mean not now."""
    return preference_channels([user.pk], [kind])[user.pk, kind] == Channel.IMMEDIATELY


def action_links_visible_to(actor) -> QuerySet[ActionLink]:
    """Owners and admins see everyone's links (to withdraw a forwarded one); others their own."""
    links = ActionLink.objects.select_related("user")
    if actor.has_team_role(*OWNER_OR_ADMIN):
        return links
    if actor.user is None:
        return links.none()
    return links.filter(user=actor.user)
