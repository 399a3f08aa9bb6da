"""Raising webhook events: what each one says, and the outbox rows that carry it.

An event is written in the transaction of the change it reports, with one delivery per active
endpoint subscribed to its type; the deliveries are queued only once that commits. So a change
that rolls back sends nothing, and a change that commits is sent even if the broker was down
(the sweep in tasks.py queues what is overdue). With no endpoint subscribed, raising an event
costs one query and writes nothing.
"""

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tenant_apps.webhooks.delivery import deliver_on_commit
from tenant_apps.webhooks.models import Delivery, Endpoint, Event
from tenants.middleware import agency_url


def webhook_emit(event_type: str, data: Callable[[], dict], *, once: str = "") -> Event | None:
    """Raise ``event_type`` for every endpoint that wants it, with what ``data()`` returns
    (called only when some endpoint does). An endpoint for one client company gets only
    events about that company's items that are not internal (``payload_scope``). With
    ``once``, an event already raised under that name is not raised again."""
    wanted = list(
        Endpoint.objects.filter(is_active=True, event_types__contains=[event_type]).values_list(
            "pk", "company_id"
        )
    )
    if not wanted or (once and Event.objects.filter(once=once).exists()):
        return None
    payload = data()
    company_id, internal = payload_scope(payload)
    endpoints = [
        pk
        for pk, only_for in wanted
        if only_for is None or (only_for == company_id and not internal)
    ]
    if not endpoints:
        return None
    event = Event.objects.create(type=event_type, payload=payload, once=once)
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(endpoint_id=endpoint_id, event=event, next_attempt_at=now)
        for endpoint_id in endpoints
    )
    deliver_on_commit([delivery.pk for delivery in deliveries])
    return event


def payload_scope(payload: dict) -> tuple[int | None, bool]:
    """The client company an event is about and whether its item is internal: from the
    payload's first part naming a company (the request, thread, approval, invoice or
    document; a message's is its thread's)."""
    for part in payload.values():
        if isinstance(part, dict) and "company" in part:
            return part["company"]["id"], bool(part.get("is_internal"))
    return None, False


def page_url(name: str, *args) -> str:
    """A page on the agency's host, whatever host the change came in on."""
    path = reverse(name, args=args, urlconf=settings.ROOT_URLCONF)
    return agency_url(connection.tenant.subdomain, path)


def company_data(company) -> dict:
    return {"id": company.pk, "name": company.name}


def person_data(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.full_name, "email": user.email}


def request_data(request) -> dict:
    return {
        "id": request.pk,
        "title": request.title,
        "type": request.type.key,
        "status": request.status,
        "priority": request.priority,
        "company": company_data(request.company),
        "created_by": person_data(request.created_by),
        "created_at": request.created_at.isoformat(),
        "url": page_url("client_requests:detail", request.pk),
    }


def sla_data(request) -> dict:
    """When the request's promises fall due: first response, and resolution."""
    due = {
        "response_due_at": request.response_due_at,
        "resolution_due_at": request.resolution_due_at,
    }
    return {name: value.isoformat() if value else None for name, value in due.items()}


def message_data(message) -> dict:
    thread = message.thread
    return {
        "message": {
            "id": message.pk,
            "body": message.body,
            "author": person_data(message.author),
            "source": message.source,
            "created_at": message.created_at.isoformat(),
            "attachments": [
                {"name": attachment.file.name, "size": attachment.file.size}
                for attachment in message.attachments.select_related("file")
            ],
            "mentions": [person_data(user) for user in message.mentions.all()],
        },
        "thread": {
            "id": thread.pk,
            "title": thread.title,
            "about": thread.about,
            "item_id": thread.item.pk,
            "is_internal": thread.is_internal,
            "company": company_data(thread.company),
            "url": page_url("messaging:thread", thread.pk),
        },
    }


def approval_data(approval, decision: dict) -> dict:
    return {
        "approval": {
            "id": approval.pk,
            "title": approval.title,
            "company": company_data(approval.company),
            "document_version_id": approval.version_id,
            "invoice_id": approval.invoice_id,
            "sha256": approval.sha256,
            "url": page_url("approvals:detail", approval.pk),
        },
        "decision": decision,
    }


def invoice_data(invoice) -> dict:
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "status": invoice.status,
        "currency": invoice.currency,
        "total": str(invoice.total),
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "paid_at": invoice.paid_at.isoformat() if invoice.paid_at else None,
        "company": company_data(invoice.company),
        "url": page_url("invoices:detail", invoice.pk),
    }


def version_data(version, actor) -> dict:
    document = version.document
    return {
        "document": {
            "id": document.pk,
            "name": document.name,
            "kind": document.kind,
            "is_internal": document.is_internal,
            "company": company_data(document.company),
            "url": page_url("documents:document", document.pk),
        },
        "version": {
            "number": version.number,
            "file_name": version.file.name,
            "size": version.file.size,
            "sha256": version.file.sha256,
            "note": version.note,
            "created_at": version.created_at.isoformat(),
            "uploaded_by": person_data(actor),
        },
    }
