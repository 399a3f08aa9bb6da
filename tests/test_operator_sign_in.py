"""Operator accounts and the ways into the console: pages, the token API and the emergency
admin. Two-factor is mandatory; agency people, their tokens and the anonymous get nothing."""

import os
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from billing.models import Subscription
from operators.actions import (
    operator_create,
    operator_deactivate,
    operator_role_change,
)
from operators.models import Operator, OperatorLogEntry
from operators.roles import Role
from shared_apps.accounts.models import User
from shared_apps.accounts.two_factor import recovery_codes_replace
from tests.browser.operator_support import totp_code
from tests.conftest import (
    OPERATOR_EMAILS,
    PASSWORD,
    host_client,
    operator_sign_in,
    signed_in_client,
)
from tests.test_isolation import obtain_tokens

PLATFORM = "localhost"
LOGIN = "/operator/login/"


def operator(role: str) -> User:
    return User.objects.get(email=OPERATOR_EMAILS[role])


def sign_in_with_password(client, email, password=PASSWORD, next_url=""):
    data = {"username": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def device_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    return f"{totp(device.bin_key, drift=steps_ahead):06d}"


@pytest.fixture
def newcomer(world):
    return operator_create(
        email="new.operator@platform.example",
        full_name="Nia Newcomer",
        role=Role.SUPPORT,
        password=PASSWORD,
    ).user


# --- accounts ------------------------------------------------------------------------


def test_create_operator_command_makes_an_admin_who_reaches_the_emergency_admin(world):
    out = StringIO()
    os.environ["OPERATOR_TEST_PASSWORD"] = "a-long-enough-passphrase-2026"
    try:
        call_command(
            "create_operator",
            email="Root@Platform.example",
            name="Rita Root",
            role="admin",
            password_from_env="OPERATOR_TEST_PASSWORD",
            stdout=out,
        )
    finally:
        del os.environ["OPERATOR_TEST_PASSWORD"]
    user = User.objects.get(email="root@platform.example")
    assert user.operator.role == Role.ADMIN and user.is_staff and user.is_superuser
    assert "/operator/login/" in out.getvalue() and "two-factor" in out.getvalue()
    entry = OperatorLogEntry.objects.order_by("-id").first()
    assert entry.action == "operator.created" and entry.changes["email"] == user.email
    assert entry.changes["via"] == "command line"


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        (OPERATOR_EMAILS[Role.ADMIN], "admin", "already exists"),
        ("someone@platform.example", "owner", "Unknown role"),
    ],
)
def test_create_operator_command_refuses_a_taken_email_or_an_unknown_role(
    world, email, role, message, monkeypatch
):
    monkeypatch.setenv("OPERATOR_TEST_PASSWORD", "a-long-enough-passphrase-2026")
    with pytest.raises(CommandError, match=message):
        call_command(
            "create_operator",
            email=email,
            name="Someone",
            role=role,
            password_from_env="OPERATOR_TEST_PASSWORD",
        )


def test_support_and_billing_operators_are_not_staff(world):
    for role in (Role.SUPPORT, Role.BILLING):
        user = operator(role)
        assert not user.is_staff and not user.is_superuser


def test_the_last_admin_can_be_neither_demoted_nor_deactivated(world):
    admin = operator(Role.ADMIN).operator
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="last admin"):
        operator_role_change(operator=admin, role=Role.SUPPORT, actor=admin.user)
    other = operator(Role.SUPPORT).operator
    operator_role_change(operator=other, role=Role.ADMIN, actor=admin.user)
    assert User.objects.get(pk=other.user_id).is_superuser
    with pytest.raises(ValidationError, match="yourself"):
        operator_deactivate(operator=admin, actor=admin.user)
    operator_role_change(operator=admin, role=Role.BILLING, actor=other.user)
    assert not User.objects.get(pk=admin.user_id).is_staff


# --- pages ---------------------------------------------------------------------------


def test_first_sign_in_enrols_two_factor_then_opens_the_console(newcomer):
    client = host_client(PLATFORM)
    assert client.get("/operator/health/").status_code == 302

    response = sign_in_with_password(client, newcomer.email, next_url="/operator/log/")
    assert response.status_code == 302 and response.url == "/operator/login/two-factor/"
    # Password alone opens nothing.
    assert client.get("/operator/health/").url.startswith(LOGIN)

    page = client.get("/operator/login/two-factor/")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)

    wrong = client.post("/operator/login/two-factor/", {"code": "000000"})
    assert wrong.status_code == 200 and "didn" in wrong.content.decode()
    assert client.get("/operator/health/").status_code == 302
    device.throttle_reset()  # django-otp pauses a device after a wrong code

    done = client.post("/operator/login/two-factor/", {"code": device_code(device)})
    body = done.content.decode()
    assert done.status_code == 200 and "only time they are shown" in body
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", body)
    assert len(codes) == 10
    assert 'href="/operator/log/"' in body
    assert client.get("/operator/log/").status_code == 200
    actions = list(
        OperatorLogEntry.objects.filter(operator=newcomer).values_list("action", flat=True)
    )
    assert actions == ["operator.signed_in", "operator.two_factor_enabled"]

    # Next time: the code step, where a recovery code works once.
    client = host_client(PLATFORM)
    assert sign_in_with_password(client, newcomer.email).url == "/operator/login/code/"
    assert client.post("/operator/login/code/", {"code": codes[0]}).status_code == 302
    assert client.get("/operator/health/").status_code == 200
    again = host_client(PLATFORM)
    sign_in_with_password(again, newcomer.email)
    assert again.post("/operator/login/code/", {"code": codes[0]}).status_code == 200


def test_sign_in_with_a_code_and_a_wrong_code(world):
    user = operator(Role.ADMIN)
    client = host_client(PLATFORM)
    assert sign_in_with_password(client, user.email).url == "/operator/login/code/"
    wrong = client.post("/operator/login/code/", {"code": "123456"})
    assert wrong.status_code == 200 and "didn" in wrong.content.decode()
    refused = OperatorLogEntry.objects.order_by("-id").first()
    assert refused.action == "operator.two_factor_failed" and refused.operator == user
    assert client.get("/operator/health/").status_code == 302
    # django-otp pauses a device after a wrong code; let the next one through.
    TOTPDevice.objects.get(user=user).throttle_reset()
    right = client.post("/operator/login/code/", {"code": totp_code()})
    assert right.status_code == 302 and right.url == "/operator/"
    assert client.get("/operator/health/").status_code == 200
    assert client.get(LOGIN).status_code == 302  # already in: on to the console


def test_an_unsafe_next_is_ignored(world):
    client = host_client(PLATFORM)
    sign_in_with_password(client, operator(Role.ADMIN).email, next_url="https://evil.example/")
    response = client.post("/operator/login/code/", {"code": totp_code()})
    assert response.url == "/operator/"


def test_repeated_failures_lock_the_sign_in_out(world):
    client = host_client(PLATFORM)
    email = operator(Role.BILLING).email
    for _ in range(9):
        assert sign_in_with_password(client, email, password="wrong").status_code == 200
    locked = sign_in_with_password(client, email, password="wrong")
    assert locked.status_code == 429 and "paused" in locked.content.decode()
    # Even the right password now waits.
    assert sign_in_with_password(client, email).status_code == 429
    api = host_client(PLATFORM).post(
        "/api/v1/operator/auth/token",
        {"email": email, "password": PASSWORD, "otp": totp_code()},
        content_type="application/json",
    )
    assert api.status_code == 429 and api.json()["code"] == "locked_out"
    assert api["Retry-After"]


def test_agency_people_cannot_sign_in_to_the_console(world):
    owner = world.personas["owner"].user
    client = host_client(PLATFORM)
    response = sign_in_with_password(client, owner.email)
    assert response.status_code == 200 and "match an operator account" in response.content.decode()
    api = host_client(PLATFORM).post(
        "/api/v1/operator/auth/token",
        {"email": owner.email, "password": PASSWORD, "otp": "123456"},
        content_type="application/json",
    )
    assert api.status_code == 401 and api.json()["code"] == "no_active_account"


def test_anonymous_agency_sessions_and_agency_tokens_get_nothing(world):
    owner = world.personas["owner"]
    token = obtain_tokens(owner.host, owner.user.email)["access"]
    visitors = [
        (host_client(PLATFORM), {}, 302, 401),
        (signed_in_client(owner, host=PLATFORM), {}, 302, 401),
        (host_client(PLATFORM), {"HTTP_AUTHORIZATION": f"Bearer {token}"}, 302, 401),
    ]
    for client, headers, page_status, api_status in visitors:
        for path in ["/operator/", "/operator/log/", "/operator/health/", "/operator/operators/"]:
            assert client.get(path, **headers).status_code == page_status, path
        for path in ["/api/v1/operator/log", "/api/v1/operator/health"]:
            assert client.get(path, **headers).status_code == api_status, path


def test_an_unverified_operator_session_is_sent_to_sign_in(world):
    client = host_client(PLATFORM)
    client.force_login(operator(Role.ADMIN))  # a session without the second factor
    response = client.get("/operator/health/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert client.get("/admin/").status_code == 302


def test_operators_page_is_for_admins_only(world):
    for role in (Role.SUPPORT, Role.BILLING):
        client = operator_sign_in(host_client(PLATFORM), operator(role))
        assert client.get("/operator/health/").status_code == 200
        assert client.get("/operator/operators/").status_code == 403
        target = operator(Role.ADMIN).operator.pk
        post = client.post(f"/operator/operators/{target}/role/", {"role": "support"})
        assert post.status_code == 403
        assert client.post(f"/operator/operators/{target}/deactivate/").status_code == 403
        admin = client.get("/admin/", follow=True)
        assert admin.status_code == 403
    assert operator(Role.ADMIN).operator.role == Role.ADMIN


def test_an_admin_adds_changes_and_deactivates_operators(world):
    admin = operator(Role.ADMIN)
    client = operator_sign_in(host_client(PLATFORM), admin)
    page = client.get("/operator/operators/")
    assert page.status_code == 200 and OPERATOR_EMAILS[Role.BILLING] in page.content.decode()

    taken = client.post(
        "/operator/operators/",
        {
            "email": OPERATOR_EMAILS[Role.SUPPORT],
            "full_name": "Twin",
            "role": "support",
            "password": "a-long-enough-passphrase-2026",
        },
    )
    assert taken.status_code == 400 and "already exists" in taken.content.decode()
    weak = client.post(
        "/operator/operators/",
        {"email": "x@platform.example", "full_name": "X", "role": "support", "password": "123"},
    )
    assert weak.status_code == 400 and not User.objects.filter(email="x@platform.example").exists()

    added = client.post(
        "/operator/operators/",
        {
            "email": "Sam@Platform.example",
            "full_name": "Sam Support",
            "role": "billing",
            "password": "a-long-enough-passphrase-2026",
        },
    )
    assert added.status_code == 302
    sam = Operator.objects.get(user__email="sam@platform.example")
    assert sam.role == Role.BILLING

    client.post(f"/operator/operators/{sam.pk}/role/", {"role": "admin"})
    sam.refresh_from_db()
    assert sam.role == Role.ADMIN and User.objects.get(pk=sam.user_id).is_staff

    TOTPDevice.objects.create(user=sam.user, name="Phone", confirmed=True)
    sams_browser = operator_sign_in(host_client(PLATFORM), sam.user)
    assert sams_browser.get("/operator/health/").status_code == 200
    assert client.post(f"/operator/operators/{sam.pk}/deactivate/").status_code == 302
    assert not User.objects.get(pk=sam.user_id).is_active
    assert sams_browser.get("/operator/health/").status_code == 302  # signed out
    actions = OperatorLogEntry.objects.filter(operator=admin).values_list("action", flat=True)
    assert {"operator.created", "operator.role_changed", "operator.deactivated"} <= set(actions)


# --- token API -----------------------------------------------------------------------


def obtain_operator_token(email, otp=None, password=PASSWORD):
    return host_client(PLATFORM).post(
        "/api/v1/operator/auth/token",
        {"email": email, "password": password, "otp": otp or totp_code()},
        content_type="application/json",
    )


def test_the_token_api_gives_a_short_lived_operator_token(world):
    response = obtain_operator_token(OPERATOR_EMAILS[Role.SUPPORT])
    assert response.status_code == 200, response.content
    access = response.json()["access"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    assert host_client(PLATFORM).get("/api/v1/operator/health", **bearer).status_code == 200
    assert host_client(PLATFORM).get("/api/v1/operator/log", **bearer).status_code == 200
    # Not an agency's token anywhere, nor a session on the pages.
    assert host_client("acme.localhost").get("/api/v1/me", **bearer).status_code == 401
    assert host_client(PLATFORM).get("/operator/health/", **bearer).status_code == 302
    entry = OperatorLogEntry.objects.order_by("-id").first()
    assert entry.action == "operator.token_issued"

    operator_deactivate(operator=operator(Role.SUPPORT).operator, actor=operator(Role.ADMIN))
    revoked = host_client(PLATFORM).get("/api/v1/operator/health", **bearer)
    assert revoked.status_code == 401


def test_the_token_api_refuses_bad_input_and_wrong_codes(world):
    missing = host_client(PLATFORM).post(
        "/api/v1/operator/auth/token", {"email": "nope"}, content_type="application/json"
    )
    assert missing.status_code == 400 and {"email", "password", "otp"} <= set(missing.json())
    wrong = obtain_operator_token(OPERATOR_EMAILS[Role.ADMIN], otp="000000")
    assert wrong.status_code == 401 and wrong.json()["code"] == "otp_invalid"
    bad_password = obtain_operator_token(OPERATOR_EMAILS[Role.ADMIN], password="wrong")
    assert bad_password.status_code == 401


def test_the_token_api_needs_two_factor_set_up_first(newcomer):
    response = obtain_operator_token(newcomer.email)
    assert response.status_code == 403 and response.json()["code"] == "two_factor_setup_required"


def test_the_operator_api_is_in_the_public_schema(world):
    schema = host_client(PLATFORM).get("/api/schema/?format=json").json()
    assert "/api/v1/operator/auth/token" in schema["paths"]
    assert (
        "/api/v1/operator/log" in schema["paths"] and "/api/v1/operator/health" in schema["paths"]
    )
    assert "operatorJWT" in schema["components"]["securitySchemes"]


# --- the emergency admin -------------------------------------------------------------


def test_the_emergency_admin_keeps_dangerous_fields_read_only(world):
    client = operator_sign_in(host_client(PLATFORM), operator(Role.ADMIN))
    change = client.get(f"/admin/tenants/agency/{world.acme.pk}/change/")
    assert change.status_code == 200
    body = change.content.decode()
    for field in ["schema_name", "subdomain", "is_spare", "is_active", "suspended_at"]:
        assert f'name="{field}"' not in body, field
    assert 'name="name"' in body
    assert client.get(f"/admin/tenants/agency/{world.acme.pk}/delete/").status_code == 403
    listing = client.get("/admin/tenants/agency/").content.decode()
    assert "delete_selected" not in listing
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_the_admin_sign_in_goes_through_the_console(world):
    client = host_client(PLATFORM)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    sign_in_with_password(client, operator(Role.ADMIN).email, next_url="/admin/")
    done = client.post("/operator/login/code/", {"code": totp_code()})
    assert done.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert connection.schema_name == "public"


def test_a_change_in_the_emergency_admin_is_in_the_operator_log(world):
    admin = operator(Role.ADMIN)
    client = operator_sign_in(host_client(PLATFORM), admin)
    subscription = Subscription.objects.get(agency=world.acme)
    later = timezone.now() + timedelta(days=7)
    response = client.post(
        f"/admin/billing/subscription/{subscription.pk}/change/",
        {"trial_ends_at_0": f"{later:%Y-%m-%d}", "trial_ends_at_1": f"{later:%H:%M:%S}"},
    )
    assert response.status_code == 302
    entry = OperatorLogEntry.objects.order_by("-id").first()
    assert entry.action == "admin.change" and entry.operator == admin
    assert entry.changes["object"] == f"billing.subscription {subscription.pk}"
    assert "Trial ends at" in entry.changes["change"] or "trial" in entry.changes["change"].lower()


def test_an_admin_resets_a_lost_second_factor(world):
    admin = operator(Role.ADMIN)
    billing = operator(Role.BILLING)
    recovery_codes_replace(billing)
    billings_browser = operator_sign_in(host_client(PLATFORM), billing)
    assert billings_browser.get("/operator/health/").status_code == 200
    client = operator_sign_in(host_client(PLATFORM), admin)
    reset = client.post(f"/operator/operators/{billing.operator.pk}/two-factor-reset/")
    assert reset.status_code == 302
    assert not TOTPDevice.objects.filter(user=billing).exists()
    assert not StaticDevice.objects.filter(user=billing).exists()
    assert billings_browser.get("/operator/health/").status_code == 302  # signed out
    again = host_client(PLATFORM)
    assert sign_in_with_password(again, billing.email).url == "/operator/login/two-factor/"
    entry = OperatorLogEntry.objects.order_by("-id").first()
    assert entry.action == "operator.two_factor_reset" and entry.operator == admin


def test_the_demo_operator_is_made_once_and_dev_code_shows_their_code(world, settings):
    from operators.demo import DEMO_OPERATOR_EMAIL, demo_operator_ensure

    lines = demo_operator_ensure(password=PASSWORD)
    assert demo_operator_ensure(password=PASSWORD) == lines
    user = User.objects.get(email=DEMO_OPERATOR_EMAIL)
    assert user.operator.role == Role.ADMIN and user.is_superuser
    assert any("/operator/dev/code/" in line for line in lines)
    client = host_client(PLATFORM)
    settings.DEBUG = True
    assert "no authenticator yet" in client.get("/operator/dev/code/").content.decode()
    sign_in_with_password(client, DEMO_OPERATOR_EMAIL)
    client.get("/operator/login/two-factor/")
    device = TOTPDevice.objects.get(user=user)
    assert device_code(device) in client.get("/operator/dev/code/").content.decode()
    settings.DEBUG = False
    assert client.get("/operator/dev/code/").status_code == 404


def test_the_operators_page_lists_in_constant_queries(world):
    client = operator_sign_in(host_client(PLATFORM), operator(Role.ADMIN))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/operator/operators/").status_code == 200
        return len(captured)

    before = queries()
    for n in range(5):
        created = operator_create(
            email=f"more-{n}@platform.example",
            full_name=f"More {n}",
            role=Role.SUPPORT,
            password=PASSWORD,
        )
        TOTPDevice.objects.create(user=created.user, name="Phone", confirmed=True)
    assert queries() == before


def test_the_operators_api_adds_changes_deactivates_and_resets(world):
    bearer = {
        "HTTP_AUTHORIZATION": "Bearer "
        + obtain_operator_token(OPERATOR_EMAILS[Role.ADMIN]).json()["access"]
    }
    api = host_client(PLATFORM)
    refused = api.post(
        "/api/v1/operator/operators",
        {"email": "not-an-email", "full_name": "", "role": "wizard", "password": "x"},
        content_type="application/json",
        **bearer,
    )
    assert refused.status_code == 400
    assert {"email", "full_name", "role"} <= set(refused.json())
    weak = api.post(
        "/api/v1/operator/operators",
        {"email": "ivy@platform.example", "full_name": "Ivy", "role": "support", "password": "1"},
        content_type="application/json",
        **bearer,
    )
    assert weak.status_code == 400 and "password" in weak.json()
    assert not User.objects.filter(email="ivy@platform.example").exists()

    added = api.post(
        "/api/v1/operator/operators",
        {
            "email": "Ivy@Platform.example",
            "full_name": "Ivy Ops",
            "role": "support",
            "password": PASSWORD,
        },
        content_type="application/json",
        **bearer,
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["email"], body["role"], body["two_factor"], body["is_active"]) == (
        "ivy@platform.example",
        "support",
        False,
        True,
    )
    operator_id = body["id"]
    listed = api.get("/api/v1/operator/operators", **bearer).json()
    assert "ivy@platform.example" in [row["email"] for row in listed]

    changed = api.post(
        f"/api/v1/operator/operators/{operator_id}/role",
        {"role": "billing"},
        content_type="application/json",
        **bearer,
    )
    assert (changed.status_code, changed.json()["role"]) == (200, "billing")
    reset = api.post(f"/api/v1/operator/operators/{operator_id}/two-factor-reset", **bearer)
    assert reset.status_code == 200
    gone = api.post(f"/api/v1/operator/operators/{operator_id}/deactivate", **bearer)
    assert (gone.status_code, gone.json()["is_active"]) == (200, False)
    own_id = operator(Role.ADMIN).operator.pk
    itself = api.post(f"/api/v1/operator/operators/{own_id}/deactivate", **bearer)
    assert itself.status_code == 400

    actions = OperatorLogEntry.objects.filter(changes__email="ivy@platform.example")
    assert list(actions.order_by("id").values_list("action", flat=True)) == [
        "operator.created",
        "operator.role_changed",
        "operator.two_factor_reset",
        "operator.deactivated",
    ]


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.BILLING])
def test_only_admins_use_the_operators_api(world, role):
    client = operator_sign_in(host_client(PLATFORM), operator(role))
    assert client.get("/api/v1/operator/operators").status_code == 403
    response = client.post(
        "/api/v1/operator/operators",
        {
            "email": "eve@platform.example",
            "full_name": "Eve",
            "role": "admin",
            "password": PASSWORD,
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="eve@platform.example").exists()
