"""Every write to saved replies: each in a transaction and in the activity log. Who may
share one with the team (``replies.share``) is the caller's check, as for every policy."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tenant_apps.activity.actions import activity_record
from tenant_apps.replies.audit import ReplyAudit
from tenant_apps.replies.models import SavedReply
from tenant_apps.replies.variables import variables_check

MAX_REPLIES = 500


def _clean(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    errors = {}
    if not title:
        errors["title"] = "Give it a title the team will recognise."
    if not body:
        errors["body"] = "Write the reply."
    if errors:
        raise ValidationError(errors)
    variables_check(body)
    return title, body


def saved_reply_create(*, title, body, shared, actor, request=None) -> SavedReply:
    title, body = _clean(title, body)
    with transaction.atomic():
        if SavedReply.objects.count() >= MAX_REPLIES:
            raise ValidationError({"title": f"An agency can keep {MAX_REPLIES} saved replies."})
        reply = SavedReply.objects.create(
            title=title,
            body=body,
            owner=None if shared else actor,
            created_by=actor,
        )
        activity_record(
            action=ReplyAudit.REPLY_SAVED,
            actor=actor,
            target=reply,
            changes={"title": title, "shared": shared},
            request=request,
        )
        return reply


def saved_reply_update(*, reply, title, body, shared, actor, request=None) -> SavedReply:
    """Change its words, or share it (owners and admins) or make it their own again."""
    title, body = _clean(title, body)
    new = {"title": title, "body": body, "shared": shared}
    old = {"title": reply.title, "body": reply.body, "shared": reply.is_shared}
    changes = {field: [old[field], value] for field, value in new.items() if old[field] != value}
    if not changes:
        return reply
    with transaction.atomic():
        reply.title, reply.body, reply.updated_at = title, body, timezone.now()
        if shared != reply.is_shared:
            reply.owner = None if shared else actor
        reply.save(update_fields=["title", "body", "owner", "updated_at"])
        if "body" in changes:
            changes["body"] = "changed"  # the words are on the reply; the log says it moved
        activity_record(
            action=ReplyAudit.REPLY_CHANGED,
            actor=actor,
            target=reply,
            changes=changes,
            request=request,
        )
        return reply


def saved_reply_delete(*, reply, actor, request=None) -> None:
    with transaction.atomic():
        activity_record(
            action=ReplyAudit.REPLY_REMOVED,
            actor=actor,
            target=reply,
            changes={"title": reply.title},
            request=request,
        )
        reply.delete()


def saved_reply_used(*, reply) -> None:
    """Count one use (put into a reply); a counter, not an event for the log."""
    SavedReply.objects.filter(pk=reply.pk).update(uses=F("uses") + 1)
