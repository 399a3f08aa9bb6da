"""Matrix entries for the request list's tags, saved views and bulk changes (see
tests/access_matrix.py). The matrix posts no form fields: the team gets field errors (400) or,
where nothing is needed, the redirect (302)."""

from dataclasses import replace

from django_tenants.utils import tenant_context

from tenant_apps.client_requests.actions import bulk_job_start, request_tag_add
from tenant_apps.client_requests.models import RequestTag, SavedView
from tests.access_matrix import TEAM, api, signed_in
from tests.routes_people import OWNER_ADMIN
from tests.routes_requests import submit_request


def a_tag(world, name="Matrix") -> RequestTag:
    with tenant_context(world.acme):
        return RequestTag.objects.get_or_create(name=name, defaults={"colour": "blue"})[0]


def tag_id(world) -> tuple:
    return (a_tag(world).pk,)


def tagged_northwind_request(world) -> tuple:
    client_request = submit_request(world)
    tag = a_tag(world)
    with tenant_context(world.acme):
        request_tag_add(client_request=client_request, tag=tag, actor=world.personas["owner"].user)
    return (client_request.pk, tag.pk)


def northwind_request(world) -> tuple:
    return (submit_request(world).pk,)


def owners_shared_view(world) -> tuple:
    """A view the owner shared: the owner and admins may delete it, other staff may not."""
    with tenant_context(world.acme):
        view = SavedView.objects.create(
            name="Open, unassigned",
            owner=world.personas["owner"].user,
            shared=True,
            query={"status": ["open"], "owner": ["none"]},
        )
        return (view.pk,)


def owners_bulk_job(world) -> tuple:
    """A bulk change the owner started: only they follow it (others get a 404)."""
    client_request = submit_request(world)
    with tenant_context(world.acme):
        job = bulk_job_start(
            operation="priority",
            value="high",
            request_ids=[client_request.pk],
            actor=world.personas["owner"].user,
        )
        return (job.pk,)


def only_the_starter(case):
    return replace(case, expect=case.expect | {"admin": 404, "staff": 404})


TENANT_ROUTES = {
    "client_requests:tags": signed_in(200, 403, OWNER_ADMIN),
    "client_requests:tag_delete": signed_in(302, 403, OWNER_ADMIN, method="post", args=tag_id),
    "client_requests:request_tag_add": signed_in(
        302, 403, TEAM, method="post", args=northwind_request
    ),
    "client_requests:request_tag_remove": signed_in(
        302, 403, TEAM, method="post", args=tagged_northwind_request
    ),
    "client_requests:views": signed_in(200, 403, TEAM),
    "client_requests:view_create": signed_in(400, 403, TEAM, method="post"),
    "client_requests:view_delete": signed_in(
        302, 403, OWNER_ADMIN, method="post", args=owners_shared_view
    ),
    "client_requests:bulk": signed_in(400, 403, TEAM, method="post"),
    "client_requests:bulk_job": only_the_starter(
        signed_in(200, 403, ["owner"], args=owners_bulk_job)
    ),
    # The API.
    "api-request-tags": api(200, 403, TEAM),
    "api-request-tag": api(204, 403, OWNER_ADMIN, method="delete", args=tag_id),
    "api-request-tags-on-request": api(400, 403, TEAM, method="post", args=northwind_request),
    "api-request-tag-on-request": api(
        204, 403, TEAM, method="delete", args=tagged_northwind_request
    ),
    "api-request-views": api(200, 403, TEAM),
    "api-request-view": api(204, 403, OWNER_ADMIN, method="delete", args=owners_shared_view),
    "api-requests-bulk": api(400, 403, TEAM, method="post"),
    "api-requests-bulk-job": only_the_starter(api(200, 403, ["owner"], args=owners_bulk_job)),
}

# Second methods of the routes above; tests/test_request_lists.py walks them.
MORE_CASES = {
    "tags (post)": ("client_requests:tags", signed_in(200, 403, OWNER_ADMIN, method="post")),
    "request-tags (post)": ("api-request-tags", api(400, 403, OWNER_ADMIN, method="post")),
    "request-views (post)": ("api-request-views", api(400, 403, TEAM, method="post")),
}
