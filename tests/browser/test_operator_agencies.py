"""The operator console's agencies list and agency page in a real browser, at 390 and 1280
px: no sideways scrolling, no axe-core violation, no console or CSP error.

The browser holds an operator's session made by the test client (tests/browser/
operator_sessions.py); the console's own sign-in is tests/browser/test_operator_sign_in.py."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Subscription
from billing.selectors import billing_state_forget
from operators.models import AgencyUsageDay
from operators.roles import Role
from tenants.models import Agency
from tests.browser import test_billing_flow
from tests.browser.conftest import _with_database
from tests.browser.operator_sessions import operator_session_key, with_session
from tests.browser.pages import check_page
from tests.conftest import OPERATOR_EMAILS, PASSWORD

HOST = "localhost"
# A server with billing on (Stripe's stand-in), as the billing flow runs it.
billing_url, stripe_standin = test_billing_flow.billing_url, test_billing_flow.stripe_standin


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
        return acme.pk, operator_session_key(OPERATOR_EMAILS[Role.ADMIN])

    agency_id, session_key = _with_database(django_db_blocker, make)
    yield agency_id, session_key
    _with_database(django_db_blocker, lambda: AgencyUsageDay.objects.all().delete())


def test_agencies_list_and_agency_page_fit_and_pass_axe(new_page, live_url, console):
    agency_id, session_key = console
    page = with_session(new_page(), live_url(HOST), session_key)
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


@pytest.fixture
def acme_overrides_undone(django_db_blocker):
    """Acme's plan as it was, after a test that overrides it (the log entries stay: both
    logs are append-only)."""

    def undo():
        acme = Agency.objects.get(subdomain="acme")
        Subscription.objects.filter(agency=acme).update(
            plan_override="", limit_overrides={}, overrides_set_at=None
        )
        billing_state_forget(acme)

    yield _with_database(django_db_blocker, lambda: Agency.objects.get(subdomain="acme").pk)
    _with_database(django_db_blocker, undo)


def test_a_billing_operator_overrides_the_plan_and_the_agency_sees_it(
    new_page, billing_url, django_db_blocker, acme_overrides_undone
):
    agency_id = acme_overrides_undone
    session_key = _with_database(
        django_db_blocker, lambda: operator_session_key(OPERATOR_EMAILS[Role.BILLING])
    )
    page = with_session(new_page(), billing_url(HOST), session_key)
    page.goto(billing_url(HOST, f"/operator/agencies/{agency_id}/"))
    expect(page.locator("#billing-facts")).to_contain_text("Free trial, with Growth limits")

    plan_form = page.locator("form", has=page.get_by_role("button", name="Save the plan"))
    plan_form.get_by_label("Plan").select_option(label="Scale")
    page.get_by_role("button", name="Save the plan").click()  # no reason given
    expect(plan_form.get_by_text("This field is required.")).to_be_visible()
    check_page(page, "operator-agency-form-errors")

    plan_form.get_by_label("Plan").select_option(label="Scale")
    plan_form.get_by_label("Reason").fill("Pilot customer: Scale for the trial")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator(".messages")).to_contain_text("Plan saved.")
    expect(page.locator("#billing-facts")).to_contain_text("Free trial, with Scale limits")
    expect(page.get_by_text("Pilot customer: Scale for the trial")).to_be_visible()

    # The agency's owner sees the same plan on their billing page, and who set it.
    owner = new_page()
    owner.goto(billing_url("acme.localhost", "/auth/login/"))
    owner.get_by_label("Email").fill("owner@acme.example")
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Sign in").click()
    owner.goto(billing_url("acme.localhost", "/billing/"))
    expect(owner.locator("dl.facts")).to_contain_text("Free trial, with Scale limits")
    expect(owner.locator("#set-by-platform")).to_contain_text("set by the Client Portal team")
