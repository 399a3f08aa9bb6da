"""The main pages, team and client side, through ``check_page`` at 390 and 1280 px: no
horizontal scrolling, no axe-core WCAG 2.2 A/AA violation, no console or CSP error, and a
screenshot of each under docs/screenshots/.

The pages are the demo agency's (seed_demo: months of requests, files, approvals, invoices
and messages), so they are seen full, as people use them. Detail pages are reached by
following the first link of their kind on the list, as a person would. Every page is
checked and what fails is reported together.
"""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.pages import HEIGHTS, assert_fits, check_page
from tests.browser.test_dashboards_flow import (
    CLIENT_ADMIN,
    HOST,
    OWNER,
    sign_in,
)
from tests.conftest import PASSWORD

ACME = "acme.localhost"

# (screenshot name, path) of the team's pages; a regex path is the first link matching it on
# the page before.
TEAM_PAGES = [
    ("team-home", "/"),
    ("team-requests", "/requests/"),
    ("team-request", re.compile(r"^/requests/\d+/$")),
    ("team-request-new", "/requests/new/"),
    ("team-documents", "/documents/"),
    ("team-document-space", re.compile(r"^/documents/clients/\d+/$")),
    ("team-document", re.compile(r"^/documents/\d+/$")),
    ("team-approvals", "/approvals/"),
    ("team-approval", re.compile(r"^/approvals/\d+/$")),
    ("team-invoices", "/invoices/"),
    ("team-invoice", re.compile(r"^/invoices/\d+/$")),
    ("team-messages", "/messages/"),
    ("team-thread", re.compile(r"^/messages/\d+/$")),
    ("team-projects", "/projects/"),
    ("team-reports", "/reports/"),
    ("team-activity", "/activity/"),
    ("team-workspace-log", "/activity/workspace/"),
    ("team-team", "/team/"),
    ("team-clients", "/clients/"),
    ("team-company", re.compile(r"^/clients/\d+/$")),
    ("team-branding", "/settings/brand/"),
    ("team-billing", "/billing/"),
    ("team-webhooks", "/settings/webhooks/"),
    ("team-request-settings", "/requests/settings/sla/"),
    ("team-request-tags", "/requests/settings/tags/"),
    ("team-saved-views", "/requests/views/"),
    ("team-invoicing", "/invoices/settings/"),
    ("team-tax-rates", "/invoices/settings/tax-rates/"),
    ("team-account", "/account/"),
    ("team-notifications", "/notifications/"),
]
CLIENT_PAGES = [
    ("client-home", "/"),
    ("client-requests", "/requests/"),
    ("client-request", re.compile(r"^/requests/\d+/$")),
    ("client-request-new", "/requests/new/"),
    ("client-documents", "/documents/"),
    ("client-document", re.compile(r"^/documents/\d+/$")),
    ("client-approvals", "/approvals/"),
    ("client-approval", re.compile(r"^/approvals/\d+/$")),
    ("client-invoices", "/invoices/"),
    ("client-invoice", re.compile(r"^/invoices/\d+/$")),
    ("client-messages", "/messages/"),
    ("client-thread", re.compile(r"^/messages/\d+/$")),
    ("client-projects", "/projects/"),
    ("client-account", "/account/"),
]

_HREFS = "() => [...document.querySelectorAll('main a[href]')].map((a) => a.getAttribute('href'))"


def sweep(page, live_url, pages) -> list[str]:
    failures = []
    for name, where in pages:
        if isinstance(where, re.Pattern):
            links = [href for href in page.evaluate(_HREFS) if where.match(href)]
            if not links:
                failures.append(f"{name}: no link matching {where.pattern} on {page.url}")
                continue
            where = links[0]
        page.goto(live_url(HOST, where))
        try:
            check_page(page, name)
        except AssertionError as failure:
            failures.append(str(failure))
    return failures


@pytest.mark.usefixtures("demo")
def test_the_main_pages_fit_every_screen_and_pass_axe(new_page, live_url):
    public = new_page()
    failures = []
    for name, url in [
        ("landing", live_url(settings.PLATFORM_DOMAIN, "/")),
        ("signup", live_url(settings.PLATFORM_DOMAIN, "/signup/")),
        ("sign-in", live_url(HOST, "/auth/login/")),
    ]:
        public.goto(url)
        try:
            check_page(public, name)
        except AssertionError as failure:
            failures.append(str(failure))

    team = new_page()
    sign_in(team, live_url, OWNER)
    failures += sweep(team, live_url, TEAM_PAGES)

    client = new_page()
    sign_in(client, live_url, CLIENT_ADMIN)
    failures += sweep(client, live_url, CLIENT_PAGES)
    assert not failures, f"{len(failures)} page(s) failed:\n\n" + "\n\n".join(failures)


def sign_in_at_acme(page, live_url, email):
    page.goto(live_url(ACME, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_the_menu_opens_closes_on_escape_and_gives_focus_back(new_page, live_url):
    team = new_page()
    team.set_viewport_size({"width": 390, "height": 844})
    sign_in_at_acme(team, live_url, "owner@acme.example")
    team.goto(live_url(ACME, "/requests/"))
    menu = team.get_by_role("button", name="Menu")
    nav = team.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Branding")).to_be_visible()
    expect(nav.locator("[aria-current=page]")).to_have_text("Requests")
    team.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()
    # On a laptop the sidebar is always there and there is no menu button.
    team.set_viewport_size({"width": 1280, "height": 800})
    expect(nav.get_by_role("link", name="Branding")).to_be_visible()
    expect(menu).to_be_hidden()

    client = new_page()
    client.set_viewport_size({"width": 390, "height": 844})
    sign_in_at_acme(client, live_url, "ca@northwind.example")
    shortcuts = client.get_by_role("navigation", name="Shortcuts")
    for name in ("Home", "Requests", "Approvals", "Messages"):
        box = shortcuts.get_by_role("link", name=name).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (name, box)
    more = shortcuts.get_by_role("button", name="More")
    more.click()
    main_nav = client.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Northwind")).to_be_visible()
    expect(main_nav.get_by_role("link", name="Home")).to_be_focused()
    client.keyboard.press("Escape")
    expect(more).to_be_focused()
    expect(main_nav).to_be_hidden()


def test_a_tablet_and_a_wide_screen_never_scroll_sideways(new_page, live_url):
    for email, paths in [
        ("owner@acme.example", ["/", "/requests/", "/settings/brand/", "/team/"]),
        ("ca@northwind.example", ["/", "/requests/", "/approvals/"]),
    ]:
        page = new_page()
        sign_in_at_acme(page, live_url, email)
        for path in paths:
            page.goto(live_url(ACME, path))
            for width in (768, 1920):
                page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
                assert_fits(page, f"{path} for {email} at {width}px")


# Every URL in the service worker's caches, by cache name.
_CACHED = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    found[name] = (await cache.keys()).map((request) => new URL(request.url).pathname);
  }
  return found;
}"""


def test_the_service_worker_keeps_only_the_shell_of_its_own_agency(new_page, live_url):
    page = new_page()
    sign_in_at_acme(page, live_url, "owner@acme.example")
    page.goto(live_url(ACME, "/requests/"))
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == live_url(ACME, "/")
    page.goto(live_url(ACME, "/documents/"))  # a page seen under the worker's control
    cached = page.evaluate(_CACHED)
    [(name, paths)] = cached.items()
    assert name.startswith("portal-shell-") and "acme" in name  # the agency's schema
    assert "/offline/" in paths and "/static/css/portal.css" in paths
    assert all(path.startswith("/static/") or path == "/offline/" for path in paths), paths

    # Offline, a page is the offline page, in the agency's name.
    page.context.set_offline(True)
    page.goto(live_url(ACME, "/requests/"))
    expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    page.context.set_offline(False)
