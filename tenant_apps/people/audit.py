"""The codes people writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class PeopleAudit(AuditEvent):
    INVITATION_CREATED = "invitation.created", "Invitation sent", "Sent an invitation"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted", "Accepted an invitation"
    INVITATION_REVOKED = "invitation.revoked", "Invitation revoked", "Revoked an invitation"
    TEAM_OWNER_CREATED = (
        "team.owner_created",
        "Workspace created",
        "Created the workspace as its owner",
    )
    TEAM_MEMBER_ADDED = "team.member_added", "Team member added", "Added {object} to the team"
    TEAM_ROLE_CHANGED = (
        "team.role_changed",
        "Team role changed",
        "Changed the team role of {object}",
    )
    TEAM_ASSIGNMENTS_CHANGED = (
        "team.assignments_changed",
        "Staff assignments changed",
        "Changed which clients {object} works on",
    )
    CLIENT_COMPANY_CREATED = (
        "client.company_created",
        "Client company added",
        "Added the client company {object}",
    )
    CLIENT_PERSON_ADDED = (
        "client.person_added",
        "Client person added",
        "Added {object} to a client company",
    )
    CLIENT_ROLE_CHANGED = (
        "client.role_changed",
        "Client role changed",
        "Changed the client role of {object}",
    )
