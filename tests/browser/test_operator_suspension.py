"""An operator suspends an agency from its page in the console; the agency's people see the
suspended page in its branding; the operator restores it and the portal is back.

The operator's session (signed in with two-factor) is made by the test client and handed to
the browser as its cookie (tests/browser/operator_sessions.py); signing in through the
console's own pages is tests/browser/test_operator_sign_in.py's."""

from django.contrib.auth.hashers import make_password
from django.test import Client
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from operators.roles import Role
from operators.suspension import agency_deletion_schedule
from shared_apps.signup.actions import agency_signup
from tenant_apps.people.actions import team_member_create
from tests.browser.conftest import _with_database
from tests.browser.operator_sessions import operator_session_key, with_session
from tests.browser.pages import check_page
from tests.conftest import OPERATOR_EMAILS, PASSWORD

PLATFORM = "localhost"
HOST = "haltco.localhost"


def _agency_and_sessions(django_db_blocker) -> tuple[int, str, str]:
    """A new agency with a staff member; the staff member's and the operator's session keys."""

    def make():
        signup = agency_signup(
            name="Halt Co",
            subdomain="haltco",
            owner_name="Hal Owner",
            owner_email="owner@haltco.example",
            owner_password=PASSWORD,
        )
        staff = Client(HTTP_HOST=HOST)
        with tenant_context(signup.agency):
            member = team_member_create(
                email="sam@haltco.example",
                full_name="Sam Staff",
                role="staff",
                password_hash=make_password(PASSWORD),
                actor=signup.owner,
            )
            staff.force_login(member.user)
        return (
            signup.agency.pk,
            staff.cookies["sessionid"].value,
            operator_session_key(OPERATOR_EMAILS[Role.ADMIN]),
        )

    return _with_database(django_db_blocker, make)


def test_an_operator_suspends_and_restores_an_agency(
    new_page, live_url, restore_agencies, django_db_blocker
):
    agency_id, staff_session, operator_session = _agency_and_sessions(django_db_blocker)
    console = with_session(new_page(), live_url(PLATFORM), operator_session)
    staff = with_session(new_page(), live_url(HOST), staff_session)
    staff.goto(live_url(HOST, "/"))
    expect(staff.get_by_role("button", name="Sign out")).to_be_visible()

    console.goto(live_url(PLATFORM, f"/operator/agencies/{agency_id}/"))
    panel = console.get_by_role("region", name="Suspension and deletion")
    expect(panel).to_contain_text("Open")
    check_page(console, "operator-agency-suspension")
    # A mistyped confirmation: the panel again, with the error beside the field.
    panel.get_by_label("Reason").nth(1).fill("Asked by the owner by email.")
    panel.get_by_label("Type the agency's subdomain to confirm").fill("halt")
    panel.get_by_role("button", name="Schedule deletion").click()
    expect(console.get_by_text("Type haltco to confirm.")).to_be_visible()
    check_page(console, "operator-suspension-refused")
    console.goto(live_url(PLATFORM, f"/operator/agencies/{agency_id}/"))
    expect(panel).to_contain_text("Not scheduled")
    panel.get_by_label("Category").select_option("billing")
    panel.get_by_label("Reason").first.fill("Card declined three times; owner not answering.")
    panel.get_by_label("Message to the agency (optional)").fill("Please update your card.")
    panel.get_by_role("button", name="Suspend Halt Co").click()
    expect(console.get_by_text("Halt Co is suspended.")).to_be_visible()
    expect(panel).to_contain_text("Card declined three times")

    staff.goto(live_url(HOST, "/"))
    expect(staff.get_by_role("heading", name="This workspace is suspended")).to_be_visible()
    expect(staff.get_by_text("because of a billing problem")).to_be_visible()
    expect(staff.get_by_text("Please update your card.")).to_be_visible()
    expect(staff.get_by_text("owner not answering")).to_have_count(0)
    check_page(staff, "agency-suspended")

    panel.get_by_label("Reason").first.fill("Paid by bank transfer.")
    panel.get_by_role("button", name="Restore Halt Co").click()
    expect(console.get_by_text("Halt Co is restored")).to_be_visible()
    staff.goto(live_url(HOST, "/"))
    expect(staff.get_by_role("heading", name="This workspace is suspended")).to_have_count(0)
    expect(staff.get_by_role("button", name="Sign out")).to_be_visible()


def test_the_owner_sees_the_deletion_they_asked_for_and_keeps_the_workspace(
    new_page, live_url, restore_agencies, django_db_blocker
):
    def make():
        signup = agency_signup(
            name="Bye Co",
            subdomain="byeco",
            owner_name="Bea Owner",
            owner_email="owner@byeco.example",
            owner_password=PASSWORD,
        )
        agency_deletion_schedule(agency=signup.agency, reason="Closing down", owner=signup.owner)
        owner = Client(HTTP_HOST="byeco.localhost")
        with tenant_context(signup.agency):
            owner.force_login(signup.owner)
        return owner.cookies["sessionid"].value

    session = _with_database(django_db_blocker, make)
    owner = with_session(new_page(), live_url("byeco.localhost"), session)
    owner.goto(live_url("byeco.localhost", "/"))
    banner = owner.get_by_role("region", name="Scheduled deletion")
    expect(banner).to_contain_text("This workspace is scheduled for deletion on")
    check_page(owner, "agency-deletion-banner")
    banner.get_by_role("button", name="Keep the workspace").click()
    expect(owner.get_by_text("The deletion is cancelled: the workspace stays.")).to_be_visible()
    expect(owner.get_by_role("region", name="Scheduled deletion")).to_have_count(0)
