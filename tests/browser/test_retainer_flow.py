"""The owner sets Northwind's retainer and logs time on one of its requests; Northwind's
client admin sees hours used and remaining on their dashboard: at phone and desktop widths,
no overflow, no axe violations."""

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.people.models import ClientCompany
from tenant_apps.timesheets.models import Retainer
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.browser.test_request_update_flow import northwind_request  # noqa: F401
from tests.browser.test_requests_flow import ACME, sign_in


@pytest.fixture
def no_retainer(django_db_blocker):
    """Northwind without a retainer before and after (its time goes with its request)."""

    def remove():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            Retainer.objects.filter(company=ClientCompany.objects.get(name="Northwind")).delete()

    _with_database(django_db_blocker, remove)
    yield
    _with_database(django_db_blocker, remove)


def test_the_team_sets_a_retainer_and_logs_time_and_the_client_sees_what_is_left(
    new_page,
    live_url,
    northwind_request,  # noqa: F811  (the fixture imported above)
    no_retainer,
):
    team = new_page()
    sign_in(team, live_url, "owner@acme.example")
    team.goto(live_url(ACME, "/settings/retainers/"))
    team.get_by_label("Client company").select_option(label="Northwind")
    team.get_by_label("Hours per month").fill("10")
    team.get_by_label("Unused hours").select_option(label="Unused hours carry over, up to a cap")
    team.get_by_label("Most hours carried over").fill("4")
    team.get_by_role("button", name="Set retainer").click()
    expect(team.get_by_text("Northwind's retainer is set.")).to_be_visible()
    row = team.locator("#retainers tr:has(th:text-is('Northwind'))")
    expect(row).to_contain_text("10 h a month")
    check_page(team, "team-retainers")

    team.goto(live_url(ACME, f"/requests/{northwind_request}/time/"))
    team.get_by_label("Minutes").fill("150")
    team.get_by_label("Note").fill("Sharper banner exports")
    team.get_by_role("button", name="Log time").click()
    expect(team.get_by_text("Logged 2 h 30 min.")).to_be_visible()
    expect(team.locator("#time-entries")).to_contain_text("Sharper banner exports")
    check_page(team, "team-request-time")

    client = new_page()
    sign_in(client, live_url, "ca@northwind.example")
    card = client.locator("#retainer")
    expect(card).to_contain_text("Hours this month")
    expect(card).to_contain_text("2 h 30 min used of 10 h")
    expect(card).to_contain_text("7 h 30 min remaining.")
    check_page(client, "client-dashboard-retainer")
