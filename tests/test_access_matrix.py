"""Walks every route of both URLconfs and checks each persona gets the matrix's status."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import (
    routes_activity,
    routes_agency_archive,
    routes_approvals,
    routes_billing,
    routes_branding,
    routes_core,
    routes_data_export,
    routes_documents,
    routes_erasure,
    routes_help_centre,
    routes_inbox,
    routes_invoices,
    routes_messaging,
    routes_notifications,
    routes_operator_agencies,
    routes_operator_announcements,
    routes_operator_console,
    routes_operator_support,
    routes_operator_suspension,
    routes_payments,
    routes_people,
    routes_projects,
    routes_replies,
    routes_reports,
    routes_request_lists,
    routes_requests,
    routes_retention,
    routes_satisfaction,
    routes_security,
    routes_timesheets,
    routes_webhooks,
)
from tests.access_matrix import PERSONAS
from tests.conftest import host_client, signed_in_client
from tests.test_isolation import obtain_tokens

AREAS = [
    routes_core,
    routes_people,
    routes_security,
    routes_activity,
    routes_requests,
    routes_request_lists,
    routes_documents,
    routes_invoices,
    routes_payments,
    routes_approvals,
    routes_branding,
    routes_billing,
    routes_notifications,
    routes_messaging,
    routes_inbox,
    routes_webhooks,
    routes_projects,
    routes_reports,
    routes_replies,
    routes_operator_console,
    routes_operator_agencies,
    routes_operator_suspension,
    routes_operator_support,
    routes_operator_announcements,
    routes_data_export,
    routes_erasure,
    routes_agency_archive,
    routes_retention,
    routes_satisfaction,
    routes_help_centre,
    routes_timesheets,
]
TENANT_ROUTES = {name: case for area in AREAS for name, case in area.TENANT_ROUTES.items()}
assert len(TENANT_ROUTES) == sum(len(area.TENANT_ROUTES) for area in AREAS), "route in two areas"
PUBLIC_ROUTES = {
    name: case for area in AREAS for name, case in getattr(area, "PUBLIC_ROUTES", {}).items()
}
PROBE_ROUTES = routes_core.PROBE_ROUTES
ADMIN_SAMPLE = routes_core.ADMIN_SAMPLE
TENANT_URLCONF = "config.urls_tenant"
PUBLIC_URLCONF = "config.urls_public"
PROBE_URLCONF = "shared_apps.core.probes"


def route_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= route_names(entry, inner)
        elif isinstance(entry, URLPattern):
            # An unnamed route can only be covered by a namespace wildcard such as admin:*.
            names.add(namespace + (entry.name or f"<unnamed {entry.pattern}>"))
    return names


def matrix_covers(name: str, matrix: dict) -> bool:
    return name in matrix or any(key.endswith(":*") and name.startswith(key[:-1]) for key in matrix)


@pytest.mark.parametrize(
    ("urlconf", "matrix"),
    [
        (TENANT_URLCONF, TENANT_ROUTES),
        (PUBLIC_URLCONF, PUBLIC_ROUTES),
        (PROBE_URLCONF, PROBE_ROUTES),
    ],
)
def test_every_route_is_in_the_matrix(urlconf, matrix):
    names = route_names(get_resolver(urlconf))
    missing = sorted(name for name in names if not matrix_covers(name, matrix))
    assert not missing, f"add these routes to tests/access_matrix.py: {missing}"
    stale = sorted(key for key in matrix if not key.endswith(":*") and key not in names)
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


def visitor(world, persona: str, host: str, api: bool):
    """A client carrying ``persona``'s own credentials, aimed at ``host``."""
    if persona == "anon":
        return host_client(host), {}
    who = world.personas[persona]
    if api and who.agency is not None:
        access = obtain_tokens(who.host, who.user.email)["access"]
        return host_client(host), {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    return signed_in_client(who, host=host), {}


def check(world, urlconf, host, name, case, persona):
    path = reverse(name, args=case.url_args(world), urlconf=urlconf)
    client, headers = visitor(world, persona, host, api=path.startswith("/api/"))
    send = getattr(client, case.method)
    response = send(path, case.data, content_type="application/json", **headers)
    assert response.status_code == case.expect[persona], (
        f"{persona} {case.method.upper()} {path} on {host}: "
        f"got {response.status_code}, matrix says {case.expect[persona]}"
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(TENANT_ROUTES))
def test_tenant_route_access(world, name, persona):
    check(world, TENANT_URLCONF, "acme.localhost", name, TENANT_ROUTES[name], persona)


PUBLIC_CASES = [(name, PUBLIC_ROUTES[name]) for name in PUBLIC_ROUTES if name != "admin:*"] + [
    (name, PUBLIC_ROUTES["admin:*"]) for name in ADMIN_SAMPLE
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "case"), PUBLIC_CASES, ids=[name for name, _ in PUBLIC_CASES])
def test_public_route_access(world, name, case, persona):
    check(world, PUBLIC_URLCONF, "localhost", name, case, persona)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(PROBE_ROUTES))
def test_probe_route_access(world, name, persona):
    # A pod's IP, as kubelet sends it; tests/test_healthz.py covers the other hosts.
    check(world, PROBE_URLCONF, "10.0.0.7", name, PROBE_ROUTES[name], persona)
