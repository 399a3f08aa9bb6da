"""Audit event codes: each app names the codes it writes as one enum, in its ``audit.py``.

A member's value is the code stored in the log; ``label`` names the kind of action (the
log's filter) and ``text`` describes one entry, with "{object}" for its object's label::

    class PeopleAudit(AuditEvent):
        TEAM_MEMBER_ADDED = "team.member_added", "Team member added", "Added {object} ..."

Every subclass registers itself, and the activity app imports every installed app's
``audit`` module when Django starts, so the registry is whole before the first request.
``activity_record`` refuses a code that is not registered.
"""

from enum import StrEnum

# code -> its member, for every app's enum
REGISTRY: dict[str, "AuditEvent"] = {}


class AuditEvent(StrEnum):
    label: str
    text: str

    def __new__(cls, code: str, label: str, text: str):
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        member.text = text
        return member

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _unregistered.append(cls)


# Subclasses are seen before their members exist; their members are added on first use.
_unregistered: list[type[AuditEvent]] = []


def audit_events() -> dict[str, AuditEvent]:
    """Every registered code and its member."""
    while _unregistered:
        for member in _unregistered.pop():
            if REGISTRY.setdefault(member.value, member) is not member:
                raise ValueError(f"The audit code {member.value!r} is defined twice.")
    return REGISTRY
