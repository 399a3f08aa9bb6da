"""Every write to requests: each in a transaction, each on the timeline and in the activity log."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from shared_apps.accounts.models import User
from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.activity.actions import activity_record
from tenant_apps.client_requests.audit import RequestAudit
from tenant_apps.client_requests.models import (
    OPEN_STATUSES,
    TRANSITIONS,
    BulkJob,
    BulkOperation,
    ClientRequest,
    EventKind,
    Holiday,
    Priority,
    RequestAttachment,
    RequestEvent,
    RequestTag,
    RequestType,
    SavedView,
    SlaPolicy,
    SlaTarget,
    Status,
)
from tenant_apps.client_requests.notices import request_notified
from tenant_apps.client_requests.signals import request_resolved
from tenant_apps.client_requests.sla_sync import sla_policy, sla_refresh
from tenant_apps.files.actions import atomic_storing
from tenant_apps.kit.access import Actor, can


def _event(request, *, kind, actor, body="", is_internal=False, change=None, stored_files=()):
    event = RequestEvent.objects.create(
        request=request,
        kind=kind,
        actor=actor,
        body=body,
        is_internal=is_internal,
        change=change or {},
    )
    for stored in stored_files:
        RequestAttachment.objects.create(
            request=request, event=event, file=stored, is_internal=is_internal
        )
    return event


def request_search_refresh(request: ClientRequest) -> None:
    # Title and details weigh most; client-visible replies count too, internal notes never.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE client_requests_clientrequest r SET search =
                setweight(to_tsvector('english', r.title), 'A')
                || setweight(to_tsvector('english', r.details), 'B')
                || setweight(to_tsvector('english', coalesce((
                    SELECT string_agg(e.body, ' ') FROM client_requests_requestevent e
                    WHERE e.request_id = r.id AND e.kind = %s AND NOT e.is_internal
                ), '')), 'C')
            WHERE r.id = %s
            """,
            [EventKind.REPLY, request.pk],
        )


def _touch(request: ClientRequest, *fields: str) -> None:
    request.updated_at = timezone.now()
    request.save(update_fields=[*fields, "updated_at"])


def _notify(kind: str, request: ClientRequest, event: RequestEvent | None = None) -> None:
    event_id = event.pk if event else None
    enqueue_on_commit(
        "tenant_apps.client_requests.tasks.request_notify", kind, request.pk, event_id
    )
    request_notified(kind, request, event)  # the in-app side, in this transaction


def request_submit(
    *,
    actor,
    company,
    type,
    title,
    details,
    priority,
    wanted_by=None,
    intake=None,
    files=(),
    request=None,
) -> ClientRequest:
    with atomic_storing(files, uploaded_by=actor) as stored:
        client_request = ClientRequest.objects.create(
            company=company,
            type=type,
            title=title,
            details=details,
            priority=priority,
            wanted_by=wanted_by,
            intake=intake or {},
            created_by=actor,
        )
        _event(
            client_request, kind=EventKind.CREATED, actor=actor, body=details, stored_files=stored
        )
        request_search_refresh(client_request)
        sla_refresh(client_request)
        activity_record(
            action=RequestAudit.REQUEST_SUBMITTED,
            actor=actor,
            target=client_request,
            request=request,
            changes={"type": type.key, "priority": priority},
        )
        _notify("received", client_request)
        return client_request


def request_assign(*, client_request: ClientRequest, owner, actor, request=None) -> ClientRequest:
    with transaction.atomic():
        before = client_request.owner
        if before == owner:
            return client_request
        client_request.owner = owner
        _touch(client_request, "owner")
        event = _event(
            client_request,
            kind=EventKind.ASSIGNED,
            actor=actor,
            is_internal=True,
            change={"from": str(before) if before else None, "to": str(owner) if owner else None},
        )
        activity_record(
            action=RequestAudit.REQUEST_ASSIGNED,
            actor=actor,
            target=client_request,
            request=request,
            changes={"owner": [before.email if before else None, owner.email if owner else None]},
        )
        if owner is not None and owner != actor:
            _notify("assigned", client_request, event)
        return client_request


def request_status_change(
    *, client_request: ClientRequest, status: str, actor, request=None
) -> ClientRequest:
    with transaction.atomic():
        before = client_request.status
        if status not in TRANSITIONS.get(before, set()):
            raise ValidationError(
                {
                    "status": f"A request that is {Status(before).label.lower()} cannot move to "
                    f"{Status(status).label.lower()}."
                },
                code="invalid_transition",
            )
        _set_status(client_request, status)
        event = _event(
            client_request,
            kind=EventKind.STATUS,
            actor=actor,
            change={"from": before, "to": status},
        )
        activity_record(
            action=RequestAudit.REQUEST_STATUS_CHANGED,
            actor=actor,
            target=client_request,
            request=request,
            changes={"status": [before, status]},
        )
        if status in (Status.WAITING_ON_CLIENT, Status.RESOLVED):
            _notify(status, client_request, event)
        if status == Status.RESOLVED:
            request_resolved.send(sender=ClientRequest, client_request=client_request, actor=actor)
        return client_request


def _set_status(request: ClientRequest, status: str) -> None:
    """Move to ``status``, keeping pauses, timestamps and the SLA columns right."""
    now = timezone.now()
    before = request.status
    if before == Status.WAITING_ON_CLIENT:
        request.pauses.filter(resumed_at__isnull=True).update(resumed_at=now)
    if status == Status.WAITING_ON_CLIENT:
        request.pauses.create(paused_at=now)
    if before in (Status.RESOLVED, Status.CLOSED) and status not in (
        Status.RESOLVED,
        Status.CLOSED,
    ):
        request.reopened_count += 1
        request.resolved_at = request.closed_at = None
    if status == Status.RESOLVED:
        request.resolved_at = now
    if status == Status.CLOSED:
        request.closed_at = now
    request.status = status
    _touch(request, "status", "reopened_count", "resolved_at", "closed_at")
    sla_refresh(request)


def request_reply_add(*, client_request: ClientRequest, body, actor, files=(), request=None):
    """A client-visible reply. The team's first one stops the response clock; a client's
    reply to a request waiting on them, or resolved, puts it back in progress."""
    with atomic_storing(files, uploaded_by=actor) as stored:
        from tenant_apps.people.models import TeamMember

        from_team = TeamMember.objects.filter(user=actor).exists()
        event = _event(
            client_request, kind=EventKind.REPLY, actor=actor, body=body, stored_files=stored
        )
        if from_team and client_request.first_response_at is None:
            client_request.first_response_at = event.created_at
            _touch(client_request, "first_response_at")
        if not from_team and client_request.status in (Status.WAITING_ON_CLIENT, Status.RESOLVED):
            before = client_request.status
            _set_status(client_request, Status.IN_PROGRESS)
            _event(
                client_request,
                kind=EventKind.STATUS,
                actor=actor,
                change={"from": before, "to": Status.IN_PROGRESS},
            )
        else:
            _touch(client_request)
            sla_refresh(client_request)
        request_search_refresh(client_request)
        activity_record(
            action=RequestAudit.REQUEST_REPLIED,
            actor=actor,
            target=client_request,
            request=request,
            changes={"files": len(files)},
        )
        _notify("answered" if from_team else "client_replied", client_request, event)
        return event


def request_note_add(*, client_request: ClientRequest, body, actor, files=(), request=None):
    """An internal note: team only, never shown, sent, searched or exported to clients."""
    with atomic_storing(files, uploaded_by=actor) as stored:
        event = _event(
            client_request,
            kind=EventKind.NOTE,
            actor=actor,
            body=body,
            is_internal=True,
            stored_files=stored,
        )
        _touch(client_request)
        activity_record(
            action=RequestAudit.REQUEST_NOTE_ADDED,
            actor=actor,
            target=client_request,
            request=request,
        )
        return event


KEEP = object()  # request_update: leave this field as it is


def _planning_set(client_request: ClientRequest, *, actor, priority, due_date, request) -> dict:
    """Priority and due date (KEEP leaves one as it is, a None due date clears it)."""
    changes = {}
    if priority is not KEEP and priority != client_request.priority:
        changes["priority"] = [client_request.priority, priority]
        client_request.priority = priority
        _event(
            client_request,
            kind=EventKind.PRIORITY,
            actor=actor,
            change={"from": changes["priority"][0], "to": priority},
        )
    if due_date is not KEEP and due_date != client_request.due_date:
        before = str(client_request.due_date) if client_request.due_date else None
        changes["due_date"] = [before, str(due_date) if due_date else None]
        client_request.due_date = due_date
        _event(
            client_request,
            kind=EventKind.DUE,
            actor=actor,
            change={"from": before, "to": changes["due_date"][1]},
        )
    if changes:
        _touch(client_request, "priority", "due_date")
        sla_refresh(client_request)
        activity_record(
            action=RequestAudit.REQUEST_UPDATED,
            actor=actor,
            target=client_request,
            request=request,
            changes=changes,
        )
    return changes


def _update_refusals(client_request: ClientRequest, *, status, due_date) -> dict:
    """Every field the update would be refused on, checked before anything is written."""
    refusals = {}
    current = client_request.status
    if status is not KEEP and status != current and status not in TRANSITIONS.get(current, ()):
        refusals["status"] = (
            f"A request that is {Status(current).label.lower()} cannot move to "
            f"{Status(status).label.lower()}."
        )
    if (
        due_date not in (KEEP, None)
        and due_date != client_request.due_date
        and due_date < timezone.localdate()
    ):
        refusals["due_date"] = "The due date cannot be in the past."
    return refusals


def request_update(
    *,
    client_request: ClientRequest,
    actor,
    owner=KEEP,
    status=KEEP,
    priority=KEEP,
    due_date=KEEP,
    note="",
    files=(),
    request=None,
) -> dict:
    """The team's one save: owner, status, priority, due date and an internal note with its
    files, all or nothing. Each changed field goes through its own action (timeline, activity
    log, notifications); an unchanged one writes nothing. KEEP leaves a field as it is; a None
    owner unassigns and a None due date clears it.

    Returns what changed, field -> [before, after] (``note`` -> the note's event).
    """
    refusals = _update_refusals(client_request, status=status, due_date=due_date)
    if files and not note:
        refusals["note"] = "Write a note to go with the files."
    if refusals:
        raise ValidationError(refusals)
    with transaction.atomic():
        changes = {}
        if owner is not KEEP and owner != client_request.owner:
            changes["owner"] = [client_request.owner, owner]
            request_assign(client_request=client_request, owner=owner, actor=actor, request=request)
        if status is not KEEP and status != client_request.status:
            changes["status"] = [client_request.status, status]
            request_status_change(
                client_request=client_request, status=status, actor=actor, request=request
            )
        changes |= _planning_set(
            client_request, actor=actor, priority=priority, due_date=due_date, request=request
        )
        if note:
            changes["note"] = request_note_add(
                client_request=client_request, body=note, files=files, actor=actor, request=request
            )
        return changes


def request_attachment_add(
    *, client_request: ClientRequest, actor, files, is_internal=False, request=None
) -> RequestEvent:
    """Files added on their own, without a reply or note; internal ones only the team sees."""
    with atomic_storing(files, uploaded_by=actor) as stored:
        event = _event(
            client_request,
            kind=EventKind.ATTACHMENT,
            actor=actor,
            is_internal=is_internal,
            stored_files=stored,
        )
        _touch(client_request)
        activity_record(
            action=RequestAudit.REQUEST_FILES_ADDED,
            actor=actor,
            target=client_request,
            request=request,
            changes={"files": len(files), "internal": is_internal},
        )
        return event


# Settings: the SLA policy and request types.


def _open_requests_sla_refresh() -> None:
    """Recompute open requests' deadlines after the policy changed (in the request, for now)."""
    policy = sla_policy()
    open_requests = ClientRequest.objects.filter(status__in=OPEN_STATUSES)
    for client_request in open_requests.prefetch_related("pauses").iterator(chunk_size=500):
        sla_refresh(client_request, policy)


def _policy_summary(*, timezone, working_days, opens, closes, targets) -> dict:
    # Plain strings: the activity log reads a two-item list as a [before, after] pair.
    summary = {
        "timezone": timezone,
        "working_days": " ".join(str(day) for day in sorted(working_days)),
        "hours": f"{opens:%H:%M}-{closes:%H:%M}",
    }
    for priority, (response, resolution) in sorted(targets.items()):
        summary[f"{priority}_targets"] = f"{response}/{resolution} min"
    return summary


def sla_policy_update(
    *, policy: SlaPolicy, timezone, working_days, opens, closes, targets, actor, request=None
) -> SlaPolicy:
    """Set business hours and targets (priority -> (first response, resolution) in business
    minutes), then recompute every open request's deadlines."""
    with transaction.atomic():
        before = _policy_summary(
            timezone=policy.timezone,
            working_days=policy.working_days,
            opens=policy.opens,
            closes=policy.closes,
            targets={
                t.priority: (t.first_response_minutes, t.resolution_minutes)
                for t in policy.targets.all()
            },
        )
        after = _policy_summary(
            timezone=timezone,
            working_days=working_days,
            opens=opens,
            closes=closes,
            targets=targets,
        )
        changes = {key: [before.get(key), value] for key, value in after.items()}
        changes = {key: pair for key, pair in changes.items() if pair[0] != pair[1]}
        if not changes:
            return policy
        policy.timezone = timezone
        policy.working_days = sorted(working_days)
        policy.opens, policy.closes = opens, closes
        policy.save()
        for priority, (response, resolution) in targets.items():
            SlaTarget.objects.update_or_create(
                policy=policy,
                priority=priority,
                defaults={"first_response_minutes": response, "resolution_minutes": resolution},
            )
        _open_requests_sla_refresh()
        activity_record(
            action=RequestAudit.SLA_POLICY_UPDATED,
            actor=actor,
            target=policy,
            request=request,
            changes=changes,
        )
        return policy


def holiday_add(*, policy: SlaPolicy, date, name, actor, request=None) -> Holiday:
    with transaction.atomic():
        holiday = Holiday.objects.create(policy=policy, date=date, name=name)
        _open_requests_sla_refresh()
        activity_record(
            action=RequestAudit.SLA_HOLIDAY_ADDED,
            actor=actor,
            target=holiday,
            request=request,
            changes={"date": str(date), "name": name},
        )
        return holiday


def holiday_remove(*, holiday: Holiday, actor, request=None) -> None:
    with transaction.atomic():
        activity_record(
            action=RequestAudit.SLA_HOLIDAY_REMOVED,
            actor=actor,
            target=holiday,
            request=request,
            changes={"date": str(holiday.date), "name": holiday.name},
        )
        holiday.delete()
        _open_requests_sla_refresh()


def _unique_type_key(name: str) -> str:
    base = slugify(name)[:34] or "type"
    taken = set(RequestType.objects.filter(key__startswith=base).values_list("key", flat=True))
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


def _field_labels(intake_fields: list[dict]) -> list[str]:
    return [spec["label"] for spec in intake_fields]


def request_type_create(
    *, name, description="", intake_fields=(), actor, request=None
) -> RequestType:
    """A custom type; ``intake_fields`` as RequestType documents them."""
    with transaction.atomic():
        request_type = RequestType.objects.create(
            key=_unique_type_key(name),
            name=name,
            description=description,
            intake_fields=list(intake_fields),
        )
        activity_record(
            action=RequestAudit.REQUEST_TYPE_CREATED,
            actor=actor,
            target=request_type,
            request=request,
            changes={"fields": ", ".join(_field_labels(request_type.intake_fields)) or "none"},
        )
        return request_type


def request_type_update(
    *,
    request_type: RequestType,
    actor,
    name=None,
    description=None,
    intake_fields=None,
    is_active=None,
    request=None,
) -> RequestType:
    """Change what is given (None leaves a field as it is); deactivating stops new requests of
    the type, while its existing requests keep it. The key never changes."""
    with transaction.atomic():
        given = {
            "name": name,
            "description": description,
            "intake_fields": intake_fields,
            "is_active": is_active,
        }
        changed = {
            field: value
            for field, value in given.items()
            if value is not None and value != getattr(request_type, field)
        }
        if not changed:
            return request_type
        changes = {}
        for field, value in changed.items():
            before = getattr(request_type, field)
            if field == "intake_fields":
                changes["fields"] = [_field_labels(before), _field_labels(value)]
            else:
                changes[field] = [before, value]
            setattr(request_type, field, value)
        request_type.save(update_fields=list(changed))
        activity_record(
            action=RequestAudit.REQUEST_TYPE_UPDATED,
            actor=actor,
            target=request_type,
            request=request,
            changes=changes,
        )
        return request_type


# Tags: the agency's labels, put on requests by the team.


def request_tag_create(*, name, colour, actor, request=None) -> RequestTag:
    """A new tag; a name already taken (in any case) is a field error."""
    name = name.strip()
    if RequestTag.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "There is a tag of that name already."})
    with transaction.atomic():
        tag = RequestTag.objects.create(name=name, colour=colour)
        activity_record(
            action=RequestAudit.REQUEST_TAG_CREATED,
            actor=actor,
            target=tag,
            request=request,
            changes={"colour": colour},
        )
        return tag


def request_tag_delete(*, tag: RequestTag, actor, request=None) -> None:
    """Remove the tag from the agency and so from every request that had it."""
    with transaction.atomic():
        activity_record(
            action=RequestAudit.REQUEST_TAG_DELETED,
            actor=actor,
            target=tag,
            request=request,
            changes={"name": tag.name},
        )
        tag.delete()


def request_tag_add(*, client_request: ClientRequest, tag: RequestTag, actor, request=None) -> bool:
    """Put ``tag`` on the request; False (and nothing written) if it is there already."""
    with transaction.atomic():
        through = ClientRequest.tags.through
        _, created = through.objects.get_or_create(clientrequest=client_request, requesttag=tag)
        if not created:
            return False
        activity_record(
            action=RequestAudit.REQUEST_TAGGED,
            actor=actor,
            target=client_request,
            request=request,
            changes={"tag": tag.name},
        )
        return True


def request_tag_remove(
    *, client_request: ClientRequest, tag: RequestTag, actor, request=None
) -> bool:
    """Take ``tag`` off the request; False (and nothing written) if it was not on it."""
    with transaction.atomic():
        through = ClientRequest.tags.through
        removed, _ = through.objects.filter(clientrequest=client_request, requesttag=tag).delete()
        if not removed:
            return False
        activity_record(
            action=RequestAudit.REQUEST_UNTAGGED,
            actor=actor,
            target=client_request,
            request=request,
            changes={"tag": tag.name},
        )
        return True


# Saved views of the request list.


def saved_view_create(*, name, query: dict, shared: bool, actor, request=None) -> SavedView:
    """Save the list's filters and sort (``query``: parameter -> list of values) under
    ``name``; a name the person already used on this list is a field error."""
    name = name.strip()
    if SavedView.objects.filter(owner=actor, list="requests", name__iexact=name).exists():
        raise ValidationError({"name": "You have a view of that name already."})
    with transaction.atomic():
        view = SavedView.objects.create(
            name=name, query=query, shared=shared, owner=actor, list="requests"
        )
        activity_record(
            action=RequestAudit.SAVED_VIEW_CREATED,
            actor=actor,
            target=view,
            request=request,
            changes={"shared": shared},
        )
        return view


def saved_view_delete(*, view: SavedView, actor, request=None) -> None:
    with transaction.atomic():
        activity_record(
            action=RequestAudit.SAVED_VIEW_DELETED,
            actor=actor,
            target=view,
            request=request,
            changes={"name": view.name},
        )
        view.delete()


# Bulk changes: each item through the single change's action and policy, in its own
# transaction. The batch is per item, not all-or-nothing: an item refused (by the policy, the
# status machine or the due-date rule) is reported with its reason and left exactly as it
# was, while the others are changed. Up to BULK_INLINE_LIMIT items run within the HTTP
# request; more run in the request_bulk_run task, whose progress the job holds.

BULK_INLINE_LIMIT = 100
BULK_MAX_ITEMS = 5000
BULK_CHUNK = 200  # items loaded per query while running


def an_id(value) -> int | None:
    """``value`` as a database id (a plain number a PostgreSQL integer holds), else None."""
    text = str(value)
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 0 < int(text) < 2**31:
        return None
    return int(text)


def _actor_of(user_id: int) -> Actor:
    """The policy's Actor for a user, as actor_for loads it (one query)."""
    loaded = User.objects.select_related("team_member", "client_member__company").get(pk=user_id)
    return Actor(
        user=loaded,
        team=getattr(loaded, "team_member", None),
        client=getattr(loaded, "client_member", None),
    )


def _bulk_value(operation: str, value):
    """``value`` checked for ``operation`` and made ready to store; ValidationError names the
    field. Returns the JSON value the job keeps."""

    def refuse(message):
        raise ValidationError({"value": message})

    if operation == BulkOperation.ASSIGN:
        if value in (None, ""):
            return None  # unassign
        if an_id(value) is None:
            refuse("Give a team member's id, or null to unassign.")
        owner = User.objects.filter(
            pk=an_id(value), team_member__isnull=False, is_active=True
        ).first()
        if owner is None:
            refuse("That person is not on the team.")
        return owner.pk
    if operation == BulkOperation.STATUS:
        if value not in Status.values:
            refuse(f"Choose one of: {', '.join(Status.values)}.")
        return value
    if operation == BulkOperation.PRIORITY:
        if value not in Priority.values:
            refuse(f"Choose one of: {', '.join(Priority.values)}.")
        return value
    if operation == BulkOperation.DUE_DATE:
        if value in (None, ""):
            return None  # clear
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            refuse("Give a date as YYYY-MM-DD, or null to clear it.")
        if day < timezone.localdate():
            refuse("The due date cannot be in the past.")
        return day.isoformat()
    if operation == BulkOperation.ADD_TAG:
        if an_id(value) is None or not RequestTag.objects.filter(pk=an_id(value)).exists():
            refuse("There is no such tag.")
        return an_id(value)
    raise ValidationError({"operation": f"Choose one of: {', '.join(BulkOperation.values)}."})


def bulk_job_start(*, operation, value, request_ids, actor, request=None) -> BulkJob:
    """Check the change, record it, and run it: here when it is small, else in a task.

    ``actor`` is the user. Refusals of the whole change (an unknown operation, a bad value,
    no items or too many) are a ValidationError by field, before anything is written.
    """
    ids = list(dict.fromkeys(an_id(pk) for pk in request_ids))
    if None in ids:
        raise ValidationError({"request_ids": "Give request ids."})
    if not ids:
        raise ValidationError({"request_ids": "Choose at least one request."})
    if len(ids) > BULK_MAX_ITEMS:
        raise ValidationError(
            {"request_ids": f"Change at most {BULK_MAX_ITEMS:,} requests at a time."}
        )
    stored = _bulk_value(operation, value)
    with transaction.atomic():
        job = BulkJob.objects.create(
            actor=actor, operation=operation, value=stored, request_ids=ids
        )
        activity_record(
            action=RequestAudit.BULK_STARTED,
            actor=actor,
            target=job,
            request=request,
            changes={"operation": operation, "items": len(ids)},
        )
        if len(ids) > BULK_INLINE_LIMIT:
            enqueue_on_commit("tenant_apps.client_requests.tasks.request_bulk_run", job.pk)
    if len(ids) <= BULK_INLINE_LIMIT:
        bulk_job_run(job=job, request=request)
    return job


def _bulk_refusal(item, *, actor, owner_actor) -> str | None:
    """Why the policy refuses this item to ``actor`` (None: it may go ahead)."""
    if item is None:
        return "There is no such request."
    if not can(actor, "request.work", item):
        return "You may not change this request."
    if owner_actor is not None and not (
        owner_actor.is_team and owner_actor.sees_company(item.company_id)
    ):
        return "That person doesn't work on this client's requests."
    return None


def _bulk_apply(job: BulkJob, item: ClientRequest, *, actor, owner, tag, request) -> bool:
    """The single change's action on one item; True if it changed anything."""
    match job.operation:
        case BulkOperation.ASSIGN:
            changes = request_update(client_request=item, actor=actor, owner=owner, request=request)
        case BulkOperation.STATUS:
            changes = request_update(
                client_request=item, actor=actor, status=job.value, request=request
            )
        case BulkOperation.PRIORITY:
            changes = request_update(
                client_request=item, actor=actor, priority=job.value, request=request
            )
        case BulkOperation.DUE_DATE:
            due = date.fromisoformat(job.value) if job.value else None
            changes = request_update(
                client_request=item, actor=actor, due_date=due, request=request
            )
        case _:
            return request_tag_add(client_request=item, tag=tag, actor=actor, request=request)
    return bool(changes)


def _refusal_words(refused: ValidationError) -> str:
    return " ".join(message for messages in refused.message_dict.values() for message in messages)


def bulk_job_run(*, job: BulkJob, request=None) -> BulkJob:
    """Run the items not done yet, each in its own transaction with the job's progress, so a
    run stopped anywhere (a killed worker) resumes at the next item. Constant queries per
    item: items are loaded BULK_CHUNK at a time with what the policy and actions read."""
    if job.state == BulkJob.State.FINISHED:
        return job
    user = job.actor
    actor = _actor_of(user.pk)
    owner_actor = owner = tag = None
    if job.operation == BulkOperation.ASSIGN and job.value is not None:
        owner_actor = _actor_of(job.value)
        owner = owner_actor.user
    if job.operation == BulkOperation.ADD_TAG:
        tag = RequestTag.objects.filter(pk=job.value).first()
    job.state = BulkJob.State.RUNNING
    job.save(update_fields=["state"])
    while job.done < job.total:
        chunk = job.request_ids[job.done : job.done + BULK_CHUNK]
        items = ClientRequest.objects.select_related("company", "owner").in_bulk(chunk)
        for pk in chunk:
            item = items.get(pk)
            reason = _bulk_refusal(item, actor=actor, owner_actor=owner_actor)
            if tag is None and job.operation == BulkOperation.ADD_TAG:
                reason = reason or "The tag was removed meanwhile."
            if reason is None:
                try:
                    with transaction.atomic():
                        changed = _bulk_apply(
                            job, item, actor=user, owner=owner, tag=tag, request=request
                        )
                        job.done += 1
                        job.changed += int(changed)
                        job.save(update_fields=["done", "changed"])
                    continue
                except ValidationError as refused:
                    reason = _refusal_words(refused)
                    job.refresh_from_db(fields=["done", "changed"])
            job.done += 1
            # The title only of a request the actor sees: a refusal never reveals one.
            title = item.title if item and can(actor, "request.view", item) else ""
            job.refused.append({"id": pk, "title": title, "reason": reason})
            job.save(update_fields=["done", "refused"])
    job.state = BulkJob.State.FINISHED
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "finished_at"])
    return job
