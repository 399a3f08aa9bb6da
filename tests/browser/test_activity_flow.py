"""The activity history in a real browser, at a phone's width and a laptop's: the owner reads
the workspace log in sentences linking the items, a client reads their own activity with their
sign-ins folded into one line; both fit, pass axe, and are screenshotted (tests/browser/pages.py).
"""

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenant_apps.activity.actions import activity_record
from tenant_apps.client_requests.actions import request_status_change, request_submit
from tenant_apps.client_requests.models import RequestType
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.conftest import ACME_PEOPLE, PASSWORD

HOST = "acme.localhost"
CLIENT_ADMIN = ACME_PEOPLE["client_admin"][0]


@pytest.fixture
def history(django_db_blocker):
    """A request moved along, and a client who signed in three times today."""

    def make():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            client_admin = User.objects.get(email=CLIENT_ADMIN)
            client_request = request_submit(
                actor=client_admin,
                company=ClientCompany.objects.get(name="Northwind"),
                type=RequestType.objects.get(key="support"),
                title="Booking widget",
                details="The booking widget should show next week too.",
                priority="normal",
                files=[],
            )
            request_status_change(
                client_request=client_request,
                status="in_progress",
                actor=User.objects.get(email="owner@acme.example"),
            )
            for _ in range(3):
                activity_record(action="auth.signed_in", actor=client_admin, target=client_admin)
            return client_request.pk

    return _with_database(django_db_blocker, make)


def sign_in(page, live_url, email):
    page.goto(live_url(HOST, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_the_activity_pages_read_as_sentences_on_a_phone_and_a_laptop(new_page, live_url, history):
    request_id = history
    owner = new_page()
    sign_in(owner, live_url, "owner@acme.example")
    owner.goto(live_url(HOST, "/activity/workspace/"))
    moved = owner.get_by_text("Acme Owner moved", exact=False).first
    expect(moved).to_contain_text("to In progress")
    expect(moved.get_by_role("link")).to_have_attribute("href", f"/requests/{request_id}/")
    check_page(owner, "activity-workspace")

    client = new_page()
    sign_in(client, live_url, CLIENT_ADMIN)
    client.goto(live_url(HOST, "/activity/"))
    folded = client.locator("ol.log li", has_text="signed in").first
    expect(folded).to_contain_text("times")  # three and this one: one line
    expect(client.get_by_label("Sign-ins and sign-outs")).to_have_value("folded")
    check_page(client, "activity-mine-client")
