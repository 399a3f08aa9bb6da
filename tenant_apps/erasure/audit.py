"""The codes erasure writes to the activity log, with their words. An entry names the person
by their tombstone ("Former client 17"), never by who they were."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field


class ErasureAudit(AuditEvent):
    PERSON_ERASED = (
        "person.erased",
        "Person erased",
        "{actor} erased the personal data of {object}",
    )
    # Written with no actor by the restore of a backup taken before the erasure.
    PERSON_ERASED_AGAIN = (
        "person.erased_again",
        "Person erased again",
        "The personal data of {object} was erased again after a restore",
    )

    fields = nonmember(
        {
            "was": Field("Was", {"team": "a team member", "client": "a client's person"}),
        }
    )
