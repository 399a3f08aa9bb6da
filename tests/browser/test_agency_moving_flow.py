"""While an agency is being moved to another database cluster (``agency_move``), its people
keep reading; what they send is refused with a page that says to send it again shortly."""

from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.signup.actions import agency_signup
from tenants import host_cache
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.operator_sessions import with_session
from tests.browser.pages import check_page
from tests.conftest import PASSWORD

HOST = "moveco.localhost"


def test_a_form_sent_during_a_move_is_refused_with_a_page_saying_to_send_it_again(
    new_page, live_url, restore_agencies, django_db_blocker
):
    def make():
        signup = agency_signup(
            name="Move Co",
            subdomain="moveco",
            owner_name="Mo Owner",
            owner_email="owner@moveco.example",
            owner_password=PASSWORD,
        )
        owner = Client(HTTP_HOST=HOST)
        with tenant_context(signup.agency):
            owner.force_login(signup.owner)
        return signup.agency.pk, owner.cookies["sessionid"].value

    agency_id, session = _with_database(django_db_blocker, make)
    owner = with_session(new_page(), live_url(HOST), session)
    owner.goto(live_url(HOST, "/account/"))
    expect(owner.get_by_role("heading", name="My account")).to_be_visible()

    def moving(since):
        Agency.objects.filter(pk=agency_id).update(moving_since=since)
        host_cache.changed()

    _with_database(django_db_blocker, lambda: moving(timezone.now()))
    owner.goto(live_url(HOST, "/account/"))  # reading goes on
    expect(owner.get_by_role("heading", name="My account")).to_be_visible()
    owner.get_by_role("button", name="Save").first.click()

    expect(owner.get_by_role("heading", name="Back in a moment")).to_be_visible()
    expect(owner.get_by_text("What you just sent was not saved.")).to_be_visible()
    check_page(owner, "agency-moving")

    _with_database(django_db_blocker, lambda: moving(None))
    owner.goto(live_url(HOST, "/account/"))
    owner.get_by_role("button", name="Save").first.click()
    expect(owner.get_by_role("heading", name="My account")).to_be_visible()
    expect(owner.get_by_role("heading", name="Back in a moment")).to_have_count(0)
