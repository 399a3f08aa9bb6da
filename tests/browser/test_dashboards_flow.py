"""The dashboards with the demo's months of history, in a real browser: seed_demo fills its two
agencies on the live server's database; the demo agency's owner and one of its client admins
open their home pages, every counter equals the list it links to, and screenshots of both go
to docs/screenshots/.

The demo is seeded once for every browser test that reads it (the ``demo`` fixture in
conftest.py), and dropped with its files after the last.
"""

import re
from pathlib import Path

from playwright.sync_api import expect

from tenant_apps.onboarding.demo_data import AGENCIES, DEMO_PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs/screenshots"
DEMO = AGENCIES[0]
HOST = f"{DEMO.subdomain}.localhost"
OWNER = DEMO.owner[1]
CLIENT_ADMIN = "hannah@northwind.example"  # Northwind Bakery's
COUNT_SHOWN = re.compile(r"^(\d+) (?:request|approval|invoice)s?$")


def sign_in(page, live_url, email):
    page.goto(live_url(HOST, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def counters(page) -> dict[str, tuple[int, str]]:
    """{label: (count, link)} of the dashboard's counters."""
    found = {}
    for counter in page.locator("a.counter").all():
        label = counter.locator(".label").inner_text()
        found[label] = (int(counter.locator(".count").inner_text()), counter.get_attribute("href"))
    return found


def count_on_list(page, live_url, href: str) -> int:
    """How many rows the list at ``href`` says it holds, to the person signed in."""
    page.goto(live_url(HOST, href))
    if "/documents/clients/" in page.url:
        # A client's space: the documents at its top and those its folders hold.
        rows = page.locator("tr[id^=document-]").count()
        folders = page.locator("tr.folder-row td.muted[colspan]").all_inner_texts()
        return rows + sum(int(text.split()[0]) for text in folders)
    for text in page.locator("p.muted").all_inner_texts():
        found = COUNT_SHOWN.match(text.strip())
        if found:
            return int(found.group(1))
    return 0


def each_counter_equals_its_list(page, live_url) -> dict[str, int]:
    page.goto(live_url(HOST, "/"))
    shown = counters(page)
    for label, (count, href) in shown.items():
        assert count_on_list(page, live_url, href) == count, (label, href)
    return {label: count for label, (count, _) in shown.items()}


def test_the_team_and_client_dashboards_show_the_demo_history(new_page, live_url, demo):
    team, client = new_page(), new_page()
    for page in (team, client):
        page.set_viewport_size({"width": 1280, "height": 900})

    sign_in(team, live_url, OWNER)
    for heading in (
        "Workload",
        "Next actions",
        "Clients needing attention",
        "Pending approvals",
        "Today's activity",
    ):
        expect(team.get_by_role("heading", name=re.compile(f"^{heading}"))).to_be_visible()
    # The quiet client who pays late is among those needing attention.
    attention = team.locator("section", has=team.get_by_role("heading", name="Clients needing"))
    expect(attention.get_by_role("link", name="Driftwood Legal")).to_be_visible()
    expect(team.locator("table.workload tbody tr").first).to_be_visible()
    team.screenshot(path=str(SCREENSHOTS / "team-dashboard.png"), full_page=True)
    figures = each_counter_equals_its_list(team, live_url)
    assert figures["Open requests"] > 0

    sign_in(client, live_url, CLIENT_ADMIN)
    for heading in ("Waiting on you", "Latest activity", "Project updates", "Payments"):
        expect(client.get_by_role("heading", name=heading)).to_be_visible()
    feed = client.locator("section", has=client.get_by_role("heading", name="Latest activity"))
    expect(feed.locator(".badge").first).to_be_visible()
    expect(client.get_by_text("Team notes")).to_have_count(0)  # the team's internal folder
    client.screenshot(path=str(SCREENSHOTS / "client-dashboard.png"), full_page=True)
    figures = each_counter_equals_its_list(client, live_url)
    assert set(figures) == {"Open requests", "Shared files", "Pending approvals"}
    assert figures["Shared files"] > 0
