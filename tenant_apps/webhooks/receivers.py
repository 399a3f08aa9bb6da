"""Where webhook events come from: hooks on other apps' writes, connected in apps.ready, so
no other app knows about webhooks.

Most come from the activity log, which every action writes last, once its change is complete
(a message's files and mentions are saved by then). A request's status changes come from its
timeline, which records every one, including the move back to in progress that a client's
reply makes; a new document version from the document hub's own signal; and a request's
SLA alerts from the sweep's. Each handler
loads what the event says only if some endpoint wants it (``webhook_emit`` asks first).
"""

from tenant_apps.webhooks.events import (
    approval_data,
    invoice_data,
    message_data,
    person_data,
    request_data,
    sla_data,
    version_data,
    webhook_emit,
)
from tenant_apps.webhooks.models import EventType


def _request(request_id):
    from tenant_apps.client_requests.models import ClientRequest

    related = ClientRequest.objects.select_related("company", "type", "created_by")
    return related.get(pk=request_id)


def _request_created(entry) -> None:
    def data():
        return {"request": request_data(_request(entry.object_id))}

    webhook_emit(EventType.REQUEST_CREATED, data)


def _message_posted(entry) -> None:
    from tenant_apps.messaging.models import Message

    def data():
        message = (
            Message.objects.select_related(
                "author",
                "thread__company",
                "thread__request",
                "thread__document",
                "thread__approval",
                "thread__invoice",
            )
            .prefetch_related("mentions")
            .get(pk=entry.changes["message"])
        )
        return message_data(message)

    webhook_emit(EventType.MESSAGE_POSTED, data)


def _approval_decided(entry) -> None:
    from tenant_apps.approvals.models import ApprovalRequest

    def data():
        approval = ApprovalRequest.objects.select_related("company").get(pk=entry.object_id)
        decision = {
            key: entry.changes.get(key)
            for key in ["decision", "comment", "decided_by", "decided_at", "sha256"]
        }
        return approval_data(approval, decision)

    webhook_emit(EventType.APPROVAL_DECIDED, data)


def _invoice_paid(entry) -> None:
    from tenant_apps.invoices.models import Invoice

    def data():
        invoice = Invoice.objects.select_related("company").get(pk=entry.object_id)
        return {"invoice": invoice_data(invoice)}

    webhook_emit(EventType.INVOICE_PAID, data)


BY_ACTION = {
    "request.submitted": _request_created,
    "message.posted": _message_posted,
    "approval.decided": _approval_decided,
}


def _made_paid(entry) -> bool:
    """An invoice entry whose status change ends in paid, whichever move made it so."""
    status = entry.changes.get("status") if isinstance(entry.changes, dict) else None
    return (
        entry.object_type == "invoices.invoice"
        and isinstance(status, list)
        and (status[-1:] == ["paid"])
    )


def on_activity(sender, instance, created, **kwargs) -> None:
    if not created:
        return
    handler = BY_ACTION.get(instance.action)
    if handler is None and _made_paid(instance):
        handler = _invoice_paid
    if handler is not None:
        handler(instance)


def on_request_event(sender, instance, created, **kwargs) -> None:
    from tenant_apps.client_requests.models import EventKind

    if not created or instance.kind != EventKind.STATUS:
        return

    def data():
        return {
            "request": request_data(_request(instance.request_id)),
            "from": instance.change.get("from"),
            "to": instance.change.get("to"),
            "changed_by": person_data(instance.actor),
        }

    webhook_emit(EventType.REQUEST_STATUS_CHANGED, data)


SLA_EVENTS = {"at_risk": EventType.REQUEST_AT_RISK, "breached": EventType.REQUEST_BREACHED}


def on_sla_alert(sender, kind, request_id, **kwargs) -> None:
    """A request first found at risk, or breached: once each (a later sweep may find the
    breach again)."""

    def data():
        request = _request(request_id)
        return {"request": request_data(request), "sla": sla_data(request)}

    event_type = SLA_EVENTS[kind]
    webhook_emit(event_type, data, once=f"{event_type}:{request_id}")


def on_version_added(sender, version, actor, **kwargs) -> None:
    webhook_emit(EventType.DOCUMENT_VERSION_ADDED, lambda: version_data(version, actor))
