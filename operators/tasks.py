from celery import shared_task
from django.db import connection
from django.utils import timezone

from operators.impersonation import impersonation_end, open_sessions, session_end_reason


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
