"""Matrix entries for the satisfaction routes (see tests/access_matrix.py).

The rating of a resolved Northwind request asked by Northwind's client admin: the team who
see Northwind and that client admin see it; Northwind's other people are refused (403);
Southwind's client admin never learns the request exists (404). The emailed link opens for
anyone who holds it (its confirmation page records nothing) except another signed-in person.
"""

from django_tenants.utils import tenant_context

from tenant_apps.client_requests.actions import request_status_change
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.satisfaction.actions import survey_link_create
from tests.access_matrix import TEAM, allow, api, signed_in
from tests.routes_people import hiding
from tests.routes_requests import submit_request

RATING_READERS = [*TEAM, "client_admin"]


def resolved_request(world, *, by="client_admin", company=None) -> ClientRequest:
    """A request asked by ``by`` (Northwind's client admin) and resolved by the owner."""
    made = submit_request(world, by=by, company=company)
    with tenant_context(world.acme):
        return request_status_change(
            client_request=made, status="resolved", actor=world.personas["owner"].user
        )


def survey_link(world, client_request=None, score="good") -> tuple:
    """(token, score) of a fresh survey link for the request's asker, as the email has it."""
    client_request = client_request or resolved_request(world)
    with tenant_context(world.acme):
        secret = survey_link_create(
            client_request=client_request, recipient=client_request.created_by
        )
    return (f"{world.acme.schema_name}.{secret}", score)


def resolved_args(world) -> tuple:
    return (resolved_request(world).pk,)


TENANT_ROUTES = {
    "satisfaction:rating": hiding(
        signed_in(200, 403, RATING_READERS, args=resolved_args), "other_company"
    ),
    # The link's person, and anyone not signed in here (a foreign session is nobody here),
    # get the page asking for the click; another person signed in here is refused.
    "satisfaction:link": allow(
        ["anon", "outsider", "operator", "client_admin"], 200, 403, args=survey_link
    ),
    "api-request-rating": hiding(
        api(200, 403, RATING_READERS, args=resolved_args), "other_company"
    ),
}
