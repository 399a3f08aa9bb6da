"""The operator console's agencies list and agency page in a real browser, at 390 and 1280
px: no sideways scrolling, no axe-core violation, no console or CSP error.

The browser is signed in by a session cookie made with ``operator_sign_in`` on a test Client
(an operator who passed two-factor), until the console's own sign-in page is in."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from operators.models import AgencyUsageDay
from operators.roles import Role
from shared_apps.accounts.models import User
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.conftest import OPERATOR_EMAILS, operator_sign_in

HOST = "localhost"


@pytest.fixture
def console(django_db_blocker):
    """90 days of acme's usage, and an admin operator's session key; the rows go after."""

    def make():
        acme = Agency.objects.get(subdomain="acme")
        today = timezone.localdate()
        AgencyUsageDay.objects.bulk_create(
            AgencyUsageDay(
                agency=acme,
                day=today - timedelta(days=n),
                seats=3 + (89 - n) // 30,
                client_companies=2 + (89 - n) // 20,
                client_people=5,
                storage_bytes=(90 - n) * 30 * 1024**2,
                requests_total=200 - n,
                requests_last_30_days=20 + (n % 9),
                last_activity_at=timezone.now() - timedelta(days=n),
                owner_name="Acme Owner",
                owner_email="owner@acme.example",
                contacts=[{"name": "Acme Owner", "email": "owner@acme.example", "role": "owner"}],
                gathered_at=timezone.now() - timedelta(days=n),
            )
            for n in range(90)
        )
        user = User.objects.get(email=OPERATOR_EMAILS[Role.ADMIN])
        client = operator_sign_in(Client(HTTP_HOST=HOST), user)
        return acme.pk, client.cookies[settings.SESSION_COOKIE_NAME].value

    agency_id, session_key = _with_database(django_db_blocker, make)
    yield agency_id, session_key
    _with_database(django_db_blocker, lambda: AgencyUsageDay.objects.all().delete())


def test_agencies_list_and_agency_page_fit_and_pass_axe(new_page, live_url, console):
    agency_id, session_key = console
    page = new_page()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_url(HOST)}]
    )
    page.goto(live_url(HOST, "/operator/agencies/"))
    expect(page.get_by_role("heading", name="Agencies")).to_be_visible()
    expect(page.get_by_role("link", name="Acme", exact=True)).to_be_visible()
    check_page(page, "operator-agencies")

    page.goto(live_url(HOST, "/operator/agencies/?sort=-storage&q=acme"))
    expect(page.get_by_role("link", name="Acme", exact=True)).to_be_visible()
    page.get_by_role("link", name="Acme", exact=True).click()
    expect(page.get_by_role("heading", name="Usage against limits")).to_be_visible()
    expect(page.get_by_role("img", name="Team seats")).to_be_visible()
    assert page.url.endswith(f"/operator/agencies/{agency_id}/")
    check_page(page, "operator-agency")
