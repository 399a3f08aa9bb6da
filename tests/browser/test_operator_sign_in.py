"""A new operator signs in for the first time: password, forced two-factor enrolment with
the key read off the page, recovery codes once, then the console's log and health; signs
out and back in with a code. The admin manages operators. Every page at 390 and 1280 px.

The operator made here is committed (the live server must see them) and cannot be deleted
(their log entries keep them), so each run makes its own and deactivates it afterwards.
"""

import re
import uuid
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from operators.actions import operator_create
from operators.roles import Role
from shared_apps.accounts.models import User
from tests.browser.conftest import _with_database
from tests.browser.operator_support import PLATFORM, operator_browser_sign_in
from tests.browser.pages import check_page
from tests.conftest import OPERATOR_EMAILS, PASSWORD


@pytest.fixture
def newcomer(django_db_blocker):
    email = f"nia-{uuid.uuid4().hex[:8]}@platform.example"

    def create():
        operator_create(email=email, full_name="Nia Newcomer", role=Role.SUPPORT, password=PASSWORD)

    _with_database(django_db_blocker, create)
    yield email
    _with_database(
        django_db_blocker, lambda: User.objects.filter(email=email).update(is_active=False)
    )


def code_from_key(secret: str, steps_ahead: int = 0) -> str:
    key = b32decode("".join(secret.split()))
    return f"{totp(key, drift=steps_ahead):06d}"


def test_first_sign_in_enrols_two_factor_and_opens_the_console(page, live_url, newcomer):
    page.goto(live_url(PLATFORM, "/operator/log/"))
    expect(page).to_have_url(re.compile(r"/operator/login/\?next="))
    check_page(page, "operator-login")
    page.get_by_label("Email").fill(newcomer)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check_page(page, "operator-two-factor-setup")
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Turn on and sign in").click()
    expect(page.get_by_text("That code didn't work")).to_be_visible()
    page.wait_for_timeout(1100)  # django-otp's pause after a wrong code
    page.get_by_label("Code").fill(code_from_key(secret))
    page.get_by_role("button", name="Turn on and sign in").click()

    expect(page.get_by_role("heading", name="Two-factor authentication is on")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    check_page(page, "operator-recovery-codes")
    page.get_by_role("link", name=re.compile("go to the console")).click()

    expect(page.get_by_role("heading", name="Operator log")).to_be_visible()
    nav = page.get_by_role("navigation", name="Operator console")
    expect(nav.get_by_role("link", name="Operator log")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Operators")).to_have_count(0)  # support: not theirs
    expect(page.get_by_role("cell", name="operator.two_factor_enabled").first).to_be_visible()
    check_page(page, "operator-log")

    nav.get_by_role("link", name="Health").click()
    expect(page.get_by_role("heading", name="Platform health")).to_be_visible()
    expect(page.get_by_role("heading", name="Spare schemas")).to_be_visible()
    check_page(page, "operator-health")

    nav.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You're signed out of the operator console.")).to_be_visible()
    page.get_by_label("Email").fill(newcomer)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    check_page(page, "operator-verify")
    # The enrolment's code is spent; the next step's is accepted as one step of drift.
    page.get_by_label("Code").fill(code_from_key(secret, steps_ahead=1))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/operator/agencies/$"))


def test_an_admin_manages_operators(page, live_url):
    operator_browser_sign_in(page, live_url, OPERATOR_EMAILS[Role.ADMIN], PASSWORD)
    page.goto(live_url(PLATFORM, "/operator/operators/"))
    expect(page.get_by_role("heading", name="Operators", exact=True)).to_be_visible()
    expect(page.get_by_text(OPERATOR_EMAILS[Role.BILLING], exact=True)).to_be_visible()
    page.get_by_role("button", name="Add operator").click()  # empty: errors by the fields
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    check_page(page, "operator-operators")
