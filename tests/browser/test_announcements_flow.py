"""An operator publishes an announcement in the console; the agency's owner and a client see
it at the top of their pages and dismiss it."""

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from operators.models import Announcement, AnnouncementDismissal
from operators.roles import Role
from tests.browser.conftest import _with_database
from tests.browser.operator_sessions import operator_session
from tests.browser.pages import check_page
from tests.conftest import OPERATOR_EMAILS, PASSWORD

ACME = "acme.localhost"
TITLE = "Maintenance on Sunday night"


@pytest.fixture
def no_announcements(django_db_blocker):
    def clear():
        AnnouncementDismissal.objects.all().delete()
        Announcement.objects.all().delete()

    _with_database(django_db_blocker, clear)
    yield
    _with_database(django_db_blocker, clear)


def sign_in(page, live_url, email):
    page.goto(live_url(ACME, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.usefixtures("no_announcements")
def test_published_in_the_console_then_seen_and_dismissed_in_the_portal(
    new_page, live_url, django_db_blocker
):
    console = new_page()
    operator_session(console, django_db_blocker, OPERATOR_EMAILS[Role.ADMIN])
    console.goto(live_url(settings.PLATFORM_DOMAIN, "/operator/announcements/"))
    expect(console.get_by_text("No announcements yet.")).to_be_visible()

    console.get_by_role("link", name="New announcement").click()
    today = timezone.localdate()
    console.get_by_label("Title").fill(TITLE)
    console.get_by_label("Message").fill("The portal is read-only from 02:00 to 03:00 UTC.")
    check_page(console, "operator-announcement-new")
    console.get_by_label("Starts on").fill(today.isoformat())
    console.locator("#id_starts_time").fill("00:00")
    console.get_by_label("Ends on").fill((today + timezone.timedelta(days=2)).isoformat())
    console.locator("#id_ends_time").fill("23:00")
    console.get_by_role("button", name="Publish").click()
    expect(console.get_by_text("The announcement is published.")).to_be_visible()
    expect(console.get_by_role("heading", name=TITLE)).to_be_visible()
    check_page(console, "operator-announcements")

    owner = new_page()
    sign_in(owner, live_url, "owner@acme.example")
    banner = owner.get_by_role("region", name="Announcements from Client Portal")
    expect(banner.get_by_role("heading", name=TITLE)).to_be_visible()
    check_page(owner, "team-announcement")
    banner.get_by_role("button", name=f"Dismiss “{TITLE}”").click()
    expect(owner.get_by_role("heading", name=TITLE)).to_have_count(0)
    owner.reload()
    expect(owner.get_by_role("heading", name=TITLE)).to_have_count(0)

    client = new_page()
    sign_in(client, live_url, "ca@northwind.example")
    expect(client.get_by_role("heading", name=TITLE)).to_be_visible()
    check_page(client, "client-announcement")

    console.get_by_role("button", name=f"Take down “{TITLE}”").click()
    expect(console.get_by_text("is taken down")).to_be_visible()
    client.reload()
    expect(client.get_by_role("heading", name=TITLE)).to_have_count(0)
