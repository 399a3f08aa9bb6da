"""A new agency's first minutes in a real browser: signup lands on the first-run checklist
(no row of zero tiles), a step ticks itself off when done, the welcome email arrives in the
development mailbox with working links, and the checklist can be put away. At 390 and 1280
px: no horizontal overflow, no axe violations; screenshots go to docs/screenshots/."""

import re
import time

from django.conf import settings
from playwright.sync_api import expect

from tests.browser.pages import check_page
from tests.browser.test_signup_flow import fill_signup
from tests.processes import outbox_files

PLATFORM = settings.PLATFORM_DOMAIN
HOST = f"firstco.{PLATFORM}"


def on_host(path: str) -> re.Pattern:
    """An absolute URL of ``path`` on the new agency's host, any port (slashes escaped for
    Playwright, which passes the pattern on as /source/)."""
    return re.compile(rf"^http://{re.escape(HOST)}:\d+{re.escape(path)}$".replace("/", r"\/"))


def steps_done(page) -> str:
    return page.locator("#checklist .heading-row .badge").inner_text()


def test_a_new_agency_is_guided_welcomed_and_can_put_the_guide_away(
    new_page, live_url, restore_agencies, celery_worker
):
    owner = new_page()
    owner.set_viewport_size({"width": 1280, "height": 900})
    owner.goto(live_url(PLATFORM, "/signup/"))
    fill_signup(
        owner,
        agency_name="Firstco",
        subdomain="firstco",
        owner_name="Fay First",
        owner_email="fay@firstco.example",
        password="plum-velvet-harbour-42",
    )
    expect(owner).to_have_url(live_url(HOST, "/"))

    checklist = owner.locator("#checklist")
    expect(
        checklist.get_by_role("heading", name="Get Firstco ready for your clients")
    ).to_be_visible()
    assert steps_done(owner) == "0 of 4 done"
    expect(owner.locator(".counter")).to_have_count(0)  # no tiles of zeros
    expect(owner.get_by_text("Nothing here.")).to_have_count(0)
    expect(owner.get_by_text("No requests waiting for an answer.")).to_be_visible()
    check_page(owner, "first-run-home")

    # A step is done where it is done, and ticks itself off.
    owner.set_viewport_size({"width": 1280, "height": 900})
    checklist.get_by_role("link", name="Add your first client").click()
    owner.get_by_label("Name").fill("Northwind")
    owner.get_by_role("button", name="Add company").click()
    owner.goto(live_url(HOST, "/"))
    assert steps_done(owner) == "1 of 4 done"
    expect(owner.locator("#step-client")).to_contain_text("Done")

    # The welcome email, sent by the worker after signup, waits in the development mailbox.
    mailbox = new_page()
    mailbox.set_viewport_size({"width": 1280, "height": 900})
    subject = "Welcome to Firstco: your workspace is ready"
    # The worker may first be topping up the spare schemas that signup drew from.
    deadline = time.monotonic() + 240
    while not outbox_files("fay@firstco.example") and time.monotonic() < deadline:
        time.sleep(1)
    mailbox.goto(live_url(PLATFORM, "/dev/mail/"))
    mail = mailbox.locator("article.mail").filter(has=mailbox.get_by_role("heading", name=subject))
    expect(mail).to_contain_text("To fay@firstco.example")
    # (The worker builds links with the default port, not this test server's.)
    expect(mail.get_by_role("link", name=on_host("/"))).to_have_attribute("href", on_host("/"))
    mail.get_by_text("The email as sent").click()
    framed = mailbox.frame_locator(f"article.mail:has-text('{subject}') iframe")
    expect(framed.get_by_role("link", name="Open your workspace")).to_be_visible()
    expect(framed.get_by_role("link", name="Add your first client")).to_have_attribute(
        "href", on_host("/clients/new/")
    )
    check_page(mailbox, "dev-mailbox")

    # The owner puts the checklist away; the dashboard takes its place.
    owner.get_by_role("button", name="Dismiss the checklist").click()
    expect(owner.locator(".messages")).to_contain_text("put away for the whole team")
    expect(owner.locator("#checklist")).to_have_count(0)
    expect(owner.locator(".counter").first).to_be_visible()
