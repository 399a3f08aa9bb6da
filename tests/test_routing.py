"""Host → agency routing: friendly 404s, the host cache, and no redundant SQL."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Domain
from tests.conftest import host_client, signed_in_client


def test_unknown_host_gets_a_friendly_404_page(db):
    response = host_client("nobody.localhost").get("/")
    assert response.status_code == 404
    assert b"No portal at this address" in response.content
    assert b"nobody.localhost" in response.content


def test_spare_schemas_are_never_routed(world):
    assert host_client("spare.localhost").get("/").status_code == 404


def test_deactivated_agency_stops_routing_at_once(world):
    assert host_client("acme.localhost").get("/auth/login/").status_code == 200
    world.acme.is_active = False
    world.acme.save()
    assert host_client("acme.localhost").get("/auth/login/").status_code == 404


def test_new_domain_routes_immediately_and_removed_one_stops(world):
    client = host_client("portal.acme-client.example")
    assert client.get("/auth/login/").status_code == 404
    domain = Domain.objects.create(domain="portal.acme-client.example", tenant=world.acme)
    assert client.get("/auth/login/").status_code == 200
    domain.delete()
    assert client.get("/auth/login/").status_code == 404


def test_warm_request_runs_no_routing_statements(world):
    client = signed_in_client(world.personas["owner"])
    client.get("/")  # warms the host cache and the connection's search_path
    with CaptureQueriesContext(connection) as warm:
        response = client.get("/")
    assert response.status_code == 200
    statements = [query["sql"] for query in warm.captured_queries]
    assert not [sql for sql in statements if "search_path" in sql or "tenants_domain" in sql]


def test_cold_request_looks_the_host_up_once(world):
    client = host_client("acme.localhost")
    with CaptureQueriesContext(connection) as cold:
        client.get("/auth/login/")
    lookups = [q["sql"] for q in cold.captured_queries if "tenants_domain" in q["sql"]]
    assert len(lookups) == 1
    with CaptureQueriesContext(connection) as warm:
        client.get("/auth/login/")
    assert not [q for q in warm.captured_queries if "tenants_domain" in q["sql"]]


def test_switching_agencies_sets_the_search_path_again(world):
    host_client("acme.localhost").get("/auth/login/")
    with CaptureQueriesContext(connection) as switched:
        response = host_client("globex.localhost").get("/auth/login/")
    assert response.status_code == 200
    assert any("search_path" in q["sql"] for q in switched.captured_queries)
    assert connection.schema_name == "agency_globex"
