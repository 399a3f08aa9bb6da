"""Matrix entries for the webhooks routes (see tests/access_matrix.py), and helpers the
webhook tests share."""

from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.webhooks.actions import endpoint_create
from tenant_apps.webhooks.models import Delivery, Endpoint, Event, EventType
from tests.access_matrix import api, signed_in
from tests.routes_people import OWNER_ADMIN


def make_endpoint(world, url="https://hooks.example.com/portal", events=None) -> Endpoint:
    with tenant_context(world.acme):
        return endpoint_create(
            url=url,
            event_types=events or [EventType.MESSAGE_POSTED],
            actor=world.personas["owner"].user,
        )


def an_endpoint(world) -> tuple:
    # Made afresh for each check; the test's transaction rolls it back.
    return (make_endpoint(world).pk,)


def a_delivery(world) -> tuple:
    endpoint = make_endpoint(world)
    with tenant_context(world.acme):
        event = Event.objects.create(type=EventType.PING, payload={})
        delivery = Delivery.objects.create(
            endpoint=endpoint, event=event, next_attempt_at=timezone.now()
        )
    return (endpoint.pk, delivery.pk)


# The matrix posts no form fields: a page with a form answers with its errors (200); the
# buttons redirect back (302) whatever they did.
TENANT_ROUTES = {
    "webhooks:list": signed_in(200, 403, OWNER_ADMIN),
    "webhooks:detail": signed_in(200, 403, OWNER_ADMIN, args=an_endpoint),
    "webhooks:rotate": signed_in(302, 403, OWNER_ADMIN, method="post", args=an_endpoint),
    "webhooks:delete": signed_in(302, 403, OWNER_ADMIN, method="post", args=an_endpoint),
    "webhooks:ping": signed_in(302, 403, OWNER_ADMIN, method="post", args=an_endpoint),
    "webhooks:retry": signed_in(302, 403, OWNER_ADMIN, method="post", args=a_delivery),
    "api-webhooks": api(200, 403, OWNER_ADMIN),
    "api-webhook": api(200, 403, OWNER_ADMIN, args=an_endpoint),
    # An empty body keeps the old secret working for the default grace period.
    "api-webhook-rotate-secret": api(200, 403, OWNER_ADMIN, method="post", args=an_endpoint),
    "api-webhook-ping": api(202, 403, OWNER_ADMIN, method="post", args=an_endpoint),
    "api-webhook-deliveries": api(200, 403, OWNER_ADMIN, args=an_endpoint),
}
PUBLIC_ROUTES: dict = {}

# Second methods of the routes above; tests/test_webhooks.py walks them.
MORE_CASES = {
    "list (post)": ("webhooks:list", signed_in(200, 403, OWNER_ADMIN, method="post")),
    "detail (post)": (
        "webhooks:detail",
        signed_in(200, 403, OWNER_ADMIN, method="post", args=an_endpoint),
    ),
    "webhooks (post)": ("api-webhooks", api(400, 403, OWNER_ADMIN, method="post")),
    "webhook (patch)": (
        "api-webhook",
        api(200, 403, OWNER_ADMIN, method="patch", args=an_endpoint),
    ),
    "webhook (delete)": (
        "api-webhook",
        api(204, 403, OWNER_ADMIN, method="delete", args=an_endpoint),
    ),
}
