"""GET /api/v1/activity: the whole log for owners and admins, one's own for everyone else."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenant_apps.history.api import FILTER_PARAMETERS
from tenant_apps.history.forms import ActivityFilterForm
from tests.access_matrix import SIGNED_IN_HERE
from tests.conftest import host_client
from tests.test_activity_log import QUIET_ACTION, record
from tests.test_isolation import obtain_tokens

HOST = "acme.localhost"


def api_client(world, who):
    access = obtain_tokens(HOST, world.personas[who].user.email)["access"]
    return host_client(HOST), {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def api_get(world, who, query=""):
    client, headers = api_client(world, who)
    return client.get(f"/api/v1/activity{query}", **headers)


def ids(response) -> list[int]:
    return [entry["id"] for entry in response.json()["results"]]


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owners_and_admins_read_the_whole_log(world, who):
    entries = [record(world, persona) for persona in SIGNED_IN_HERE]
    response = api_get(world, who)
    assert response.status_code == 200
    assert {entry.pk for entry in entries} <= set(ids(response))


@pytest.mark.parametrize("who", ["staff", "client_admin", "viewer", "other_company"])
def test_everyone_else_reads_only_their_own_entries(world, who):
    for persona in SIGNED_IN_HERE:
        record(world, persona)
    response = api_get(world, who)
    assert response.status_code == 200
    results = response.json()["results"]
    assert results
    assert {entry["actor"] for entry in results} == {world.personas[who].user.pk}


def test_an_entry_reads_like_this(world):
    entry = record(
        world,
        "owner",
        "client.role_changed",
        target=world.personas["approver"].user,
        changes={"role": ["approver", "finance"]},
    )
    response = api_get(world, "admin", "?action=client.role_changed")
    assert response.json()["results"] == [
        {
            "id": entry.pk,
            "occurred_at": entry.occurred_at.isoformat().replace("+00:00", "Z"),
            "actor": world.personas["owner"].user.pk,
            "actor_label": "owner@acme.example",
            "action": "client.role_changed",
            "summary": "Acme Owner changed the client role of Northwind Approver",
            "description": "Changed the client role of Northwind Approver",
            "object_type": "accounts.user",
            "object_id": str(world.personas["approver"].user.pk),
            "object_label": "Northwind Approver",
            "company": world.northwind.pk,
            "company_name": "Northwind",
            "changes": {"role": ["approver", "finance"]},
            "ip_address": None,
            "user_agent": "",
            "prev_hash": entry.prev_hash,
            "entry_hash": entry.entry_hash,
        }
    ]


def test_filters_are_query_parameters(world):
    action = QUIET_ACTION
    viewer = record(world, "viewer")
    other = record(world, "other_company")
    by_company = api_get(world, "owner", f"?company={world.southwind.pk}&action={action}")
    assert ids(by_company) == [other.pk]
    by_person = api_get(world, "owner", f"?person={viewer.actor_id}&action={action}")
    assert ids(by_person) == [viewer.pk]
    today = viewer.occurred_at.date().isoformat()
    by_date = api_get(world, "owner", f"?since={today}&until={today}&action={action}")
    assert ids(by_date) == [other.pk, viewer.pk]
    assert ids(api_get(world, "owner", f"?until=2020-01-01&action={action}")) == []


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        # The page's filter form: the reader's order (en-GB here), ISO accepted too.
        ("?since=soon", {"since": ["Enter the date as dd/mm/yyyy, for example 31/12/2026."]}),
        (
            "?since=2020-03-05&until=2020-03-01",
            {"until": ["The end date is before the start date."]},
        ),
        (
            "?person=999999",
            {"person": ["Select a valid choice. That choice is not one of the available choices."]},
        ),
    ],
)
def test_bad_filters_are_a_400_with_field_errors(world, query, errors):
    response = api_get(world, "admin", query)
    assert response.status_code == 400
    assert response.json() == errors


def test_people_without_the_whole_log_cannot_probe_for_others(world):
    """Another person's id, a real one or not, is refused the same way; so is a client
    company the caller cannot see."""
    real = api_get(world, "viewer", f"?person={world.personas['approver'].user.pk}")
    unknown = api_get(world, "viewer", "?person=999999")
    assert real.status_code == unknown.status_code == 400
    assert real.json() == unknown.json()
    assert api_get(world, "viewer", f"?company={world.southwind.pk}").status_code == 400
    assert api_get(world, "staff", f"?company={world.southwind.pk}").status_code == 400
    assert api_get(world, "staff", f"?company={world.northwind.pk}").status_code == 200


def test_pages_follow_a_cursor_newest_first(world):
    record(world, "viewer", count=5)
    client, headers = api_client(world, "viewer")
    first = client.get(f"/api/v1/activity?page_size=2&action={QUIET_ACTION}", **headers).json()
    second = client.get(first["next"], **headers).json()
    third = client.get(second["next"], **headers).json()
    seen = [entry["id"] for page in (first, second, third) for entry in page["results"]]
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == 5
    assert third["next"] is None


# The same three statements for 5 entries as for 50: the JWT's user, the user with their
# membership (policy.actor_for), and one page of entries with actor and company joined.
def test_a_page_costs_the_same_queries_for_5_or_50_entries(world):
    client, headers = api_client(world, "viewer")

    def run():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/activity?action={QUIET_ACTION}", **headers)
        assert response.status_code == 200
        return queries.captured_queries, response.json()["results"]

    record(world, "viewer", target=world.northwind, count=5)
    five, five_results = run()
    record(world, "viewer", target=world.northwind, count=45)
    fifty, fifty_results = run()
    assert (len(five_results), len(fifty_results)) == (5, 50)
    assert len(five) == len(fifty), [query["sql"][:120] for query in fifty]


def test_the_schema_documents_the_filters_and_the_cursor(world):
    schema = host_client(HOST).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/activity"]["get"]
    documented = {parameter["name"] for parameter in operation["parameters"]}
    assert documented == {"person", "company", "action", "since", "until", "cursor", "page_size"}
    assert {parameter.name for parameter in FILTER_PARAMETERS} == set(
        ActivityFilterForm.base_fields
    )
    listing = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert listing == "#/components/schemas/PaginatedActivityEntryList"
