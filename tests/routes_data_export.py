"""Matrix entries for a person's own data export (see tests/access_matrix.py)."""

import re

from django.core import mail
from django_tenants.utils import tenant_context

from tenant_apps.data_export.actions import person_export_request
from tenant_apps.data_export.tasks import person_export_build
from tests.access_matrix import PERSONAS, SIGNED_IN_HERE, Case, api, signed_in

ONLY_CLIENT_ADMIN = ["client_admin"]
# Without a session here (anonymous, another agency's, the platform's) a page asks to sign in.
SIGN_IN_FIRST = {"anon": 302, "outsider": 302, "operator": 302}
NO_CREDENTIALS = {"anon": 401, "outsider": 401, "operator": 401}
LINK = re.compile(r"/account/data/download/([^/\s]+)/")


def ready_export(world):
    """A ready export of Northwind's client admin, and the token its email carried."""
    with tenant_context(world.acme):
        person = world.personas["client_admin"].user
        export = person_export_request(person=person, actor=person)
        person_export_build(export.pk)
        [token] = LINK.findall(mail.outbox[-1].body)
        return export, token


def export_of_client_admin(world) -> tuple:
    return (ready_export(world)[0].pk,)


def token_of_client_admin(world) -> tuple:
    return (ready_export(world)[1],)


TENANT_ROUTES = {
    "data_export:page": signed_in(200, 200, SIGNED_IN_HERE),
    "data_export:request": signed_in(302, 302, SIGNED_IN_HERE, method="post"),
    # Someone else's export does not exist for you.
    "data_export:archive": signed_in(200, 404, ONLY_CLIENT_ADMIN, args=export_of_client_admin),
    # The emailed link: its person downloads; anyone else signed in here is refused.
    "data_export:download": Case(
        expect=dict.fromkeys(PERSONAS, 403) | SIGN_IN_FIRST | {"client_admin": 200},
        args=token_of_client_admin,
    ),
    "api-data-exports": api(200, 200, SIGNED_IN_HERE),
    "api-data-export-download": Case(
        expect=dict.fromkeys(PERSONAS, 403) | NO_CREDENTIALS | {"client_admin": 200},
        args=token_of_client_admin,
    ),
}
PUBLIC_ROUTES = {}
