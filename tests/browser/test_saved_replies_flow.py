"""A staff member saves a reply with variables, inserts it into a request's reply box (filled
from the request and the writer), edits nothing and sends it: at phone and desktop widths,
no overflow, no axe violations."""

import uuid

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.replies.models import SavedReply
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.browser.test_request_update_flow import northwind_request  # noqa: F401
from tests.browser.test_requests_flow import ACME, sign_in


@pytest.fixture
def reply_title(django_db_blocker):
    title = f"We're on it {uuid.uuid4().hex[:6]}"
    yield title

    def remove():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            SavedReply.objects.filter(title=title).delete()

    _with_database(django_db_blocker, remove)


def test_staff_save_a_reply_and_insert_it_filled_into_a_request(
    new_page,
    live_url,
    northwind_request,  # noqa: F811  (the fixture imported above)
    reply_title,
):
    page = new_page()
    sign_in(page, live_url, "staff@acme.example")
    page.goto(live_url(ACME, "/settings/replies/"))
    page.get_by_label("Title").fill(reply_title)
    page.get_by_label("Text").fill("Hi {client_name}, {agent_name} here: {request_number} is ours.")
    page.get_by_role("button", name="Save reply").click()
    expect(page.get_by_text("Reply saved.")).to_be_visible()
    expect(page.get_by_role("link", name=reply_title)).to_be_visible()
    check_page(page, "team-saved-replies")

    page.goto(live_url(ACME, f"/requests/{northwind_request}/"))
    page.get_by_label("Saved reply").select_option(label=reply_title)
    page.get_by_role("button", name="Insert").click()
    box = page.get_by_label("Reply to the client")
    expect(box).to_have_value(
        f"Hi Northwind, Acme Staff here: #{northwind_request} is ours.", timeout=10_000
    )
    check_page(page, "team-request-saved-reply")
    page.get_by_role("button", name="Send reply").click()
    timeline = page.locator("#request-timeline")
    expect(timeline).to_contain_text(f"Hi Northwind, Acme Staff here: #{northwind_request}")
    expect(box).to_have_value("")
