"""Signing in to the operator console in a real browser, through its real pages."""

import time

from django_otp.oath import totp
from playwright.sync_api import expect

from tests.conftest import OPERATOR_TOTP_KEY

PLATFORM = "localhost"


def totp_code(key_hex: str = OPERATOR_TOTP_KEY, *, steps_ahead: int = 0) -> str:
    """The authenticator app's code for ``key_hex`` now (or ``steps_ahead`` 30 s steps on,
    which the server accepts as clock drift of one step)."""
    return f"{totp(bytes.fromhex(key_hex), drift=steps_ahead):06d}"


def operator_browser_sign_in(page, live_url, email, password, totp_key_hex=OPERATOR_TOTP_KEY):
    """Sign in at /operator/login/ with the email, the password and a current code; ends on
    the console. A code is used once per 30 s, so a second sign-in within the same step is
    answered "didn't work": then the next step's code (one step of drift is accepted)."""
    page.goto(live_url(PLATFORM, "/operator/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    for steps_ahead in (0, 1):
        page.get_by_label("Code").fill(totp_code(totp_key_hex, steps_ahead=steps_ahead))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if "/operator/login/code/" not in page.url:
            return
        time.sleep(1.1)  # django-otp's pause after a wrong code
    raise AssertionError(f"{email} could not sign in to the operator console")
