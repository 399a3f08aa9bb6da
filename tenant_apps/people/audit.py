"""The codes people writes to the activity log, with their words and links."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field, Item, link_items
from tenant_apps.kit.roles import ClientRole, TeamRole

ROLES = {**dict(TeamRole.choices), **dict(ClientRole.choices)}


class PeopleAudit(AuditEvent):
    INVITATION_CREATED = (
        "invitation.created",
        "Invitation sent",
        "{actor} invited {email}",
        "{actor} sent an invitation",
    )
    INVITATION_ACCEPTED = (
        "invitation.accepted",
        "Invitation accepted",
        "{actor} accepted an invitation",
    )
    INVITATION_REVOKED = (
        "invitation.revoked",
        "Invitation revoked",
        "{actor} withdrew the invitation to {email}",
        "{actor} withdrew an invitation",
    )
    TEAM_OWNER_CREATED = (
        "team.owner_created",
        "Workspace created",
        "{actor} created the workspace as its owner",
    )
    TEAM_MEMBER_ADDED = (
        "team.member_added",
        "Team member added",
        "{actor} added {object} to the team",
    )
    TEAM_ROLE_CHANGED = (
        "team.role_changed",
        "Team role changed",
        "{actor} changed the team role of {object} to {role}",
        "{actor} changed the team role of {object}",
    )
    TEAM_ASSIGNMENTS_CHANGED = (
        "team.assignments_changed",
        "Staff assignments changed",
        "{actor} changed which {clients} {object} works on",
    )
    CLIENT_COMPANY_CREATED = (
        "client.company_created",
        "Client company added",
        "{actor} added the {client} {object}",
    )
    CLIENT_PERSON_ADDED = (
        "client.person_added",
        "Client person added",
        "{actor} added {object} to {company}",
        "{actor} added {object} to a {client}",
    )
    CLIENT_ROLE_CHANGED = (
        "client.role_changed",
        "Client role changed",
        "{actor} changed the {client} role of {object}",
    )

    fields = nonmember(
        {
            "role": Field("Role", ROLES),
            "email": Field("Email"),
            "company": Field("Client"),
            "companies": Field("Clients", clients=False),
            "sees_all_clients": Field("Sees every client", clients=False),
        }
    )


link_items(
    Item(
        "people.clientcompany",
        "people:company",
        "tenant_apps.people.selectors.company_pages_visible",
        clients=False,
    ),
)
