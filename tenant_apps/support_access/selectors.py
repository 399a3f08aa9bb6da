"""The agency's support grants and sessions, newest first (the records live in the public
schema; these read only the current agency's)."""

from django.db import connection

from operators.impersonation import active_grant
from operators.models import ImpersonationSession, SupportGrant

SHOWN = 50


def current_grant() -> SupportGrant | None:
    return active_grant(connection.tenant)


def grants():
    return SupportGrant.objects.filter(agency=connection.tenant).order_by("-starts_at", "-id")


def support_sessions():
    # Never join the operator: on this schema's search path that would be the agency's users.
    return (
        ImpersonationSession.objects.filter(agency=connection.tenant)
        .select_related("grant")
        .order_by("-started_at", "-id")
    )
