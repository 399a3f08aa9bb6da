"""Matrix entries for the messaging routes (see tests/access_matrix.py), and the helpers the
messaging tests share to make conversations."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from tenant_apps.messaging.actions import message_post
from tenant_apps.messaging.models import Message
from tenant_apps.messaging.selectors import thread_for
from tests.access_matrix import SIGNED_IN_HERE, TEAM, api, everyone, signed_in
from tests.routes_people import SEES_NORTHWIND, hiding

NORTHWIND_WRITERS = [*TEAM, "client_admin", "approver", "finance"]  # viewers read only
AUTHOR = ["client_admin"]  # of client_admins_message: only its author edits a message
POLL = {"first": "0", "after": "0", "since": "2020-01-01T00:00:00+00:00"}


def post_message(
    world, *, by="staff", item=None, internal=False, body="Hello from the team.", files=()
) -> Message:
    """A message in the thread about ``item`` (Northwind's general one by default)."""
    with tenant_context(world.acme):
        thread = thread_for(item or world.northwind, is_internal=internal)
        return message_post(
            thread=thread, author=world.personas[by].user, body=body, files=list(files)
        )


def text_file(name="notes.txt", content=b"Minutes of Monday's call.\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def northwind_thread(world) -> tuple:
    # Made afresh for each check; the test's transaction rolls it back.
    return (post_message(world).thread_id,)


def internal_thread(world) -> tuple:
    return (post_message(world, internal=True, body="Their budget is tight.").thread_id,)


def client_admins_message(world) -> tuple:
    message = post_message(world, by="client_admin", body="Could we move the call?")
    return (message.thread_id, message.pk)


def northwind_attachment(world) -> tuple:
    message = post_message(world, files=[text_file()])
    with tenant_context(world.acme):
        return (message.thread_id, message.attachments.get().pk)


def northwind_company(world) -> tuple:
    return ("company", world.northwind.pk)


def on_northwind(case):
    """``case`` on a Northwind conversation: Southwind's client admin never learns it exists."""
    return hiding(case, "other_company")


# The matrix posts no form fields: people allowed to post get the form back with its error
# (200 on pages, 400 from the API).
TENANT_ROUTES = {
    "messaging:inbox": signed_in(200, 200, SIGNED_IN_HERE),
    "messaging:thread": on_northwind(signed_in(200, 403, SEES_NORTHWIND, args=northwind_thread)),
    "messaging:post": on_northwind(
        signed_in(200, 403, NORTHWIND_WRITERS, method="post", args=northwind_thread)
    ),
    "messaging:poll": on_northwind(
        signed_in(200, 403, SEES_NORTHWIND, args=northwind_thread, data=POLL)
    ),
    "messaging:message": on_northwind(
        signed_in(200, 403, SEES_NORTHWIND, args=client_admins_message)
    ),
    "messaging:edit": on_northwind(
        signed_in(200, 403, ["client_admin"], args=client_admins_message)
    ),
    "messaging:attachment": on_northwind(
        signed_in(200, 403, SEES_NORTHWIND, args=northwind_attachment)
    ),
    "messaging:panel": on_northwind(signed_in(200, 403, SEES_NORTHWIND, args=northwind_company)),
    "api-threads": api(200, 200, SIGNED_IN_HERE),
    "api-thread": on_northwind(api(200, 403, SEES_NORTHWIND, args=northwind_thread)),
    "api-thread-messages": on_northwind(api(200, 403, SEES_NORTHWIND, args=northwind_thread)),
    "api-thread-message": on_northwind(api(200, 403, SEES_NORTHWIND, args=client_admins_message)),
    "api-thread-read": on_northwind(
        api(200, 403, SEES_NORTHWIND, method="post", args=northwind_thread)
    ),
    "api-thread-attachment-download": on_northwind(
        api(200, 403, SEES_NORTHWIND, args=northwind_attachment)
    ),
}

# Anymail refuses a post without the webhook's basic auth (400), whoever sends it.
PUBLIC_ROUTES = {
    "inbound-email": everyone(400, method="post"),
    # Likewise the tracking webhook (bounces; operators.email_events).
    "email-events": everyone(400, method="post"),
}

# Second methods and second objects of the routes above (the matrix holds one case per route);
# tests/test_messaging_pages.py and tests/test_messaging_api.py walk them.
MORE_CASES = {
    # A team-only thread does not exist for client people.
    "internal thread": (
        "messaging:thread",
        signed_in(200, 404, TEAM, args=internal_thread),
    ),
    "internal poll": (
        "messaging:poll",
        signed_in(200, 404, TEAM, args=internal_thread, data=POLL),
    ),
    "internal panel": (
        "messaging:panel",
        signed_in(200, 404, TEAM, args=northwind_company, data={"internal": "1"}),
    ),
    "panel (post)": (
        "messaging:panel",
        on_northwind(signed_in(200, 403, NORTHWIND_WRITERS, method="post", args=northwind_company)),
    ),
    "edit (post)": (
        "messaging:edit",
        on_northwind(
            signed_in(200, 403, ["client_admin"], method="post", args=client_admins_message)
        ),
    ),
}
API_MORE_CASES = {
    "threads (post)": ("api-threads", api(400, 400, SIGNED_IN_HERE, method="post")),
    "internal thread": ("api-thread", api(200, 404, TEAM, args=internal_thread)),
    "messages (post)": (
        "api-thread-messages",
        on_northwind(api(400, 403, NORTHWIND_WRITERS, method="post", args=northwind_thread)),
    ),
    "message (patch)": (
        "api-thread-message",
        on_northwind(api(400, 403, AUTHOR, method="patch", args=client_admins_message)),
    ),
}
