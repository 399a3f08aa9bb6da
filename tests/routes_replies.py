"""Matrix entries for the saved replies routes (see tests/access_matrix.py), and a helper the
saved replies tests share."""

from django_tenants.utils import tenant_context

from tenant_apps.replies.actions import saved_reply_create
from tenant_apps.replies.models import SavedReply
from tests.access_matrix import TEAM, Case, api, signed_in
from tests.routes_people import OWNER_ADMIN


def make_reply(
    world, *, by="owner", shared=True, title="On it", body="Hi {client_name}, on it."
) -> SavedReply:
    with tenant_context(world.acme):
        return saved_reply_create(
            title=title, body=body, shared=shared, actor=world.personas[by].user
        )


def a_shared_reply(world) -> tuple:
    # Made afresh for each check; the test's transaction rolls it back.
    return (make_reply(world).pk,)


def _staff_finds_none(case: Case) -> Case:
    # Staff use the team's shared replies but may not change them: not found to edit.
    return Case(
        expect=case.expect | {"staff": 404}, method=case.method, args=case.args, data=case.data
    )


# The matrix posts no form fields: the list answers a post with its errors (200).
TENANT_ROUTES = {
    "replies:list": signed_in(200, 403, TEAM),
    "replies:detail": _staff_finds_none(signed_in(200, 403, OWNER_ADMIN, args=a_shared_reply)),
    "replies:delete": _staff_finds_none(
        signed_in(302, 403, OWNER_ADMIN, method="post", args=a_shared_reply)
    ),
    "api-replies": api(200, 403, TEAM),
    "api-reply": api(200, 403, TEAM, args=a_shared_reply),
}
PUBLIC_ROUTES: dict = {}

# Second methods of the routes above; tests/test_replies.py walks them.
MORE_CASES = {
    "list (post)": ("replies:list", signed_in(200, 403, TEAM, method="post")),
    "replies (post)": ("api-replies", api(400, 403, TEAM, method="post")),
    "reply (patch)": (
        "api-reply",
        _staff_finds_none(api(200, 403, OWNER_ADMIN, method="patch", args=a_shared_reply)),
    ),
    "reply (delete)": (
        "api-reply",
        _staff_finds_none(api(204, 403, OWNER_ADMIN, method="delete", args=a_shared_reply)),
    ),
}
