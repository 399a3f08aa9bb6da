"""Matrix entries for the notifications routes (see tests/access_matrix.py)."""

from django_tenants.utils import tenant_context

from tenant_apps.notifications.actions import action_link_create, notification_send
from tests.access_matrix import PERSONAS, SIGNED_IN_HERE, Case, api, signed_in
from tests.routes_people import OWNER_ADMIN

ANYONE_SIGNED_IN_ELSEWHERE = {"anon": 200, "outsider": 200, "operator": 200}
ANYONE_ELSE_204 = {"anon": 204, "outsider": 204, "operator": 204}


def client_admins_notification(world):
    """A notification for Northwind's client admin, about their company."""
    with tenant_context(world.acme):
        [notification] = notification_send(
            recipients=[world.personas["client_admin"].user],
            kind="file_request.created",
            target=world.northwind,
            title="Please upload the signed contract",
            url=f"/clients/{world.northwind.pk}/",
            actor=world.personas["staff"].user,
        )
        return notification


def notification_of_client_admin(world) -> tuple:
    return (client_admins_notification(world).pk,)


def client_admins_link(world):
    notification = client_admins_notification(world)
    with tenant_context(world.acme):
        secret = action_link_create(notification=notification, action="view", path=notification.url)
        return notification, secret


def link_of_client_admin(world) -> tuple:
    notification, _ = client_admins_link(world)
    with tenant_context(world.acme):
        return (notification.links.get().pk,)


def link_token(world) -> tuple:
    _, secret = client_admins_link(world)
    return (f"{world.acme.schema_name}.{secret}",)


ONLY_CLIENT_ADMIN = ["client_admin"]
LINK_REVOKERS = [*OWNER_ADMIN, "client_admin"]

TENANT_ROUTES = {
    "notifications:list": signed_in(200, 200, SIGNED_IN_HERE),
    # Polled by htmx: no one signed in here gets 204, which leaves the page as it is.
    "notifications:bell": Case(expect=dict.fromkeys(PERSONAS, 200) | ANYONE_ELSE_204),
    "notifications:read_all": signed_in(302, 302, SIGNED_IN_HERE, method="post"),
    # Someone else's notification does not exist for you.
    "notifications:open": signed_in(302, 404, ONLY_CLIENT_ADMIN, args=notification_of_client_admin),
    "notifications:read": signed_in(
        302, 404, ONLY_CLIENT_ADMIN, method="post", args=notification_of_client_admin
    ),
    "notifications:preferences": signed_in(200, 200, SIGNED_IN_HERE),
    "notifications:link_revoke": signed_in(
        302, 404, LINK_REVOKERS, method="post", args=link_of_client_admin
    ),
    # The link's person goes straight to the item; anyone else signed in here is refused;
    # without a session here (anon, or another agency's session) it asks for a click.
    "notifications:action_link": Case(
        expect=dict.fromkeys(PERSONAS, 403) | ANYONE_SIGNED_IN_ELSEWHERE | {"client_admin": 302},
        args=link_token,
    ),
    "api-notifications": api(200, 200, SIGNED_IN_HERE),
    "api-notifications-read-all": api(200, 200, SIGNED_IN_HERE, method="post"),
    "api-notification-read": api(
        200, 404, ONLY_CLIENT_ADMIN, method="post", args=notification_of_client_admin
    ),
    "api-notification-preferences": api(200, 200, SIGNED_IN_HERE),
    "api-action-links": api(200, 200, SIGNED_IN_HERE),
    "api-action-link-revoke": api(
        200, 404, LINK_REVOKERS, method="post", args=link_of_client_admin
    ),
}
PUBLIC_ROUTES: dict = {}

# Second methods of the routes above (the matrix holds one case per route); walked by
# tests/test_notifications_pages.py. No fields: those allowed are told what is missing.
MORE_CASES = {
    "preferences (post)": (
        "notifications:preferences",
        signed_in(200, 200, SIGNED_IN_HERE, method="post"),
    ),
    "api-notification-preferences (put)": (
        "api-notification-preferences",
        api(400, 400, SIGNED_IN_HERE, method="put"),
    ),
    "action_link (post)": (
        "notifications:action_link",
        Case(
            expect=dict.fromkeys(PERSONAS, 403)
            | {"anon": 302, "outsider": 302, "operator": 302, "client_admin": 302},
            method="post",
            args=link_token,
        ),
    ),
}
