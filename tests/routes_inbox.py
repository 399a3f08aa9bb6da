"""Matrix entries for the inbox routes (see tests/access_matrix.py), and the helpers that
make the file requests they act on."""

from django_tenants.utils import tenant_context

from tenant_apps.inbox.actions import file_request_create
from tests.access_matrix import CLIENTS, SIGNED_IN_HERE, TEAM, api, signed_in
from tests.routes_people import SEES_NORTHWIND, hiding

CONTRIBUTORS = ["client_admin", "approver", "finance"]
NORTHWIND_UPLOADERS = [*TEAM, *CONTRIBUTORS]
ALL_CLIENTS = CLIENTS


def ask_for_file(world, *, by="staff", company=None, **fields):
    """A file request from ``by`` to Northwind unless told otherwise."""
    with tenant_context(world.acme):
        return file_request_create(
            company=company or world.northwind,
            title=fields.pop("title", "Signed contract"),
            description=fields.pop("description", "The countersigned PDF, please."),
            actor=world.personas[by].user,
            **fields,
        )


def northwind_file_request(world) -> tuple:
    return (ask_for_file(world).pk,)


def on_northwind(case):
    """``case`` on a Northwind file request: Southwind's client admin never learns of it."""
    return hiding(case, "other_company")


TENANT_ROUTES = {
    "inbox:file_requests": signed_in(200, 200, SIGNED_IN_HERE),
    "inbox:file_request_new": signed_in(200, 403, TEAM),
    "inbox:file_request": on_northwind(
        signed_in(200, 403, SEES_NORTHWIND, args=northwind_file_request)
    ),
    # No file posted: those who may upload are told so (400).
    "inbox:file_request_upload": on_northwind(
        signed_in(400, 403, NORTHWIND_UPLOADERS, method="post", args=northwind_file_request)
    ),
    "inbox:file_request_cancel": on_northwind(
        signed_in(302, 403, TEAM, method="post", args=northwind_file_request)
    ),
    "api-waiting-on-you": api(200, 403, ALL_CLIENTS),
    "api-next-actions": api(200, 403, TEAM),
    "api-file-requests": api(200, 200, SIGNED_IN_HERE),
    "api-file-request": on_northwind(api(200, 403, SEES_NORTHWIND, args=northwind_file_request)),
    "api-file-request-fulfil": on_northwind(
        api(400, 403, NORTHWIND_UPLOADERS, method="post", args=northwind_file_request)
    ),
    "api-file-request-cancel": on_northwind(
        api(200, 403, TEAM, method="post", args=northwind_file_request)
    ),
}
PUBLIC_ROUTES: dict = {}

# Second methods of the routes above (the matrix holds one case per route); walked by
# tests/test_inbox_pages.py. No fields: those allowed are told what is missing.
MORE_CASES = {
    "file_request_new (post)": ("inbox:file_request_new", signed_in(200, 403, TEAM, method="post")),
    "api-file-requests (post)": ("api-file-requests", api(400, 403, TEAM, method="post")),
}
