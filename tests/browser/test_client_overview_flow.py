"""The team's overview of one client, with the demo's months of history, in a real browser at
a phone's width and a laptop's: the owner goes from the clients list to Northwind Bakery's
overview, every section is there with its "View all" link, the health trend is drawn, the
page never scrolls sideways and axe finds no WCAG 2.2 AA violation. Screenshots go to
docs/screenshots/client-overview-390.png and -1280.png. A client admin who opens the same
address lands on their company's people page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import check_page
from tests.browser.test_dashboards_flow import (
    CLIENT_ADMIN,
    HOST,
    OWNER,
    sign_in,
)

COMPANY = "Northwind Bakery"
HEADINGS = [
    "Health",
    "Open requests",
    "Pending approvals",
    "Unpaid invoices",
    "Files",
    "Conversations",
    "Milestones",
    "People",
]


@pytest.mark.usefixtures("demo")
def test_the_team_reads_a_clients_overview_on_a_phone_and_a_laptop(new_page, live_url):
    team = new_page()
    team.set_viewport_size({"width": 1280, "height": 900})
    sign_in(team, live_url, OWNER)
    team.goto(live_url(HOST, "/clients/"))
    team.get_by_role("link", name=COMPANY).click()
    expect(team.get_by_role("heading", name=COMPANY, level=1)).to_be_visible()
    overview_url = team.url
    assert re.search(r"/clients/\d+/$", overview_url)
    for heading in HEADINGS:
        expect(team.get_by_role("heading", name=re.compile(f"^{heading}"))).to_be_visible()
    expect(team.locator("svg .trend-line")).to_be_visible()
    # Each section's whole list, filtered to the client.
    requests = team.get_by_role("link", name="View all open requests")
    expect(requests).to_have_attribute("href", re.compile(r"company=\d+"))

    team.goto(overview_url)
    expect(team.get_by_role("heading", name=COMPANY, level=1)).to_be_visible()
    check_page(team, "client-overview")

    # The people section leads to the company's people page.
    team.get_by_role("link", name="View all people").click()
    expect(team).to_have_url(re.compile(r"/clients/\d+/people/$"))
    expect(team.get_by_role("link", name=f"{COMPANY}'s overview")).to_be_visible()

    client = new_page()
    sign_in(client, live_url, CLIENT_ADMIN)
    client.goto(overview_url)
    expect(client).to_have_url(re.compile(r"/clients/\d+/people/$"))
    expect(client.get_by_role("heading", name=COMPANY, level=1)).to_be_visible()
    expect(client.get_by_text("Open requests")).to_have_count(0)
