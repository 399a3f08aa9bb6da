from celery import shared_task
from django.db import connection
from django.utils import timezone

from operators.emails import standing_email
from operators.impersonation import impersonation_end, open_sessions, session_end_reason
from operators.suspension import agency_delete_due
from shared_apps.core.tasks import enqueue_on_commit
from tenants.models import Agency


@shared_task(ignore_result=True)
def support_sessions_close():
    """Close in both logs the support sessions whose time or grant ran out while their browser
    was away (a browser that comes back is closed by the agency side at once). Idempotent."""
    connection.set_schema_to_public()
    now = timezone.now()
    for session in open_sessions().select_related("grant").iterator():
        how = session_end_reason(session, now)
        if how is not None:
            impersonation_end(session=session, how=how)


@shared_task(ignore_result=True)
def agencies_delete_due():
    """Beat: queue the deletion of each agency whose grace period is over. One that failed
    (a lock, a storage outage) is still due and is queued again by the next run."""
    connection.set_schema_to_public()
    due = Agency.objects.filter(deletion_due_at__lte=timezone.now(), is_spare=False)
    for agency_id in due.values_list("pk", flat=True):
        enqueue_on_commit("operators.tasks.agency_delete", agency_id)


@shared_task(ignore_result=True)
def agency_delete(agency_id: int):
    """Delete one due agency (idempotent: nothing happens if it is gone or was cancelled)."""
    agency_delete_due(agency_id=agency_id)


@shared_task(ignore_result=True)
def standing_notify(agency_id: int, event: str):
    """Email the owners that their agency was suspended, restored, or its deletion scheduled
    or cancelled, written from the agency as it is now."""
    connection.set_schema_to_public()
    agency = Agency.objects.filter(pk=agency_id).first()
    message = standing_email(agency, event) if agency is not None else None
    if message is not None:
        message.send()
