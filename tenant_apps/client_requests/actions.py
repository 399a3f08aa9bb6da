"""Every write to requests: each in a transaction, each on the timeline and in the activity log."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from tenant_apps.activity.actions import activity_record
from tenant_apps.client_requests.models import (
    TRANSITIONS,
    ClientRequest,
    EventKind,
    RequestAttachment,
    RequestEvent,
    Status,
)
from tenant_apps.client_requests.sla_sync import sla_refresh
from tenant_apps.files.actions import file_store


def _event(request, *, kind, actor, body="", is_internal=False, change=None, files=()):
    event = RequestEvent.objects.create(
        request=request,
        kind=kind,
        actor=actor,
        body=body,
        is_internal=is_internal,
        change=change or {},
    )
    for upload in files:
        stored = file_store(upload=upload, uploaded_by=actor)
        RequestAttachment.objects.create(
            request=request, event=event, file=stored, is_internal=is_internal
        )
    return event


def _search_refresh(request: ClientRequest) -> None:
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
    from tenant_apps.client_requests.tasks import request_notify

    event_id = event.pk if event else None
    transaction.on_commit(lambda: request_notify.delay(kind, request.pk, event_id))


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
    http_request=None,
) -> ClientRequest:
    with transaction.atomic():
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
        _event(client_request, kind=EventKind.CREATED, actor=actor, body=details, files=files)
        _search_refresh(client_request)
        sla_refresh(client_request)
        activity_record(
            action="request.submitted",
            actor=actor,
            target=client_request,
            request=http_request,
            changes={"type": type.key, "priority": priority},
        )
        _notify("received", client_request)
        return client_request


def request_assign(*, request: ClientRequest, owner, actor, http_request=None) -> ClientRequest:
    with transaction.atomic():
        before = request.owner
        if before == owner:
            return request
        request.owner = owner
        _touch(request, "owner")
        _event(
            request,
            kind=EventKind.ASSIGNED,
            actor=actor,
            is_internal=True,
            change={"from": str(before) if before else None, "to": str(owner) if owner else None},
        )
        activity_record(
            action="request.assigned",
            actor=actor,
            target=request,
            request=http_request,
            changes={"owner": [before.email if before else None, owner.email if owner else None]},
        )
        if owner is not None and owner != actor:
            _notify("assigned", request)
        return request


def request_status_change(
    *, request: ClientRequest, status: str, actor, http_request=None
) -> ClientRequest:
    with transaction.atomic():
        before = request.status
        if status not in TRANSITIONS.get(before, set()):
            raise ValidationError(
                {
                    "status": f"A request that is {Status(before).label.lower()} cannot move to "
                    f"{Status(status).label.lower()}."
                },
                code="invalid_transition",
            )
        _set_status(request, status)
        event = _event(
            request, kind=EventKind.STATUS, actor=actor, change={"from": before, "to": status}
        )
        activity_record(
            action="request.status_changed",
            actor=actor,
            target=request,
            request=http_request,
            changes={"status": [before, status]},
        )
        if status in (Status.WAITING_ON_CLIENT, Status.RESOLVED):
            _notify(status, request, event)
        return request


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


def request_reply_add(*, request: ClientRequest, body, actor, files=(), http_request=None):
    """A client-visible reply. The team's first one stops the response clock; a client's
    reply to a request waiting on them, or resolved, puts it back in progress."""
    with transaction.atomic():
        from tenant_apps.people.models import TeamMember

        from_team = TeamMember.objects.filter(user=actor).exists()
        event = _event(request, kind=EventKind.REPLY, actor=actor, body=body, files=files)
        if from_team and request.first_response_at is None:
            request.first_response_at = event.created_at
            _touch(request, "first_response_at")
        if not from_team and request.status in (Status.WAITING_ON_CLIENT, Status.RESOLVED):
            before = request.status
            _set_status(request, Status.IN_PROGRESS)
            _event(
                request,
                kind=EventKind.STATUS,
                actor=actor,
                change={"from": before, "to": Status.IN_PROGRESS},
            )
        else:
            _touch(request)
            sla_refresh(request)
        _search_refresh(request)
        activity_record(
            action="request.replied",
            actor=actor,
            target=request,
            request=http_request,
            changes={"files": len(files)},
        )
        _notify("answered" if from_team else "client_replied", request, event)
        return event


def request_note_add(*, request: ClientRequest, body, actor, files=(), http_request=None):
    """An internal note: team only, never shown, sent, searched or exported to clients."""
    with transaction.atomic():
        event = _event(
            request, kind=EventKind.NOTE, actor=actor, body=body, is_internal=True, files=files
        )
        _touch(request)
        activity_record(
            action="request.note_added", actor=actor, target=request, request=http_request
        )
        return event


def request_update(
    *, request: ClientRequest, actor, priority=None, due_date=None, http_request=None
) -> ClientRequest:
    """Change priority and/or due date (None leaves a field as it is)."""
    with transaction.atomic():
        changes = {}
        if priority is not None and priority != request.priority:
            changes["priority"] = [request.priority, priority]
            request.priority = priority
            _event(
                request,
                kind=EventKind.PRIORITY,
                actor=actor,
                change={"from": changes["priority"][0], "to": priority},
            )
        if due_date is not None and due_date != request.due_date:
            if due_date < timezone.localdate():
                raise ValidationError({"due_date": "The due date cannot be in the past."})
            changes["due_date"] = [
                str(request.due_date) if request.due_date else None,
                str(due_date),
            ]
            request.due_date = due_date
            _event(
                request,
                kind=EventKind.DUE,
                actor=actor,
                change={"from": changes["due_date"][0], "to": str(due_date)},
            )
        if not changes:
            return request
        _touch(request, "priority", "due_date")
        sla_refresh(request)
        activity_record(
            action="request.updated",
            actor=actor,
            target=request,
            request=http_request,
            changes=changes,
        )
        return request
