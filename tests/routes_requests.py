"""Matrix entries for the request routes (see tests/access_matrix.py)."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from tenant_apps.client_requests.actions import request_note_add, request_submit
from tenant_apps.client_requests.models import ClientRequest, Holiday, RequestType
from tests.access_matrix import SIGNED_IN_HERE, TEAM, api, signed_in
from tests.routes_people import OWNER_ADMIN, SEES_NORTHWIND, hiding

CONTRIBUTORS = ["client_admin", "approver", "finance"]  # Northwind's people who may write
SUBMITTERS = [*TEAM, *CONTRIBUTORS, "other_company"]
NORTHWIND_REPLIERS = [*TEAM, *CONTRIBUTORS]


def submit_request(world, *, by="client_admin", company=None, files=(), **fields) -> ClientRequest:
    """A support request, made by ``by`` for Northwind unless told otherwise."""
    with tenant_context(world.acme):
        return request_submit(
            actor=world.personas[by].user,
            company=company or world.northwind,
            type=RequestType.objects.get(key="support"),
            title=fields.pop("title", "Invoices show the old logo"),
            details=fields.pop("details", "Since Monday every invoice shows last year's logo."),
            priority=fields.pop("priority", "normal"),
            files=list(files),
            **fields,
        )


def text_file(name="brief.txt", content=b"What we need, in writing.\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def northwind_request(world) -> tuple:
    # Made afresh for each check; the test's transaction rolls it back.
    return (submit_request(world).pk,)


def northwind_attachment(world) -> tuple:
    client_request = submit_request(world, files=[text_file()])
    with tenant_context(world.acme):
        return (client_request.pk, client_request.attachments.get().pk)


def internal_attachment(world) -> tuple:
    client_request = submit_request(world)
    with tenant_context(world.acme):
        note = request_note_add(
            client_request=client_request,
            body="Budget is tight; see the sheet.",
            actor=world.personas["staff"].user,
            files=[text_file("margins.txt", b"Margin 4%\n")],
        )
        return (client_request.pk, note.attachments.get().pk)


def a_holiday(world) -> tuple:
    with tenant_context(world.acme):
        return (Holiday.objects.create(policy_id=1, date=date(2031, 12, 25), name="Matrix").pk,)


def support_type(world) -> tuple:
    with tenant_context(world.acme):
        return (RequestType.objects.get(key="support").pk,)


def on_northwind_request(case):
    """``case`` on a Northwind request: Southwind's client admin never learns it exists."""
    return hiding(case, "other_company")


# The matrix posts no form fields, so people allowed to post a form get it back with
# field errors (200); posts that need none (unassign, toggle, remove) redirect (302).
TENANT_ROUTES = {
    "client_requests:list": signed_in(200, 200, SIGNED_IN_HERE),
    "client_requests:new": signed_in(200, 403, SUBMITTERS),
    "client_requests:intake": signed_in(200, 403, SUBMITTERS, data={"type": "support"}),
    "client_requests:detail": on_northwind_request(
        signed_in(200, 403, SEES_NORTHWIND, args=northwind_request)
    ),
    "client_requests:update": on_northwind_request(
        signed_in(200, 403, TEAM, method="post", args=northwind_request)
    ),
    "client_requests:reply": on_northwind_request(
        signed_in(200, 403, NORTHWIND_REPLIERS, method="post", args=northwind_request)
    ),
    # Nothing chosen: the reply box comes back saying so; nothing is sent either way.
    "client_requests:reply_insert": on_northwind_request(
        signed_in(200, 403, NORTHWIND_REPLIERS, method="post", args=northwind_request)
    ),
    "client_requests:attachment": on_northwind_request(
        signed_in(200, 403, SEES_NORTHWIND, args=northwind_attachment)
    ),
    "client_requests:sla_settings": signed_in(200, 403, OWNER_ADMIN),
    "client_requests:holiday_add": signed_in(200, 403, OWNER_ADMIN, method="post"),
    "client_requests:holiday_remove": signed_in(
        302, 403, OWNER_ADMIN, method="post", args=a_holiday
    ),
    "client_requests:types": signed_in(200, 403, OWNER_ADMIN),
    "client_requests:type_create": signed_in(200, 403, OWNER_ADMIN),
    "client_requests:type_field_row": signed_in(200, 403, OWNER_ADMIN, data={"index": "2"}),
    "client_requests:type_edit": signed_in(200, 403, OWNER_ADMIN, args=support_type),
    "client_requests:type_active": signed_in(
        302, 403, OWNER_ADMIN, method="post", args=support_type
    ),
    # The API (tests/test_requests_api.py walks API_MORE_CASES below).
    "api-requests": api(200, 200, SIGNED_IN_HERE),
    "api-request": on_northwind_request(api(200, 403, SEES_NORTHWIND, args=northwind_request)),
    "api-request-replies": on_northwind_request(
        api(200, 403, SEES_NORTHWIND, args=northwind_request)
    ),
    "api-request-notes": on_northwind_request(api(200, 403, TEAM, args=northwind_request)),
    "api-request-attachments": on_northwind_request(
        api(200, 403, SEES_NORTHWIND, args=northwind_request)
    ),
    "api-request-attachment-download": on_northwind_request(
        api(200, 403, SEES_NORTHWIND, args=northwind_attachment)
    ),
    "api-request-types": api(200, 200, SIGNED_IN_HERE),
}

# Second methods and second objects of the routes above (the matrix holds one case per
# route); tests/test_requests_pages.py walks them.
MORE_CASES = {
    "new (post)": ("client_requests:new", signed_in(200, 403, SUBMITTERS, method="post")),
    "sla_settings (post)": (
        "client_requests:sla_settings",
        signed_in(200, 403, OWNER_ADMIN, method="post"),
    ),
    "type_create (post)": (
        "client_requests:type_create",
        signed_in(200, 403, OWNER_ADMIN, method="post"),
    ),
    "type_edit (post)": (
        "client_requests:type_edit",
        signed_in(200, 403, OWNER_ADMIN, method="post", args=support_type),
    ),
    # A note's file exists only for the team: Northwind's people get a 404, not a 403.
    "internal attachment": (
        "client_requests:attachment",
        signed_in(200, 404, TEAM, args=internal_attachment),
    ),
}

# The API's second methods and second objects. The matrix sends an empty JSON body, so whoever
# may write gets field errors (400), an empty PATCH changes nothing (200), and the attachments
# upload, which takes multipart only, answers 415 once access is granted.
API_MORE_CASES = {
    "requests (post)": ("api-requests", api(400, 403, SUBMITTERS, method="post")),
    "request (patch)": (
        "api-request",
        on_northwind_request(api(200, 403, TEAM, method="patch", args=northwind_request)),
    ),
    "replies (post)": (
        "api-request-replies",
        on_northwind_request(
            api(400, 403, NORTHWIND_REPLIERS, method="post", args=northwind_request)
        ),
    ),
    "notes (post)": (
        "api-request-notes",
        on_northwind_request(api(400, 403, TEAM, method="post", args=northwind_request)),
    ),
    "attachments (post)": (
        "api-request-attachments",
        on_northwind_request(
            api(415, 403, NORTHWIND_REPLIERS, method="post", args=northwind_request)
        ),
    ),
    # A note's file exists only for the team: Northwind's people get a 404, not a 403.
    "internal attachment download": (
        "api-request-attachment-download",
        api(200, 404, TEAM, args=internal_attachment),
    ),
}
