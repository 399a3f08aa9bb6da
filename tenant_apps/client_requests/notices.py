"""Request notices as in-app notifications.

client_requests emails its own, richer notices; here each of them also becomes an in-app
notification, and each recipient's preference for the kind decides whether the email goes.
"""

from django.urls import reverse

from tenant_apps.client_requests.emails import notices_for
from tenant_apps.notifications.actions import notification_send
from tenant_apps.notifications.selectors import email_wanted

# client_requests' notice kinds -> notification kinds (others, like SLA alerts, always go).
REQUEST_KINDS = {
    "answered": "request.replied",
    "waiting_on_client": "request.waiting_on_client",
    "resolved": "request.resolved",
    "assigned": "request.assigned",
    "client_replied": "request.client_replied",
}


def request_notified(kind: str, request, event=None) -> None:
    """In-app notifications for a request notice (call it where the notice is queued)."""
    notification_kind = REQUEST_KINDS.get(kind)
    if notification_kind is None:
        return
    actor = event.actor if event is not None else None
    words = {
        "title": request.title,
        "company": request.company.name,
        "actor": str(actor) if actor else "Someone",
    }
    shown = event if event is not None and not event.is_internal else None
    for notice in notices_for(kind):
        notification_send(
            recipients=notice.recipients(request, actor),
            kind=notification_kind,
            target=request,
            title=f"{notice.subject.format(**words)} (#{request.pk})",
            body=shown.body if shown else "",
            url=reverse("client_requests:detail", args=[request.pk]),
            actor=actor,
        )


def request_email_wanted(kind: str, user) -> bool:
    """Whether ``user`` wants the request notice ``kind`` emailed now."""
    notification_kind = REQUEST_KINDS.get(kind)
    return notification_kind is None or email_wanted(user, notification_kind)
