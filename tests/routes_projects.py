"""Matrix entries for the projects routes and the dashboard's API (see tests/access_matrix.py),
and the builders of the milestones they act on."""

from django_tenants.utils import tenant_context

from tenant_apps.projects.actions import milestone_post
from tenant_apps.projects.models import Milestone
from tests.access_matrix import SIGNED_IN_HERE, TEAM, api, signed_in
from tests.routes_people import SEES_NORTHWIND, hiding, northwind


def post_milestone(world, *, company=None, by="staff", **fields) -> Milestone:
    """A milestone posted by ``by`` for Northwind unless told otherwise."""
    with tenant_context(world.acme):
        return milestone_post(
            company=company or world.northwind,
            title=fields.pop("title", "Homepage design"),
            actor=world.personas[by].user,
            **fields,
        )


def northwind_milestone(world) -> tuple:
    # Made afresh for each check; the test's transaction rolls it back.
    return (post_milestone(world).pk,)


def on_northwind(case):
    """``case`` on Northwind or one of its milestones: Southwind's client admin never learns
    it exists."""
    return hiding(case, "other_company")


# Pages are posted without form fields: the team gets the form back with its errors (400),
# or, for removal, which needs none, a redirect.
TENANT_ROUTES = {
    "projects:list": signed_in(200, 200, SIGNED_IN_HERE),
    "projects:company": on_northwind(signed_in(200, 403, SEES_NORTHWIND, args=northwind)),
    "projects:create": on_northwind(signed_in(200, 403, TEAM, args=northwind)),
    "projects:milestone": on_northwind(
        signed_in(200, 403, SEES_NORTHWIND, args=northwind_milestone)
    ),
    "projects:status": on_northwind(
        signed_in(400, 403, TEAM, method="post", args=northwind_milestone)
    ),
    "projects:move": on_northwind(
        signed_in(400, 403, TEAM, method="post", args=northwind_milestone)
    ),
    "projects:remove": on_northwind(
        signed_in(302, 403, TEAM, method="post", args=northwind_milestone)
    ),
    "weekly_report:settings": signed_in(200, 403, ["owner"]),
    # Without ?company= the owner is asked to choose one (400).
    "weekly_report:preview": signed_in(400, 403, ["owner"]),
    "api-milestones": api(200, 200, SIGNED_IN_HERE),
    "api-milestone": on_northwind(api(200, 403, SEES_NORTHWIND, args=northwind_milestone)),
    "api-milestone-move": on_northwind(
        api(400, 403, TEAM, method="post", args=northwind_milestone)
    ),
    "api-weekly-report": api(200, 403, ["owner"]),
    "api-dashboard": api(200, 200, SIGNED_IN_HERE),
}
PUBLIC_ROUTES: dict = {}

# Second methods of the routes above (the matrix holds one case per route);
# tests/test_projects_pages.py and tests/test_projects_api.py walk them.
MORE_CASES = {
    "create (post)": (
        "projects:create",
        on_northwind(signed_in(400, 403, TEAM, method="post", args=northwind)),
    ),
    "milestone (post)": (
        "projects:milestone",
        on_northwind(signed_in(400, 403, TEAM, method="post", args=northwind_milestone)),
    ),
    "weekly_report (post)": (
        "weekly_report:settings",
        signed_in(302, 403, ["owner"], method="post"),
    ),
}
API_MORE_CASES = {
    "milestones (post)": ("api-milestones", api(400, 403, TEAM, method="post")),
    "milestone (patch)": (
        "api-milestone",
        on_northwind(api(200, 403, TEAM, method="patch", args=northwind_milestone)),
    ),
    "milestone (delete)": (
        "api-milestone",
        on_northwind(api(204, 403, TEAM, method="delete", args=northwind_milestone)),
    ),
    "weekly report (put)": ("api-weekly-report", api(400, 403, ["owner"], method="put")),
}
