"""The team and client pages: what each role sees and may change."""

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenant_apps.people.actions import (
    client_company_create,
    client_member_create,
    invitation_create,
    team_member_create,
)
from tenant_apps.people.models import ClientCompany, ClientMember, TeamMember
from tests.conftest import signed_in_client
from tests.people_support import activity

NORTHWIND_PEOPLE = [
    "ca@northwind.example",
    "approver@northwind.example",
    "viewer@northwind.example",
]


def member(world, email, model=TeamMember):
    with tenant_context(world.acme):
        return model.objects.select_related("user").get(user__email=email)


def page(world, persona, path, **extra):
    return signed_in_client(world.personas[persona]).get(path, **extra)


# Team


def test_team_page_lists_roles_and_pending_invitations(world):
    with tenant_context(world.acme):
        invitation_create(
            email="soon@acme.example", team_role="staff", actor=world.personas["owner"].user
        )
    response = page(world, "owner", "/team/")
    assert response.status_code == 200
    for text in ["Acme Admin", "admin@acme.example", "Northwind", "soon@acme.example", "Revoke"]:
        assert text in response.text
    assert "Invite a team member" in response.text
    # The owner may change others' roles, never their own.
    assert f'action="/team/{member(world, "admin@acme.example").pk}/role/"' in response.text
    assert f'action="/team/{member(world, "owner@acme.example").pk}/role/"' not in response.text


def test_staff_read_the_team_page_without_controls(world):
    response = page(world, "staff", "/team/")
    assert response.status_code == 200
    assert "Acme Owner" in response.text
    for control in ['<form method="post" action="/team/', "Invite a team member", "Pending"]:
        assert control not in response.text


def test_admin_sees_invitations_and_access_links_but_no_role_forms(world):
    response = page(world, "admin", "/team/")
    assert "Pending invitations" in response.text
    staff = member(world, "staff@acme.example")
    assert f'href="/team/{staff.pk}/clients/"' in response.text
    assert "/role/" not in response.text


def test_owner_changes_a_role_and_it_is_logged(world):
    staff = member(world, "staff@acme.example")
    client = signed_in_client(world.personas["owner"])
    response = client.post(f"/team/{staff.pk}/role/", {"role": "admin"})
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.role == "admin"
    [entry] = activity(world, "team.role_changed")
    assert entry.changes == {"role": ["staff", "admin"]}
    assert entry.actor_id == world.personas["owner"].user.pk


def test_role_change_with_htmx_returns_the_row(world):
    staff = member(world, "staff@acme.example")
    client = signed_in_client(world.personas["owner"])
    response = client.post(f"/team/{staff.pk}/role/", {"role": "admin"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.text.strip().startswith(f'<tr id="member-{staff.pk}">')
    assert '<option value="admin" selected>' in response.text


def test_a_forged_role_is_a_field_error_and_changes_nothing(world):
    staff = member(world, "staff@acme.example")
    client = signed_in_client(world.personas["owner"])
    response = client.post(f"/team/{staff.pk}/role/", {"role": "emperor"})
    assert response.status_code == 200
    assert f'id="role-{staff.pk}-role_error"' in response.text
    staff.refresh_from_db()
    assert staff.role == "staff"
    assert activity(world, "team.role_changed") == []


@pytest.mark.parametrize(("persona", "target"), [("admin", "staff"), ("owner", "owner")])
def test_admins_and_oneself_cannot_change_roles(world, persona, target):
    target_member = member(world, f"{target}@acme.example")
    client = signed_in_client(world.personas[persona])
    response = client.post(f"/team/{target_member.pk}/role/", {"role": "admin"})
    assert response.status_code == 403
    target_member.refresh_from_db()
    assert target_member.role == target
    [denied] = activity(world, "access.denied")
    assert denied.changes == {"permission": "team.change_role"}


def test_limiting_staff_to_other_clients_changes_what_they_see(world):
    staff = member(world, "staff@acme.example")
    client = signed_in_client(world.personas["admin"])
    form = client.get(f"/team/{staff.pk}/clients/")
    assert "Northwind" in form.text and "Southwind" in form.text
    response = client.post(f"/team/{staff.pk}/clients/", {"companies": [world.southwind.pk]})
    assert response.status_code == 302
    [entry] = activity(world, "team.assignments_changed")
    assert entry.changes["companies"] == [["Northwind"], ["Southwind"]]

    clients = page(world, "staff", "/clients/")
    assert "Southwind" in clients.text and "Northwind" not in clients.text
    assert page(world, "staff", f"/clients/{world.northwind.pk}/").status_code == 404


def test_only_staff_can_be_limited(world):
    admin = member(world, "admin@acme.example")
    assert page(world, "owner", f"/team/{admin.pk}/clients/").status_code == 403


# Clients


@pytest.mark.parametrize(
    ("persona", "sees", "hidden"),
    [
        ("owner", ["Northwind", "Southwind"], []),
        ("staff", ["Northwind"], ["Southwind"]),
        ("viewer", ["Northwind"], ["Southwind"]),
        ("other_company", ["Southwind"], ["Northwind"]),
    ],
)
def test_each_person_sees_only_their_clients(world, persona, sees, hidden):
    response = page(world, persona, "/clients/")
    for name in sees:
        assert name in response.text
    for name in hidden:
        assert name not in response.text


def test_company_page_shows_its_people_and_nobody_elses(world):
    response = page(world, "viewer", f"/clients/{world.northwind.pk}/people/")
    assert response.status_code == 200
    for email in NORTHWIND_PEOPLE:
        assert email in response.text
    assert "southwind" not in response.text.lower()
    assert "/role/" not in response.text  # a viewer changes nothing
    assert "Invite someone" not in response.text


@pytest.mark.parametrize(
    ("persona", "company"), [("other_company", "northwind"), ("client_admin", "southwind")]
)
def test_another_companys_page_does_not_exist(world, persona, company):
    company_id = getattr(world, company).pk
    for path in (f"/clients/{company_id}/", f"/clients/{company_id}/people/"):
        assert page(world, persona, path).status_code == 404


def test_client_admin_manages_their_own_people(world):
    viewer = member(world, "viewer@northwind.example", ClientMember)
    own = member(world, "ca@northwind.example", ClientMember)
    response = page(world, "client_admin", f"/clients/{world.northwind.pk}/people/")
    assert "Invite someone from Northwind" in response.text
    assert f"/people/{viewer.pk}/role/" in response.text
    assert f"/people/{own.pk}/role/" not in response.text

    client = signed_in_client(world.personas["client_admin"])
    changed = client.post(
        f"/clients/{world.northwind.pk}/people/{viewer.pk}/role/", {"role": "approver"}
    )
    assert changed.status_code == 302
    viewer.refresh_from_db()
    assert viewer.role == "approver"
    [entry] = activity(world, "client.role_changed")
    assert entry.changes == {"company": "Northwind", "role": ["viewer", "approver"]}
    assert entry.company_id == world.northwind.pk

    own_role = client.post(
        f"/clients/{world.northwind.pk}/people/{own.pk}/role/", {"role": "viewer"}
    )
    assert own_role.status_code == 403


def test_people_of_another_company_cannot_be_reached_through_ones_own(world):
    southwind_admin = member(world, "ca@southwind.example", ClientMember)
    client = signed_in_client(world.personas["owner"])
    path = f"/clients/{world.northwind.pk}/people/{southwind_admin.pk}/role/"
    assert client.post(path, {"role": "viewer"}).status_code == 404


def test_owner_adds_a_company(world):
    client = signed_in_client(world.personas["owner"])
    response = client.post("/clients/new/", {"name": "  Eastwind  "})
    with tenant_context(world.acme):
        company = ClientCompany.objects.get(name="Eastwind")
    assert response["Location"] == f"/clients/{company.pk}/people/"
    [entry] = activity(world, "client.company_created")[-1:]
    assert entry.object_id == str(company.pk)


@pytest.mark.parametrize(
    ("name", "error"),
    [("northwind", "already exists"), ("", "This field is required."), ("x" * 151, "at most 150")],
)
def test_company_name_errors_are_field_errors(world, name, error):
    client = signed_in_client(world.personas["admin"])
    response = client.post("/clients/new/", {"name": name})
    assert response.status_code == 200
    assert 'id="id_name_error"' in response.text
    assert error in response.text
    with tenant_context(world.acme):
        assert ClientCompany.objects.count() == 2


# Query counts


def add_team(world, count):
    owner = world.personas["owner"].user
    with tenant_context(world.acme):
        for n in range(count):
            member = team_member_create(
                email=f"extra{n}@acme.example",
                full_name=f"Extra {n}",
                role="staff",
                password_hash=make_password(None),
                actor=owner,
                sees_all_clients=False,
            )
            member.assigned_companies.set([world.northwind, world.southwind])
            invitation_create(email=f"invitee{n}@acme.example", team_role="admin", actor=owner)


def add_clients(world, count):
    owner = world.personas["owner"].user
    with tenant_context(world.acme):
        for n in range(count):
            company = client_company_create(name=f"Client {n:02}", actor=owner)
            client_member_create(
                email=f"person{n}@client.example",
                full_name=f"Person {n}",
                company=company,
                role="viewer",
                password_hash=None,
                actor=owner,
            )


def queries_for(client, path) -> int:
    client.get(path)  # warm the brand cache and the host cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_team_page_queries_do_not_grow_with_rows(world):
    client = signed_in_client(world.personas["owner"])
    add_team(world, 0)
    # session, user, actor (user + team + client membership), the navigation's saved views,
    # team members with users, their assigned companies (one prefetch), pending team
    # invitations with inviters.
    assert queries_for(client, "/team/") == 7
    add_team(world, 27)  # 30 members, 27 pending invitations
    assert queries_for(client, "/team/") == 7


def test_clients_page_queries_do_not_grow_with_rows(world):
    client = signed_in_client(world.personas["owner"])
    # session, user, actor, the navigation's saved views, count for the pager, the page of
    # companies with people counts.
    assert queries_for(client, "/clients/") == 6
    add_clients(world, 28)  # 30 companies
    assert queries_for(client, "/clients/") == 6
