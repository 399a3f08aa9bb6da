"""Every write to notifications, preferences and action links."""

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from shared_apps.core.caching import cache_forget
from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.activity.actions import activity_record
from tenant_apps.notifications.audit import NotificationAudit
from tenant_apps.notifications.kinds import Channel, kind_for
from tenant_apps.notifications.models import (
    ACTION_LINK_DAYS,
    ActionLink,
    Notification,
    NotificationPreference,
)
from tenant_apps.notifications.selectors import preference_channels, unread_cache_key
from tenant_apps.security.link_secrets import link_secret_new


def _unread_changed(user_ids: Iterable[int]) -> None:
    """Drop the cached bell counts of these people."""
    cache_forget(*(unread_cache_key(user_id) for user_id in user_ids))


NOTIFICATION_EMAIL_TASK = "tenant_apps.notifications.tasks.notification_email"


def notification_send(
    *,
    recipients,
    kind: str,
    target,
    title: str,
    url: str,
    actor=None,
    body: str = "",
    email: bool = True,
) -> list[Notification]:
    """Tell ``recipients`` (users) about ``target``, in the app and by email per their choice.

    Everyone but ``actor`` (who knows already) gets an in-app notification linking to ``url``
    (the item's page, a path). Then the email follows each person's preference for ``kind``:
    immediately (a task, safe to retry, after the commit), in the daily digest, or not at all.
    Call it inside the action's transaction: nothing is sent if that rolls back.
    ``email=False``: in the app only, where the caller's own email already tells them.
    """
    kind_for(kind)  # an unknown kind is a programming error, caught here, not in the worker
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if actor is not None:
        people.pop(actor.pk, None)
    if not people:
        return []
    channels = preference_channels(people, [kind])
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    kind=kind,
                    actor=actor,
                    object_type=target._meta.label_lower,
                    object_id=str(target.pk),
                    object_label=str(target)[:200],
                    title=title[:200],
                    body=body,
                    url=url,
                    channel=channels[user_id, kind] if email else Channel.OFF,
                )
                for user_id, user in people.items()
            ]
        )
        _unread_changed(people)
        immediate = [
            n.pk
            for n in notifications
            if n.channel == Channel.IMMEDIATELY and not kind_for(kind).emailed_by_source
        ]
        if immediate:
            for notification_id in immediate:
                enqueue_on_commit(
                    "tenant_apps.notifications.tasks.notification_email", notification_id
                )
    return notifications


def notifications_mark_read(*, user, ids=None) -> int:
    """Mark ``user``'s notifications read: those with ``ids``, or all of them; returns how many.

    Not in the activity log: reading is not a change to the workspace.
    """
    unread = Notification.objects.unread().filter(recipient=user)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    count = unread.update(read_at=timezone.now())
    if count:
        _unread_changed([user.pk])
    return count


def preferences_update(*, user, channels: dict[str, str], request=None) -> dict[str, str]:
    """Set ``user``'s email choice per kind ({kind: channel}); returns what changed."""
    for kind in channels:
        kind_for(kind)
    with transaction.atomic():
        before = preference_channels([user.pk], list(channels))
        changes = {
            kind: [before[user.pk, kind], channel]
            for kind, channel in channels.items()
            if before[user.pk, kind] != channel
        }
        for kind, (_, channel) in changes.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"channel": channel}
            )
        if changes:
            activity_record(
                action=NotificationAudit.NOTIFICATIONS_PREFERENCES_UPDATED,
                actor=user,
                target=user,
                changes=changes,
                request=request,
            )
        return {kind: pair[1] for kind, pair in changes.items()}


def action_link_create(*, notification: Notification, action: str, path: str) -> str:
    """A single-purpose link for the notification's person and item; returns the secret.

    The secret exists only in the email being built; the row keeps its digest.
    """
    secret, digest = link_secret_new()
    now = timezone.now()
    ActionLink.objects.create(
        user_id=notification.recipient_id,
        action=action,
        object_type=notification.object_type,
        object_id=notification.object_id,
        object_label=notification.object_label,
        path=path,
        notification=notification,
        secret_digest=digest,
        created_at=now,
        expires_at=now + timedelta(days=ACTION_LINK_DAYS),
    )
    return secret


def action_link_revoke(*, link: ActionLink, actor, request=None) -> ActionLink:
    """Stop the link working, and end any browser session it opened (see the middleware)."""
    with transaction.atomic():
        if link.revoked_at is not None:
            return link
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        activity_record(
            action=NotificationAudit.ACTION_LINK_REVOKED,
            actor=actor,
            target=link.user,
            changes={"link": str(link), "link_id": link.pk},
            request=request,
        )
        return link


def action_link_used(*, link: ActionLink, request=None) -> None:
    with transaction.atomic():
        link.last_used_at = timezone.now()
        link.save(update_fields=["last_used_at"])
        activity_record(
            action=NotificationAudit.ACTION_LINK_USED,
            actor=link.user,
            target=link.user,
            changes={"link": str(link), "link_id": link.pk},
            request=request,
        )
