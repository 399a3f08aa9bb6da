from celery import shared_task
from django.db import transaction
from django.utils import timezone

from branding.emails import message_id_set
from tenant_apps.kit.tasks import for_each_agency
from tenant_apps.notifications.emails import digest_message, notification_message
from tenant_apps.notifications.kinds import Channel
from tenant_apps.notifications.models import Digest, Notification, NotificationEmail


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def notification_email(notification_id: int) -> bool:
    """Email one notification now; runs in the agency's schema. Returns whether it sent.

    Safe to retry, to run twice, or to be killed anywhere (acknowledged late, a killed run's
    message comes back): the delivery row commits only with a successful send, and a
    concurrent duplicate waits on its primary key, then finds it there. Killed between the
    ESP's acceptance and that commit, the rerun sends the email again under the same
    Message-ID; its link was committed before the first send, so the copy kept works.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or not notification.recipient.is_active:
        return False
    if NotificationEmail.objects.filter(notification=notification).exists():
        return False
    message = notification_message(notification)  # its single-purpose link commits here
    message_id_set(message, "notification", notification.pk)
    with transaction.atomic():
        _, created = NotificationEmail.objects.get_or_create(notification=notification)
        if created:
            message.send()
        return created


@shared_task(ignore_result=True)
def digest_sweep() -> None:
    """Beat task, in the public schema, once a day: start digests in each live agency."""
    for_each_agency(digest_sweep_agency.name)


@shared_task(ignore_result=True)
def digest_sweep_agency() -> int:
    """Queue a digest for everyone with notifications waiting for one; returns how many."""
    waiting = (
        Notification.objects.filter(channel=Channel.DIGEST, digest__isnull=True)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    recipients = list(waiting)
    for recipient_id in recipients:
        digest_send.delay(recipient_id)
    return len(recipients)


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def digest_send(recipient_id: int) -> int:
    """Email one person today's digest of everything since their last; returns how many items.

    At most one digest a day per person (a unique row): a rerun or a retry after a send finds
    it and sends nothing; what arrives later waits for tomorrow's.
    """
    with transaction.atomic():
        digest, created = Digest.objects.get_or_create(
            recipient_id=recipient_id, day=timezone.localdate()
        )
        if not created:
            return 0
        notifications = list(
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "actor")
            .filter(
                recipient_id=recipient_id,
                channel=Channel.DIGEST,
                digest__isnull=True,
                recipient__is_active=True,
            )
            .order_by("created_at", "id")
        )
        if not notifications:
            # Nothing to say after all: leave no row, so a later run today may still send.
            transaction.set_rollback(True)
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(digest=digest)
        digest_message(notifications[0].recipient, notifications).send()
        return len(notifications)
