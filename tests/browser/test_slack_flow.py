"""An owner connects a Slack channel for one client from the webhooks page, sends a test
message that a Slack stand-in on loopback receives (through the Celery worker), and sees the
channel only by its hint: at phone and desktop widths, no overflow, no axe violations."""

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.webhooks.models import Endpoint
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.browser.test_requests_flow import ACME, sign_in
from tests.processes import wait_until
from tests.test_webhooks_slack import SlackStandIn


@pytest.fixture
def slack(django_db_blocker):
    """The stand-in; the endpoints the test made are removed afterwards."""
    with SlackStandIn() as stand_in:
        yield stand_in

    def remove():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            Endpoint.objects.filter(kind="slack").delete()

    _with_database(django_db_blocker, remove)


def test_an_owner_connects_slack_for_one_client_and_sends_a_test_message(
    new_page, live_url, celery_worker, slack
):
    page = new_page()
    sign_in(page, live_url, "owner@acme.example")
    page.goto(live_url(ACME, "/settings/webhooks/"))
    page.get_by_label("A Slack channel").check()
    page.get_by_label("URL").fill(slack.url)
    page.get_by_label("Client").select_option(label="Northwind")
    page.get_by_label("A request is at risk of missing its promise").check()
    page.get_by_label("An invoice is paid").check()
    page.get_by_role("button", name="Add webhook").click()

    expect(page.get_by_text("Slack channel connected.")).to_be_visible()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Slack: 127.0.0.1:")
    expect(page.get_by_text("Only about Northwind, never internal items")).to_be_visible()
    # Nothing about signing secrets for a Slack channel, and the URL itself never shown.
    expect(page.get_by_role("button", name="Make a new secret")).to_have_count(0)
    assert slack.url not in page.content()
    check_page(page, "team-webhook-slack")

    page.get_by_role("button", name="Send a test message").click()
    wait_until(lambda: len(slack.messages) == 1, seconds=60)
    assert slack.messages[0]["text"] == (
        "Test message from your client portal: this channel is connected."
    )
    page.reload()
    expect(page.locator("table.deliveries")).to_contain_text("Delivered")
