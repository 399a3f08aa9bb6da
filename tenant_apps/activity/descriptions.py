"""What each action code means, in words. Add a line when you add an action; a code
missing here still shows, as itself."""

from typing import NamedTuple


class Action(NamedTuple):
    label: str  # names the kind of action, e.g. in the log's filter
    text: str  # describes one entry; "{object}" becomes the entry's object label


ACTIONS = {
    "auth.signed_in": Action("Sign-in", "Signed in"),
    "auth.sign_in_failed": Action("Failed sign-in", "Failed to sign in"),
    "auth.locked_out": Action("Lockout", "Was locked out after repeated failed sign-ins"),
    "auth.signed_out": Action("Sign-out", "Signed out"),
    "access.denied": Action("Access refused", "Was refused access"),
    "invitation.created": Action("Invitation sent", "Sent an invitation"),
    "invitation.accepted": Action("Invitation accepted", "Accepted an invitation"),
    "invitation.revoked": Action("Invitation revoked", "Revoked an invitation"),
    "team.owner_created": Action("Workspace created", "Created the workspace as its owner"),
    "team.member_added": Action("Team member added", "Added {object} to the team"),
    "team.role_changed": Action("Team role changed", "Changed the team role of {object}"),
    "team.assignments_changed": Action(
        "Staff assignments changed", "Changed which clients {object} works on"
    ),
    "client.company_created": Action("Client company added", "Added the client company {object}"),
    "client.person_added": Action("Client person added", "Added {object} to a client company"),
    "client.role_changed": Action("Client role changed", "Changed the client role of {object}"),
    "activity.exported": Action("Log exported", "Exported the activity log"),
    "sla.policy_updated": Action("SLA policy changed", "Changed the SLA policy"),
    "sla.holiday_added": Action("Holiday added", "Added the holiday {object}"),
    "sla.holiday_removed": Action("Holiday removed", "Removed the holiday {object}"),
    "request_type.created": Action("Request type added", "Added the request type {object}"),
    "request_type.updated": Action("Request type changed", "Changed the request type {object}"),
}


def describe(action: str, object_label: str) -> str:
    known = ACTIONS.get(action)
    if known is None:
        return action
    return known.text.format(object=object_label or "someone")


def _shown(value) -> str:
    if value is None or value == []:
        return "none"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def change_lines(changes: dict) -> list[str]:
    """``{"role": ["staff", "admin"]}`` → ``["role: staff → admin"]``; a two-item list is
    the [before, after] pair activity_record's callers pass, anything else a plain value."""
    lines = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            lines.append(f"{key}: {_shown(value[0])} → {_shown(value[1])}")
        else:
            lines.append(f"{key}: {_shown(value)}")
    return lines
