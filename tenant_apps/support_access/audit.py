"""The codes support access writes to the activity log, in the agency's own words.

A support session's entries name the person acted as (their item and actor) and the platform
operator by email: operators are not people of the agency, so they are no entry's actor.
"""

from datetime import datetime
from enum import nonmember

from operators.impersonation import EndedHow
from shared_apps.core.formatting import format_deadline
from tenant_apps.activity.events import AuditEvent, Field


def _moment(value) -> str:
    return format_deadline(datetime.fromisoformat(value)) if value else "none"


class SupportAudit(AuditEvent):
    SUPPORT_ACCESS_GRANTED = (
        "support.access_granted",
        "Support access granted",
        "{actor} gave platform support access until {until}",
        "{actor} gave platform support access",
    )
    SUPPORT_ACCESS_REVOKED = (
        "support.access_revoked",
        "Support access revoked",
        "{actor} revoked platform support access",
    )
    SUPPORT_SESSION_STARTED = (
        "support.session_started",
        "Support session started",
        "Platform support ({operator}) signed in as {object} until {until}, because: {reason}",
        "Platform support signed in as {object}",
    )
    SUPPORT_SESSION_ENDED = (
        "support.session_ended",
        "Support session ended",
        "The support session of {operator} as {object} ended: {how}",
        "A support session as {object} ended",
    )
    SUPPORT_SESSION_REFUSED = (
        "support.session_refused",
        "Support session refused an action",
        "Platform support ({operator}), signed in as {object}, was refused: {page}",
        "Platform support, signed in as {object}, was refused an action",
    )

    fields = nonmember(
        {
            "operator": Field("Support operator"),
            "reason": Field("Reason"),
            "until": Field("Until", _moment),
            "note": Field("Note"),
            "how": Field("How it ended", EndedHow.WORDS),
            "page": Field("Refused"),
            "session": Field("Support session"),
        }
    )
