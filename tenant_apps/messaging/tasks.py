from celery import shared_task
from django.db import transaction

from shared_apps.accounts.models import User
from tenant_apps.messaging.emails import message_email
from tenant_apps.messaging.models import Message, MessageEmail
from tenant_apps.messaging.selectors import THREAD_RELATED
from tenant_apps.notifications.selectors import email_wanted
from tenant_apps.people.policy import Actor, can


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def message_email_send(message_id: int, kind: str, recipient_ids: list[int]) -> int:
    """Email a message to the people told about it who want ``kind`` emailed now; runs in the
    agency's schema. Safe to retry or to run twice: each email is recorded with its send.
    Someone who can no longer read the thread gets nothing. Returns how many were sent."""
    message = (
        Message.objects.select_related("author", *(f"thread__{name}" for name in THREAD_RELATED))
        .prefetch_related("attachments__file")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return 0
    people = User.objects.filter(pk__in=recipient_ids, is_active=True).select_related(
        "team_member", "client_member"
    )
    sent = 0
    for user in people:
        reader = Actor(
            user=user,
            team=getattr(user, "team_member", None),
            client=getattr(user, "client_member", None),
        )
        if not (can(reader, "thread.view", message.thread) and email_wanted(user, kind)):
            continue
        # The record commits only with a successful send, so a retry sends what failed.
        with transaction.atomic():
            _, created = MessageEmail.objects.get_or_create(message=message, recipient=user)
            if created:
                mentioned = kind == "message.mentioned"
                message_email(message, user, mentioned=mentioned).send()
                sent += 1
    return sent
