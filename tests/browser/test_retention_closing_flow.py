"""An owner sets how long old records are kept, then closes the agency: the close page
offers the export first; afterwards a client sees, on every page, when the portal closes."""

from django.contrib.auth.hashers import make_password
from django.test import Client
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.signup.actions import agency_signup
from tenant_apps.people.actions import client_company_create, client_member_create
from tests.browser.conftest import _with_database
from tests.browser.operator_sessions import with_session
from tests.browser.pages import check_page
from tests.conftest import PASSWORD

HOST = "foldco.localhost"


def _owner_and_client_sessions(django_db_blocker) -> tuple[str, str]:
    def make():
        signup = agency_signup(
            name="Fold Co",
            subdomain="foldco",
            owner_name="Fay Owner",
            owner_email="owner@foldco.example",
            owner_password=PASSWORD,
        )
        owner, client = Client(HTTP_HOST=HOST), Client(HTTP_HOST=HOST)
        with tenant_context(signup.agency):
            company = client_company_create(name="Riverside", actor=signup.owner)
            member = client_member_create(
                email="cara@riverside.example",
                full_name="Cara Client",
                company=company,
                role="client_admin",
                password_hash=make_password(PASSWORD),
                actor=signup.owner,
            )
            owner.force_login(signup.owner)
            client.force_login(member.user)
        return owner.cookies["sessionid"].value, client.cookies["sessionid"].value

    return _with_database(django_db_blocker, make)


def test_an_owner_sets_retention_and_closes_the_agency_and_a_client_sees_the_date(
    new_page, live_url, restore_agencies, django_db_blocker
):
    owner_session, client_session = _owner_and_client_sessions(django_db_blocker)
    owner = with_session(new_page(), live_url(HOST), owner_session)

    owner.goto(live_url(HOST, "/"))
    owner.get_by_role("link", name="Retention").first.click()
    closed = owner.get_by_label("Keep closed requests for (days)")
    closed.fill("7")
    owner.get_by_role("button", name="Save").click()
    expect(owner.get_by_text("At least 30 days, or empty to keep them.")).to_be_visible()
    owner.get_by_label("Keep closed requests for (days)").fill("365")
    owner.get_by_role("button", name="Save").click()
    expect(owner.get_by_text("The retention settings are saved.")).to_be_visible()
    expect(owner.get_by_label("Keep closed requests for (days)")).to_have_value("365")
    check_page(owner, "retention-settings")

    owner.goto(live_url(HOST, "/billing/"))
    owner.get_by_role("link", name="Close the workspace…").click()
    content = owner.locator("#content")
    expect(content.get_by_role("link", name="Export everything")).to_have_attribute(
        "href", "/settings/export/"
    )
    check_page(owner, "agency-close")
    owner.get_by_label("Type the workspace's address name to confirm").fill("foldco")
    owner.get_by_label("Why are you closing it?").fill("We are retiring.")
    owner.get_by_role("button", name="Close the workspace").click()
    banner = owner.get_by_role("region", name="Scheduled deletion")
    expect(banner).to_contain_text("This workspace is scheduled for deletion on")
    expect(banner.get_by_role("button", name="Keep the workspace")).to_be_visible()

    client = with_session(new_page(), live_url(HOST), client_session)
    client.goto(live_url(HOST, "/"))
    banner = client.get_by_role("region", name="Scheduled deletion")
    expect(banner).to_contain_text("This portal is closing on")
    expect(banner.get_by_role("button")).to_have_count(0)
    check_page(client, "client-closing-banner")
