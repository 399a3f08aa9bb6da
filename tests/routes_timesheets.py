"""Matrix entries for the time and retainers routes (see tests/access_matrix.py), and a
helper the timesheets tests share."""

from decimal import Decimal

from django_tenants.utils import tenant_context

from tenant_apps.timesheets.actions import retainer_set
from tests.access_matrix import TEAM, api, signed_in
from tests.routes_people import OWNER_ADMIN, hiding, northwind
from tests.routes_requests import northwind_request

NORTHWIND_PEOPLE = [*TEAM, "client_admin", "approver", "finance", "viewer"]


def northwind_retainer(world) -> tuple:
    # Made afresh for each check; the test's transaction rolls it back.
    with tenant_context(world.acme):
        retainer_set(
            company=world.northwind,
            hours_per_month=Decimal(10),
            rollover="none",
            actor=world.personas["owner"].user,
        )
    return (world.northwind.pk,)


# Time is the team's: client people (any company) are refused before any request is looked
# up. The matrix posts no form fields: the time page answers a post with its errors (200).
TENANT_ROUTES = {
    "timesheets:request": signed_in(200, 403, TEAM, args=northwind_request),
    "timesheets:timer_start": signed_in(302, 403, TEAM, method="post", args=northwind_request),
    "timesheets:timer_stop": signed_in(302, 403, TEAM, method="post"),
    "timesheets:invoice": signed_in(200, 403, TEAM),
    "timesheets:retainers": signed_in(200, 403, OWNER_ADMIN),
    "timesheets:retainer_remove": signed_in(
        302, 403, OWNER_ADMIN, method="post", args=northwind_retainer
    ),
    "api-request-time": api(200, 403, TEAM, args=northwind_request),
    "api-timer-start": api(201, 403, TEAM, method="post", args=northwind_request),
    "api-timer": api(200, 403, TEAM),
    # Nobody's timer runs: a 400 saying so.
    "api-timer-stop": api(400, 403, TEAM, method="post"),
    "api-retainers": api(200, 403, OWNER_ADMIN),
    # No fields posted: a 400 for the team who see Northwind; Southwind's client admin is
    # refused as every client is, before the company is looked up.
    "api-time-invoice": api(400, 403, TEAM, method="post", args=northwind),
    # Northwind's month: its own people and the team; Southwind's client admin finds none.
    "api-company-retainer": hiding(
        api(200, 403, NORTHWIND_PEOPLE, args=northwind_retainer), "other_company"
    ),
}
PUBLIC_ROUTES: dict = {}

# Second methods of the routes above; tests/test_timesheets.py walks them.
MORE_CASES = {
    "request time (post)": (
        "timesheets:request",
        signed_in(200, 403, TEAM, method="post", args=northwind_request),
    ),
    "invoice time (post)": ("timesheets:invoice", signed_in(200, 403, TEAM, method="post")),
    "retainers (post)": ("timesheets:retainers", signed_in(200, 403, OWNER_ADMIN, method="post")),
    "request time entries (post)": (
        "api-request-time",
        api(400, 403, TEAM, method="post", args=northwind_request),
    ),
    "company retainer (put)": (
        "api-company-retainer",
        api(400, 403, OWNER_ADMIN, method="put", args=northwind_retainer),
    ),
    "company retainer (delete)": (
        "api-company-retainer",
        api(204, 403, OWNER_ADMIN, method="delete", args=northwind_retainer),
    ),
}
