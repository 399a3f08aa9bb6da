"""Support access in a real browser: the owner grants it, a support operator signs in to the
console (password and two-factor code) and then as one of the agency's people with a reason,
the banner shows on a phone and a laptop, the agency's log says so, and once the grant has
expired the next page ends the session and a new one is refused."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from operators.models import ImpersonationSession, SupportGrant
from operators.roles import Role
from shared_apps.accounts.models import User
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.operator_support import operator_browser_sign_in
from tests.browser.pages import check_page
from tests.browser.test_activity_flow import sign_in
from tests.conftest import OPERATOR_EMAILS, PASSWORD

HOST = "acme.localhost"
OPERATOR = OPERATOR_EMAILS[Role.SUPPORT]
REASON = "The owner reports a wrong total on the dashboard."


@pytest.fixture
def acme_id(django_db_blocker):
    """acme's id; afterwards its grants and support sessions go (the logs keep them)."""
    agency_id = _with_database(django_db_blocker, lambda: Agency.objects.get(subdomain="acme").pk)
    yield agency_id

    def forget():
        ImpersonationSession.objects.filter(agency_id=agency_id).delete()
        SupportGrant.objects.filter(agency_id=agency_id).delete()

    _with_database(django_db_blocker, forget)


def acme_person(email) -> int:
    with tenant_context(Agency.objects.get(subdomain="acme")):
        return User.objects.get(email=email).pk


def test_owner_grants_support_signs_in_as_a_person_until_the_grant_expires(
    new_page, live_url, django_db_blocker, acme_id
):
    owner = new_page()
    sign_in(owner, live_url, "owner@acme.example")
    owner.get_by_role("link", name="Support access").first.click()
    expect(owner.get_by_role("heading", name="Support access")).to_be_visible()
    check_page(owner, "support-access-off")
    owner.get_by_label("Allow access for").select_option(label="4 hours")
    owner.get_by_label("Note for support").fill("Dashboard totals look wrong")
    owner.get_by_role("button", name="Grant access").click()
    expect(owner.get_by_text("Support can sign in until").first).to_be_visible()

    admin_id = _with_database(django_db_blocker, lambda: acme_person("admin@acme.example"))
    operator = new_page()
    operator_browser_sign_in(operator, live_url, OPERATOR, PASSWORD)
    operator.goto(live_url("localhost", f"/operator/agencies/{acme_id}/"))
    expect(operator.get_by_text("Dashboard totals look wrong")).to_be_visible()
    check_page(operator, "operator-agency-support")
    operator.get_by_label("Sign in as").select_option(label="Acme Admin (admin@acme.example)")
    operator.get_by_label("Reason").fill(REASON)
    operator.get_by_role("button", name="Sign in as this person").click()

    banner = operator.get_by_role("region", name="Support session")
    expect(banner).to_contain_text(f"Support session: {OPERATOR} is signed in as Acme Admin")
    assert operator.url.startswith(live_url(HOST))
    spent = new_page()  # a spent or unknown secret (single use is tests/test_support_access.py's)
    spent.goto(live_url(HOST, "/support/handoff/not-a-secret/"))
    expect(spent.get_by_role("heading", name="This support link can't be used")).to_be_visible()
    check_page(spent, "support-handoff-invalid")
    check_page(operator, "support-session-banner")
    operator.goto(live_url(HOST, "/account/password/"))
    expect(operator.get_by_role("heading", name="Not during a support session")).to_be_visible()
    check_page(operator, "support-session-refused")

    owner.goto(live_url(HOST, "/activity/workspace/"))
    expect(owner.get_by_text(f"Platform support ({OPERATOR}) signed in as").first).to_contain_text(
        REASON
    )
    owner.goto(live_url(HOST, "/settings/support-access/"))
    expect(owner.get_by_role("cell", name=REASON)).to_be_visible()
    check_page(owner, "support-access-granted")

    def expire():
        SupportGrant.objects.filter(agency_id=acme_id, revoked_at__isnull=True).update(
            ends_at=timezone.now() - timedelta(seconds=1)
        )

    _with_database(django_db_blocker, expire)
    operator.goto(live_url(HOST, "/requests/"))
    expect(
        operator.get_by_text("The support session has ended: support access expired.")
    ).to_be_visible()
    expect(operator.get_by_role("region", name="Support session")).to_have_count(0)

    operator.goto(live_url("localhost", f"/operator/agencies/{acme_id}/support/"))
    expect(operator.get_by_text("Support sessions are refused")).to_be_visible()
    expect(operator.get_by_role("button", name="Sign in as this person")).to_have_count(0)
    # Posting the start form anyway (as a stale tab would) is refused, with the reason.
    token = next(
        cookie["value"]
        for cookie in operator.context.cookies(live_url("localhost"))
        if cookie["name"] == settings.CSRF_COOKIE_NAME
    )
    refused = operator.request.post(
        live_url("localhost", f"/operator/agencies/{acme_id}/support/"),
        form={"person": str(admin_id), "reason": REASON},
        headers={"X-CSRFToken": token},
    )
    assert refused.status == 403
    assert "has not granted support access" in refused.text()
