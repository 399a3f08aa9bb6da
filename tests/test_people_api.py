"""The people API: lists, writes, isolation between client companies, and its schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenant_apps.people.actions import invitation_create
from tenant_apps.people.models import ClientCompany, Invitation
from tests.conftest import host_client
from tests.people_support import activity, api_client, api_get, api_post
from tests.test_people_pages import add_clients, add_team


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_team_lists_roles_and_staff_assignments(world):
    team = {row["email"]: row for row in results(api_get(world, "staff", "/api/v1/team"))}
    assert {email: row["team_role"] for email, row in team.items()} == {
        "owner@acme.example": "owner",
        "admin@acme.example": "admin",
        "staff@acme.example": "staff",
    }
    assert team["staff@acme.example"]["sees_all_clients"] is False
    assert team["staff@acme.example"]["assigned_company_ids"] == [world.northwind.pk]


@pytest.mark.parametrize(
    ("persona", "companies"),
    [
        ("owner", ["Northwind", "Southwind"]),
        ("staff", ["Northwind"]),
        ("finance", ["Northwind"]),
        ("other_company", ["Southwind"]),
    ],
)
def test_clients_lists_only_visible_companies(world, persona, companies):
    rows = results(api_get(world, persona, "/api/v1/clients"))
    assert [row["name"] for row in rows] == companies


def test_people_of_a_company(world):
    rows = results(api_get(world, "viewer", f"/api/v1/clients/{world.northwind.pk}/people"))
    assert {row["email"]: row["client_role"] for row in rows} == {
        "ca@northwind.example": "client_admin",
        "approver@northwind.example": "approver",
        "finance@northwind.example": "finance",
        "viewer@northwind.example": "viewer",
    }


@pytest.mark.parametrize(
    ("persona", "company"),
    [("viewer", "southwind"), ("other_company", "northwind"), ("staff", "southwind")],
)
def test_people_of_an_invisible_company_are_a_404(world, persona, company):
    response = api_get(world, persona, f"/api/v1/clients/{getattr(world, company).pk}/people")
    assert response.status_code == 404


def test_me_names_a_client_persons_company_and_role(world):
    me = api_get(world, "finance", "/api/v1/me").json()
    assert me["team_role"] is None
    assert me["client_role"] == "finance"
    assert me["company"] == {"id": world.northwind.pk, "name": "Northwind"}
    owner = api_get(world, "owner", "/api/v1/me").json()
    assert (owner["team_role"], owner["client_role"], owner["company"]) == ("owner", None, None)


# Writes


def test_creating_a_company(world):
    response = api_post(world, "admin", "/api/v1/clients", {"name": "Eastwind"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Eastwind" and body["people_count"] == 0
    [entry] = activity(world, "client.company_created")[-1:]
    assert entry.object_id == str(body["id"])


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"name": "NORTHWIND"}, "A client company with this name already exists."),
        ({"name": ""}, "This field may not be blank."),
        ({}, "This field is required."),
        ({"name": "x" * 151}, "Ensure this field has no more than 150 characters."),
    ],
)
def test_bad_company_input_is_a_400_with_field_errors(world, body, error):
    response = api_post(world, "owner", "/api/v1/clients", body)
    assert response.status_code == 400
    assert response.json() == {"name": [error]}
    with tenant_context(world.acme):
        assert ClientCompany.objects.count() == 2


def test_staff_and_clients_cannot_create_companies(world):
    for persona in ["staff", "client_admin"]:
        assert api_post(world, persona, "/api/v1/clients", {"name": "Nope"}).status_code == 403


def test_inviting_a_client_person(world):
    response = api_post(
        world,
        "client_admin",
        "/api/v1/invitations",
        {
            "email": "New@Northwind.example",
            "full_name": "New Person",
            "company": world.northwind.pk,
            "client_role": "finance",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new@northwind.example"
    assert body["company_id"] == world.northwind.pk
    assert body["role_label"] == "Finance at Northwind"
    assert body["status"] == "pending"
    assert body["invited_by"] == "ca@northwind.example"
    assert "secret" not in str(body)
    [entry] = activity(world, "invitation.created")
    assert entry.company_id == world.northwind.pk


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"team_role": "staff"}, {"email": ["This field is required."]}),
        ({"email": "bad", "team_role": "staff"}, {"email": ["Enter a valid email address."]}),
        (
            {"email": "owner@acme.example", "team_role": "staff"},
            {"email": ["This person already has an account here."]},
        ),
        (
            {"email": "a@b.example"},
            {
                "company": ["This field is required."],
                "client_role": ["This field is required."],
            },
        ),
        (
            {"email": "a@b.example", "client_role": "viewer"},
            {"company": ["This field is required."]},
        ),
        (
            {"email": "a@b.example", "team_role": "chief"},
            {"team_role": ['"chief" is not a valid choice.']},
        ),
        (
            {"email": "a@b.example", "team_role": "staff", "client_role": "viewer"},
            {
                "non_field_errors": [
                    "Invite either to the team (team_role) or to a client company "
                    "(company and client_role), not both."
                ]
            },
        ),
    ],
)
def test_bad_invitation_input_is_a_400_with_field_errors(world, body, errors):
    response = api_post(world, "owner", "/api/v1/invitations", body)
    assert response.status_code == 400
    assert response.json() == errors
    with tenant_context(world.acme):
        assert not Invitation.objects.exists()


def test_a_non_json_body_is_a_400_not_a_500(world):
    client, headers = api_client(world, "owner")
    response = client.post(
        "/api/v1/invitations", "{not json", content_type="application/json", **headers
    )
    assert response.status_code == 400


def test_invitations_each_actor_may_see(world):
    owner = world.personas["owner"].user
    with tenant_context(world.acme):
        invitation_create(email="t@acme.example", team_role="staff", actor=owner)
        invitation_create(
            email="n@northwind.example", company=world.northwind, client_role="viewer", actor=owner
        )
        invitation_create(
            email="s@southwind.example", company=world.southwind, client_role="viewer", actor=owner
        )
    seen = {
        persona: [row["email"] for row in results(api_get(world, persona, "/api/v1/invitations"))]
        for persona in ["owner", "client_admin", "other_company"]
    }
    assert seen == {
        "owner": ["s@southwind.example", "n@northwind.example", "t@acme.example"],
        "client_admin": ["n@northwind.example"],
        "other_company": ["s@southwind.example"],
    }


def test_revoking_over_the_api(world):
    with tenant_context(world.acme):
        invitation = invitation_create(
            email="n@northwind.example",
            company=world.northwind,
            client_role="viewer",
            actor=world.personas["owner"].user,
        ).invitation
    path = f"/api/v1/invitations/{invitation.pk}/revoke"
    assert api_post(world, "other_company", path).status_code == 404
    response = api_post(world, "client_admin", path)
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    again = api_post(world, "client_admin", path)
    assert again.status_code == 409
    assert again.json() == {"detail": "This invitation was revoked.", "code": "revoked"}
    assert len(activity(world, "invitation.revoked")) == 1


# Query counts


def api_queries(world, path) -> int:
    client, headers = api_client(world, "owner")
    client.get(path, **headers)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, **headers).status_code == 200
    return len(queries)


def test_team_api_queries_do_not_grow_with_rows(world):
    # user (token), actor, a page of members with users, their assigned companies.
    assert api_queries(world, "/api/v1/team") == 4
    add_team(world, 27)
    assert api_queries(world, "/api/v1/team") == 4


def test_clients_api_queries_do_not_grow_with_rows(world):
    # user (token), actor, a page of companies with people counts.
    assert api_queries(world, "/api/v1/clients") == 3
    add_clients(world, 28)
    assert api_queries(world, "/api/v1/clients") == 3


# Schema


def test_the_schema_documents_the_people_api(world):
    schema = host_client("acme.localhost").get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in [
        "/api/v1/team",
        "/api/v1/clients",
        "/api/v1/clients/{company_id}/people",
        "/api/v1/invitations",
        "/api/v1/invitations/{invitation_id}/revoke",
    ]:
        assert path in paths
    post = paths["/api/v1/invitations"]["post"]
    assert set(post["responses"]) >= {"201"}
    assert "409" in paths["/api/v1/invitations/{invitation_id}/revoke"]["post"]["responses"]
