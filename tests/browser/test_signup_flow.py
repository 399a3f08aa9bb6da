"""A visitor signs up in a real browser and lands signed in on their new workspace."""

import re

from django.conf import settings
from playwright.sync_api import expect

PLATFORM = settings.PLATFORM_DOMAIN
AGENCY_HOST = f"browserco.{PLATFORM}"


def field(page, label):
    """The form row holding the input labelled ``label``: its help text and errors."""
    return page.locator(".field").filter(has=page.get_by_label(label, exact=True))


def fill_signup(page, *, agency_name, subdomain, owner_name, owner_email, password):
    page.get_by_label("Agency name").fill(agency_name)
    page.get_by_label("Subdomain").fill(subdomain)
    page.get_by_label("Your name").fill(owner_name)
    page.get_by_label("Your work email").fill(owner_email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create portal").click()


def test_signup_explains_bad_fields_then_lands_signed_in_once(
    page, new_page, live_url, restore_agencies
):
    page.goto(live_url(PLATFORM, "/signup/"))
    fill_signup(
        page,
        agency_name="",
        subdomain="Browser Co",
        owner_name="Bea Browser",
        owner_email="bea@",
        password="12345",
    )

    expect(page).to_have_url(live_url(PLATFORM, "/signup/"))
    expect(field(page, "Agency name").locator(".error p")).to_have_text(["This field is required."])
    expect(field(page, "Subdomain").locator(".error p")).to_have_text([re.compile("lowercase")])
    expect(field(page, "Your name").locator(".error p")).to_have_count(0)
    expect(field(page, "Your work email").locator(".error p")).to_have_text(
        [re.compile("valid email")]
    )
    expect(field(page, "Password").locator(".error p")).to_have_text(
        [re.compile("too short"), re.compile("too common"), re.compile("entirely numeric")]
    )
    # What was typed survives the round trip, except the password.
    expect(page.get_by_label("Subdomain")).to_have_value("Browser Co")
    expect(page.get_by_label("Your name")).to_have_value("Bea Browser")
    expect(page.get_by_label("Password")).to_have_value("")

    with page.expect_response(re.compile(r"/auth/handoff/")) as handoff:
        fill_signup(
            page,
            agency_name="Browser Co",
            subdomain="browserco",
            owner_name="Bea Browser",
            owner_email="bea@browserco.example",
            password="plum-velvet-harbour-42",
        )
    handoff_url = handoff.value.url
    assert handoff_url.startswith(live_url(AGENCY_HOST, "/auth/handoff/"))

    expect(page).to_have_url(live_url(AGENCY_HOST, "/"))
    expect(page.get_by_role("heading", name="Welcome to Browser Co")).to_be_visible()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Bea Browser")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.screenshot(path="/tmp/signup_landed.png", full_page=True)

    # The link is spent: neither the owner's browser nor anyone else's gets in with it again.
    stranger = new_page()
    for browser_page in (page, stranger):
        response = browser_page.goto(handoff_url)
        assert response.status == 400
        expect(
            browser_page.get_by_role("heading", name="This sign-in link can't be used")
        ).to_be_visible()
        expect(browser_page.get_by_role("button", name="Sign out")).to_have_count(0)
    stranger.goto(live_url(AGENCY_HOST, "/"))
    expect(stranger).to_have_url(re.compile(re.escape(live_url(AGENCY_HOST, "/auth/login/"))))

    page.goto(live_url(AGENCY_HOST, "/"))
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_url(AGENCY_HOST, "/auth/login/"))
