"""Every write to conversations: each in a transaction, each in the activity log."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from tenant_apps.activity.actions import activity_record
from tenant_apps.files.actions import atomic_storing
from tenant_apps.messaging.audit import MessagingAudit
from tenant_apps.messaging.models import (
    Message,
    MessageAttachment,
    MessageRevision,
    Source,
    Thread,
    ThreadReadState,
)
from tenant_apps.messaging.selectors import people_who_may_see, thread_key
from tenant_apps.people.models import TeamMember

# "@" and an email address: "@ana@northwind.example". Not inside a word or an address.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
NOTIFICATION_EXCERPT = 300


def thread_start(*, thread: Thread, actor, request=None) -> Thread:
    """Save a thread from ``thread_for``; if someone started it meanwhile, theirs."""
    if thread.pk is not None:
        return thread
    thread.created_by = actor
    try:
        with transaction.atomic():
            thread.save()
            activity_record(
                action=MessagingAudit.THREAD_STARTED,
                actor=actor,
                target=thread,
                changes={"internal": thread.is_internal},
                request=request,
            )
    except IntegrityError:  # the same thread, started by someone else a moment ago
        return Thread.objects.get(**thread_key(thread.item, thread.is_internal))
    return thread


def mentioned_emails(body: str) -> list[str]:
    """The addresses ``body`` mentions, lower-cased, each once, in order."""
    return list(dict.fromkeys(email.lower() for email in MENTION.findall(body)))


def _mentions(body: str, readers: list) -> list:
    """The people ``body`` mentions; refused unless each is among the thread's ``readers``.

    The refusal never says whether an address belongs to anyone, only that it cannot be
    mentioned here.
    """
    emails = mentioned_emails(body)
    if not emails:
        return []
    readers = {user.email.lower(): user for user in readers}
    refused = [email for email in emails if email not in readers]
    if refused:
        who = ", ".join(f"@{email}" for email in refused)
        raise ValidationError(
            {
                "body": f"{who} cannot see this conversation, so you cannot mention "
                f"{'them' if len(refused) > 1 else 'that person'} here. Remove the mention, "
                "or mention someone who can see it."
            },
            code="mention_without_access",
        )
    return [readers[email] for email in emails]


def _require_words_or_files(body: str, files) -> None:
    if not body and not files:
        raise ValidationError({"body": "Write a message or attach a file."}, code="required")


def thread_url(thread: Thread) -> str:
    """The thread's page: a path on the agency's host (from any host: replies by email
    arrive on the platform's)."""
    return reverse("messaging:thread", args=[thread.pk], urlconf=settings.ROOT_URLCONF)


def _notify(thread: Thread, message: Message, *, audience, mentioned, author) -> None:
    """In-app notifications, and the emails people's preferences ask for; those emails say
    Reply-To the recipient's own reply address (see email_replies.reply_address)."""
    from tenant_apps.notifications.actions import notification_send

    excerpt = Truncator(message.body).chars(NOTIFICATION_EXCERPT)
    who = author.full_name or author.email
    for kind, recipients, verb in [
        ("message.posted", audience, "wrote in"),
        ("message.mentioned", mentioned, "mentioned you in"),
    ]:
        if not recipients:
            continue
        notification_send(
            recipients=recipients,
            kind=kind,
            target=thread,
            title=f"{who} {verb} {thread.title}",
            url=thread_url(thread),
            actor=author,
            body=excerpt,
        )


def message_audience(thread: Thread, author, readers: list) -> list:
    """Who hears about a new message: everyone who wrote in the thread before; and when the
    team writes to a client, the client's people; when a client writes, the team who wrote
    there, or without any, the team who see the client. Never the author; only readers."""
    by_id = {user.pk: user for user in readers}
    team_ids = set(TeamMember.objects.filter(user_id__in=by_id).values_list("user_id", flat=True))
    wrote = set(thread.messages.values_list("author_id", flat=True))
    audience = set(wrote)
    if not thread.is_internal:
        if author.pk in team_ids:
            audience |= set(by_id) - team_ids
        else:
            audience |= (team_ids & wrote) or team_ids
    audience.discard(author.pk)
    return [by_id[pk] for pk in by_id if pk in audience]


def _read_to(thread: Thread, user, message_id: int) -> None:
    """Move ``user``'s read mark in ``thread`` forward to ``message_id`` (never back)."""
    now = timezone.now()
    moved = ThreadReadState.objects.filter(
        thread=thread, user=user, last_read_message_id__lt=message_id
    ).update(last_read_message_id=message_id, read_at=now)
    if moved:
        return
    try:
        with transaction.atomic():
            ThreadReadState.objects.get_or_create(
                thread=thread,
                user=user,
                defaults={"last_read_message_id": message_id, "read_at": now},
            )
    except IntegrityError:  # created by a concurrent read a moment ago; theirs is as good
        pass


def thread_mark_read(*, thread: Thread, user, up_to: int | None = None) -> int:
    """Mark ``thread`` read by ``user`` up to message ``up_to`` (default: its newest).

    Returns the read mark. Not in the activity log: reading is not a change anyone audits,
    and it happens on every look at a thread.
    """
    if up_to is None:
        up_to = thread.messages.order_by("-id").values_list("id", flat=True).first() or 0
    if up_to:
        _read_to(thread, user, up_to)
    return up_to


def message_post(
    *,
    thread: Thread,
    author,
    body: str,
    files=(),
    source: str = Source.WEB,
    email_message_id: str = "",
    request=None,
) -> Message:
    """Post a message (starting the thread if this is its first), store its files, and tell
    the people concerned. Mentions of anyone who cannot read the thread refuse it all."""
    body = body.strip()
    _require_words_or_files(body, files)
    readers = people_who_may_see(thread)
    mentioned = _mentions(body, readers)
    with atomic_storing(files, uploaded_by=author) as stored:
        if thread.pk is None:
            thread = thread_start(thread=thread, actor=author, request=request)
        audience = message_audience(thread, author, readers)
        message = Message.objects.create(
            thread=thread,
            author=author,
            body=body,
            source=source,
            email_message_id=email_message_id,
        )
        MessageAttachment.objects.bulk_create(
            MessageAttachment(message=message, file=stored_file) for stored_file in stored
        )
        message.mentions.set(mentioned)
        thread.last_message_at = message.created_at
        Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
        _read_to(thread, author, message.pk)
        activity_record(
            action=MessagingAudit.MESSAGE_POSTED,
            actor=author,
            target=thread,
            changes={
                "message": message.pk,
                "files": len(stored),
                "mentions": [user.email for user in mentioned],
                "source": source,
            },
            request=request,
        )
        mentioned_others = [user for user in mentioned if user != author]
        _notify(
            thread,
            message,
            audience=[user for user in audience if user not in mentioned_others],
            mentioned=mentioned_others,
            author=author,
        )
        return message


def message_edit(*, message: Message, body: str, actor, request=None) -> Message:
    """Change a message's words, keeping what it said before as a revision. People newly
    mentioned are told; those mentioned before are not told again."""
    body = body.strip()
    _require_words_or_files(body, message.attachments.exists())
    if body == message.body:
        return message
    thread = message.thread
    mentioned = _mentions(body, people_who_may_see(thread))
    with transaction.atomic():
        before = set(message.mentions.values_list("id", flat=True))
        MessageRevision.objects.create(
            message=message, body=message.body, written_at=message.edited_at or message.created_at
        )
        message.body = body
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at"])
        message.mentions.set(mentioned)
        activity_record(
            action=MessagingAudit.MESSAGE_EDITED,
            actor=actor,
            target=thread,
            changes={"message": message.pk},
            request=request,
        )
        newly = [user for user in mentioned if user.pk not in before and user != actor]
        if newly:
            _notify(thread, message, audience=[], mentioned=newly, author=actor)
        return message
