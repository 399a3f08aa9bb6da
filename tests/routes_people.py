"""Matrix entries for the people routes (see tests/access_matrix.py)."""

from dataclasses import replace

from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.kit.roles import ClientRole
from tenant_apps.people.actions import invitation_create
from tenant_apps.people.models import ClientMember, TeamMember
from tests.access_matrix import SIGNED_IN_HERE, TEAM, Case, api, everyone, signed_in

OWNER_ADMIN = ["owner", "admin"]
NORTHWIND = ["client_admin", "approver", "finance", "viewer"]
SEES_NORTHWIND = [*TEAM, *NORTHWIND]  # staff is assigned to Northwind
MANAGES_NORTHWIND = [*OWNER_ADMIN, "client_admin"]
INVITERS = [*MANAGES_NORTHWIND, "other_company"]


def hiding(case: Case, *personas) -> Case:
    """``case``, except that ``personas`` get 404: the object does not exist for them."""
    return replace(case, expect=case.expect | dict.fromkeys(personas, 404))


def northwind(world) -> tuple:
    return (world.northwind.pk,)


def staff_member(world) -> tuple:
    with tenant_context(world.acme):
        return (TeamMember.objects.get(user__email="staff@acme.example").pk,)


def northwind_viewer(world) -> tuple:
    with tenant_context(world.acme):
        member = ClientMember.objects.get(user__email="viewer@northwind.example")
    return (world.northwind.pk, member.pk)


def northwind_invitation(world) -> tuple:
    # Made afresh for each check; the test's transaction rolls it back.
    with tenant_context(world.acme):
        new = invitation_create(
            email="invitee@northwind.example",
            company=world.northwind,
            client_role=ClientRole.VIEWER,
            actor=User.objects.get(email="owner@acme.example"),
        )
    return (new.invitation.pk,)


# The matrix posts no form fields, so people allowed to post a form get it back with
# field errors (200 on pages, 400 from the API).
TENANT_ROUTES = {
    "people:team": signed_in(200, 403, TEAM),
    "people:team_invite": signed_in(200, 403, OWNER_ADMIN, method="post"),
    "people:team_role": signed_in(200, 403, ["owner"], method="post", args=staff_member),
    "people:staff_access": signed_in(200, 403, OWNER_ADMIN, args=staff_member),
    "people:clients": signed_in(200, 200, SIGNED_IN_HERE),
    "people:company_create": signed_in(200, 403, OWNER_ADMIN),
    "people:company": hiding(signed_in(200, 403, SEES_NORTHWIND, args=northwind), "other_company"),
    # The team's overview of a client; its own people are sent to their company's people page.
    "workspace:client": hiding(signed_in(200, 302, TEAM, args=northwind), "other_company"),
    "people:company_invite": hiding(
        signed_in(200, 403, MANAGES_NORTHWIND, method="post", args=northwind), "other_company"
    ),
    "people:client_role": hiding(
        signed_in(200, 403, MANAGES_NORTHWIND, method="post", args=northwind_viewer),
        "other_company",
    ),
    "people:invitation_revoke": hiding(
        signed_in(302, 403, MANAGES_NORTHWIND, method="post", args=northwind_invitation),
        "other_company",
    ),
    # An unknown link is unknown to everyone, signed in or not.
    "people:invitation_accept": everyone(404, args=("no-such-invitation",)),
    "api-team": api(200, 403, TEAM),
    "api-clients": api(200, 200, SIGNED_IN_HERE),
    "api-client-people": hiding(api(200, 403, SEES_NORTHWIND, args=northwind), "other_company"),
    "api-client-overview": hiding(api(200, 403, TEAM, args=northwind), "other_company"),
    "api-invitations": api(200, 403, INVITERS),
    "api-invitation-revoke": hiding(
        api(200, 403, MANAGES_NORTHWIND, method="post", args=northwind_invitation),
        "other_company",
    ),
}

# Second methods of the routes above (the matrix holds one case per route);
# tests/test_people_access.py walks them.
SECOND_METHODS = {
    "people:company_create": signed_in(200, 403, OWNER_ADMIN, method="post"),
    # Nothing ticked is valid (limit the staff member to no clients), so this one saves.
    "people:staff_access": signed_in(302, 403, OWNER_ADMIN, method="post", args=staff_member),
    "api-clients": api(400, 403, OWNER_ADMIN, method="post"),
    "api-invitations": api(400, 403, INVITERS, method="post"),
}
