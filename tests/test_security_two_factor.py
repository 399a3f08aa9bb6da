"""Two-factor authentication: setting it up, the code step of signing in (web and API),
recovery codes, turning it off, and an owner making it mandatory for the team."""

from django.core.cache import cache
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.security.actions import security_policy_update
from tenant_apps.security.models import SecurityPolicy
from tenant_apps.security.selectors import TEAM_TWO_FACTOR_CACHE_KEY, team_two_factor_required
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.conftest import host_client, signed_in_client
from tests.security_support import (
    ACME,
    bearer,
    enable_two_factor,
    obtain,
    password_sign_in,
    totp_code,
    unthrottle,
)

pytest_plugins = ["tests.security_fixtures"]


def test_setting_up_two_factor(world):
    admin = world.personas["admin"]
    browser = signed_in_client(admin)
    page = browser.get("/account/two-factor/setup/")
    assert page.status_code == 200
    assert page.context["qr"].startswith("data:image/svg+xml;base64,")
    with tenant_context(world.acme):
        device = TOTPDevice.objects.get(user=admin.user, confirmed=False)
    assert "otpauth://totp/Acme" in device.config_url
    # Reloading shows the same key, so a code from the already-scanned QR still works.
    assert browser.get("/account/two-factor/setup/").context["secret"] == page.context["secret"]

    wrong = browser.post("/account/two-factor/setup/", {"code": "000000"})
    assert wrong.context["form"].errors["code"]
    unthrottle(admin)
    done = browser.post("/account/two-factor/setup/", {"code": totp_code(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert "only time they are shown" in done.content.decode()
    with tenant_context(world.acme):
        device.refresh_from_db()
        assert device.confirmed
        assert ActivityEntry.objects.filter(actor=admin.user, action="auth.two_factor_enabled")
    assert browser.get("/account/two-factor/").context["recovery_codes_left"] == 10


def test_password_sign_in_then_asks_for_the_code(world):
    staff = world.personas["staff"]
    device, _ = enable_two_factor(staff)
    browser, response = password_sign_in(staff.user.email, next_url="/account/")
    assert response["Location"] == "/auth/verify/"
    # Half signed in: nothing else is reachable.
    assert browser.get("/").status_code == 302
    assert browser.get("/api/v1/me").status_code == 401

    wrong = browser.post("/auth/verify/", {"code": "123456"})
    assert wrong.status_code == 200
    assert "didn't work" in wrong.context["form"].errors["code"][0]
    # django-otp's throttle asks for a pause after a wrong code.
    throttled = browser.post("/auth/verify/", {"code": totp_code(device)})
    assert "Wait" in throttled.context["form"].errors["code"][0]
    unthrottle(staff)
    with tenant_context(world.acme):
        assert ActivityEntry.objects.filter(actor=staff.user, action="auth.two_factor_failed")

    done = browser.post("/auth/verify/", {"code": totp_code(device)})
    assert done.status_code == 302
    assert done["Location"] == "/account/"
    assert browser.get("/").status_code == 200


def test_the_code_step_expires(world):
    staff = world.personas["staff"]
    device, _ = enable_two_factor(staff)
    browser, _ = password_sign_in(staff.user.email)
    session = browser.session
    session["security:pending-sign-in"]["started"] -= 301
    session.save()
    response = browser.post("/auth/verify/", {"code": totp_code(device)})
    assert response["Location"] == "/auth/login/"
    assert browser.get("/").status_code == 302


def test_a_recovery_code_works_once(world):
    owner = world.personas["owner"]
    _, codes = enable_two_factor(owner)
    browser, _ = password_sign_in(owner.user.email)
    done = browser.post("/auth/verify/", {"code": codes[0].upper()}, follow=True)
    assert done.status_code == 200
    assert "9 left" in done.content.decode()

    again, _ = password_sign_in(owner.user.email)
    refused = again.post("/auth/verify/", {"code": codes[0]})
    assert refused.status_code == 200
    assert refused.context["form"].errors["code"]


def test_new_recovery_codes_replace_the_old_ones(world):
    owner = world.personas["owner"]
    device, old_codes = enable_two_factor(owner)
    browser = signed_in_client(owner)
    assert (
        browser.post("/account/two-factor/recovery-codes/", {"regenerate-code": "nope"}).status_code
        == 400
    )
    unthrottle(owner)
    response = browser.post(
        "/account/two-factor/recovery-codes/", {"regenerate-code": totp_code(device)}
    )
    new_codes = response.context["codes"]
    assert set(new_codes).isdisjoint(old_codes)
    assert obtain(owner.user.email, otp=new_codes[1]).status_code == 200
    refused = obtain(owner.user.email, otp=old_codes[1])
    assert refused.json()["code"] == "otp_invalid"


def test_turning_two_factor_off_needs_a_code(world):
    admin = world.personas["admin"]
    device, _ = enable_two_factor(admin)
    browser = signed_in_client(admin)
    refused = browser.post("/account/two-factor/disable/", {"disable-code": "000000"})
    assert refused.status_code == 400
    with tenant_context(world.acme):
        assert TOTPDevice.objects.filter(user=admin.user).exists()
    unthrottle(admin)
    done = browser.post("/account/two-factor/disable/", {"disable-code": totp_code(device)})
    assert done.status_code == 302
    with tenant_context(world.acme):
        assert not TOTPDevice.objects.filter(user=admin.user).exists()
    _, response = password_sign_in(admin.user.email)
    assert response["Location"] == "/"


def test_the_token_endpoint_wants_the_code(world):
    admin = world.personas["admin"]
    device, _ = enable_two_factor(admin)
    missing = obtain(admin.user.email)
    assert missing.status_code == 401
    assert missing.json()["code"] == "otp_required"
    wrong = obtain(admin.user.email, otp="000000")
    assert wrong.json()["code"] == "otp_invalid"
    unthrottle(admin)
    granted = obtain(admin.user.email, otp=totp_code(device))
    assert granted.status_code == 200
    access = granted.json()["access"]
    assert host_client(ACME).get("/api/v1/me", **bearer(access)).status_code == 200


def test_an_owner_can_require_two_factor_for_the_team(world, forget_team_policy):
    owner, staff, viewer = (world.personas[key] for key in ("owner", "staff", "viewer"))
    owner_browser = signed_in_client(owner)
    assert signed_in_client(world.personas["admin"]).get("/settings/security/").status_code == 403
    page = owner_browser.get("/settings/security/")
    assert {person.email for person in page.context["without_two_factor"]} >= {
        owner.user.email,
        staff.user.email,
    }
    assert (
        owner_browser.post("/settings/security/", {"team_two_factor_required": "on"}).status_code
        == 302
    )
    with tenant_context(world.acme):
        assert ActivityEntry.objects.filter(actor=owner.user, action="security.policy_changed")

    # A team member without it is held at the setup page, on the web and the API.
    staff_browser = signed_in_client(staff)
    held = staff_browser.get("/")
    assert held["Location"] == "/account/two-factor/setup/"
    assert staff_browser.get("/api/v1/me").status_code == 403
    assert staff_browser.get("/account/two-factor/setup/").status_code == 200
    refused = obtain(staff.user.email)
    assert refused.status_code == 403
    assert refused.json()["code"] == "two_factor_setup_required"

    # Clients are not affected.
    assert signed_in_client(viewer).get("/").status_code == 200
    assert obtain(viewer.user.email).status_code == 200

    device, _ = enable_two_factor(staff)
    assert staff_browser.get("/").status_code == 200
    assert obtain(staff.user.email, otp=totp_code(device)).status_code == 200


def test_a_request_reading_the_policy_during_its_change_does_not_keep_the_old_one(
    db, django_db_blocker
):
    """Real commits: the owner's change in one connection, a signed-in request reading the
    policy in another while the change is not committed yet (it sees the old value)."""

    def in_acme(work):
        def run():
            with tenant_context(Agency.objects.get(subdomain="acme")):
                return work()

        return _with_database(django_db_blocker, run)

    def change():
        assert team_two_factor_required() is False  # and cached
        with transaction.atomic():  # the request's, around the action's
            security_policy_update(
                team_two_factor_required=True, actor=User.objects.get(email="owner@acme.example")
            )
            meanwhile = in_acme(team_two_factor_required)
        return meanwhile, team_two_factor_required()

    def restore():
        SecurityPolicy.objects.filter(pk=1).update(team_two_factor_required=False)
        cache.delete(TEAM_TWO_FACTOR_CACHE_KEY)

    try:
        assert in_acme(change) == (False, True)
    finally:
        in_acme(restore)


def test_unused_setup_keys_do_not_count_as_two_factor(world):
    staff = world.personas["staff"]
    signed_in_client(staff).get("/account/two-factor/setup/")
    _, response = password_sign_in(staff.user.email)
    assert response["Location"] == "/"
