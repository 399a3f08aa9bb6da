"""Changing the retention settings, and applying them (the daily task)."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.db import transaction
from django.utils import timezone

from tenant_apps.activity.actions import activity_record
from tenant_apps.client_requests.models import ClientRequest, RequestAttachment
from tenant_apps.documents.models import DocumentVersion
from tenant_apps.files.actions import stored_files_delete
from tenant_apps.messaging.models import MessageAttachment
from tenant_apps.retention.audit import RetentionAudit
from tenant_apps.retention.models import PERIODS, RetentionPolicy
from tenant_apps.retention.selectors import (
    closed_requests_before,
    old_versions_before,
    retention_policy,
)
from tenant_apps.security.models import MagicLink, SignedInSession

# Rows removed per round: a run's queries grow with batches, not with rows.
BATCH_SIZE = 200


def retention_policy_update(
    *, closed_requests_days, old_versions_days, sign_ins_days, actor, request=None
) -> RetentionPolicy:
    """Set how long each kind of old record is kept (days; None keeps them for good). Raises
    ValidationError naming each field out of bounds; nothing is saved then."""
    wanted = {
        "closed_requests_days": closed_requests_days,
        "old_versions_days": old_versions_days,
        "sign_ins_days": sign_ins_days,
    }
    RetentionPolicy(pk=1, **wanted).clean_fields(exclude=["updated_at", "updated_by"])
    with transaction.atomic():
        policy, _ = RetentionPolicy.objects.select_for_update().get_or_create(pk=1)
        changes = {
            name: [getattr(policy, name), value]
            for name, value in wanted.items()
            if getattr(policy, name) != value
        }
        if not changes:
            return policy
        for name, value in wanted.items():
            setattr(policy, name, value)
        policy.updated_at = timezone.now()
        policy.updated_by = actor
        policy.save()
        activity_record(
            action=RetentionAudit.RETENTION_POLICY_CHANGED,
            actor=actor,
            target=policy,
            changes=changes,
            request=request,
        )
    return policy


def retention_apply() -> dict[str, int]:
    """Remove what the current agency's settings no longer keep, in one transaction (all of
    it or none), batch by batch; stored bytes go once it commits. Writes one log entry with
    the counts when something went. Running it again at once removes nothing."""
    policy = retention_policy()
    removed = dict.fromkeys(("closed_requests", "old_versions", "sign_ins", "files"), 0)
    if policy.keeps_everything:
        return removed
    now = timezone.now()
    cutoff = {name: now - timedelta(days=getattr(policy, name) or 0) for name in PERIODS}
    with transaction.atomic():
        if policy.closed_requests_days:
            for ids in _batches(closed_requests_before(cutoff["closed_requests_days"])):
                removed["files"] += _requests_delete(ids)
                removed["closed_requests"] += len(ids)
        if policy.old_versions_days:
            for ids in _batches(old_versions_before(cutoff["old_versions_days"])):
                removed["files"] += _versions_delete(ids)
                removed["old_versions"] += len(ids)
        if policy.sign_ins_days:
            removed["sign_ins"] = _sign_ins_delete(cutoff["sign_ins_days"])
        if any(removed.values()):
            activity_record(action=RetentionAudit.RETENTION_APPLIED, changes=removed)
    return removed


def _batches(queryset):
    """The ids of ``queryset``, BATCH_SIZE at a time, locked; each batch must be deleted
    before the next is read (the query is run again)."""
    ids = queryset.order_by().select_for_update().values_list("pk", flat=True)
    while batch := list(ids[:BATCH_SIZE]):
        yield batch


def _requests_delete(ids: list[int]) -> int:
    """The requests go with their replies, attachments and conversation (cascades); the
    files those held go after them. Returns how many stored files went."""
    file_ids = [
        *RequestAttachment.objects.filter(request_id__in=ids).values_list("file_id", flat=True),
        *MessageAttachment.objects.filter(message__thread__request_id__in=ids).values_list(
            "file_id", flat=True
        ),
    ]
    ClientRequest.objects.filter(pk__in=ids).delete()
    return stored_files_delete(file_ids=file_ids)


def _versions_delete(ids: list[int]) -> int:
    file_ids = list(DocumentVersion.objects.filter(pk__in=ids).values_list("file_id", flat=True))
    DocumentVersion.objects.filter(pk__in=ids).delete()
    return stored_files_delete(file_ids=file_ids)


def _sign_ins_delete(cutoff) -> int:
    """Browsers last seen, sign-in links made and failed attempts before ``cutoff``. The
    activity log's sign-in entries stay (the log is never cut)."""
    return sum(
        queryset.delete()[1].get(queryset.model._meta.label, 0)
        for queryset in (
            SignedInSession.objects.filter(last_seen_at__lt=cutoff),
            MagicLink.objects.filter(created_at__lt=cutoff),
            AccessAttempt.objects.filter(attempt_time__lt=cutoff),
        )
    )
