"""Signing out, one session or all of them, and what a password change or deactivation ends:
browser sessions, refresh tokens and access tokens alike."""

import pytest
from django_tenants.utils import tenant_context
from rest_framework_simplejwt.tokens import RefreshToken

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.people.actions import user_deactivate
from tenant_apps.security.actions import password_change, sessions_end_all
from tenant_apps.security.models import SignedInSession
from tests.conftest import PASSWORD, host_client
from tests.security_support import (
    ACME,
    bearer,
    obtain,
    password_sign_in,
)
from tests.test_isolation import obtain_tokens

pytest_plugins = ["tests.security_fixtures"]

NEW_PASSWORD = "an-entirely-new-passphrase"


def me(access):
    return host_client(ACME).get("/api/v1/me", **bearer(access))


def refresh(token):
    return host_client(ACME).post(
        "/api/v1/auth/token/refresh", {"refresh": token}, content_type="application/json"
    )


def revoke_password(world, user):
    with tenant_context(world.acme):
        password_change(user=user, new_password=NEW_PASSWORD, actor=user)


def revoke_deactivate(world, user):
    with tenant_context(world.acme):
        user_deactivate(user=user, actor=world.personas["owner"].user)


def revoke_everywhere(world, user):
    with tenant_context(world.acme):
        sessions_end_all(user=user, actor=user)


@pytest.mark.parametrize(
    ("revoke", "why"),
    [
        (revoke_password, "token_revoked"),
        (revoke_deactivate, "user_inactive"),
        (revoke_everywhere, "token_revoked"),
    ],
)
def test_revocation_ends_sessions_and_both_kinds_of_token(world, revoke, why):
    user = world.personas["staff"].user
    browser, _ = password_sign_in(user.email)
    tokens = obtain_tokens(ACME, user.email)
    assert me(tokens["access"]).status_code == 200
    assert browser.get("/").status_code == 200

    revoke(world, user)

    refused = me(tokens["access"])
    assert refused.status_code == 401
    assert refused.json()["code"] == why
    assert refresh(tokens["refresh"]).status_code == 401
    assert browser.get("/").status_code == 302


def test_api_sign_out_everywhere_revokes_the_calling_token_too(world):
    user = world.personas["client_admin"].user
    tokens = obtain_tokens(ACME, user.email)
    other_app = obtain_tokens(ACME, user.email)
    browser, _ = password_sign_in(user.email)

    response = host_client(ACME).post("/api/v1/auth/logout-all", **bearer(tokens["access"]))
    assert response.status_code == 204

    for pair in (tokens, other_app):
        assert me(pair["access"]).status_code == 401
        assert refresh(pair["refresh"]).status_code == 401
    assert browser.get("/").status_code == 302
    assert obtain(user.email).status_code == 200  # signing in again works


def test_api_sign_out_revokes_one_refresh_token(world):
    user = world.personas["viewer"].user
    tokens = obtain_tokens(ACME, user.email)
    other_app = obtain_tokens(ACME, user.email)
    response = host_client(ACME).post(
        "/api/v1/auth/logout", {"refresh": tokens["refresh"]}, content_type="application/json"
    )
    assert response.status_code == 204
    assert refresh(tokens["refresh"]).status_code == 401
    assert refresh(other_app["refresh"]).status_code == 200


def test_api_password_change_hands_back_fresh_tokens(world):
    user = world.personas["finance"].user
    tokens = obtain_tokens(ACME, user.email)
    client = host_client(ACME)

    weak = client.post(
        "/api/v1/account/password",
        {"current_password": PASSWORD, "new_password": "123"},
        content_type="application/json",
        **bearer(tokens["access"]),
    )
    assert weak.status_code == 400
    assert "new_password" in weak.json()
    wrong = client.post(
        "/api/v1/account/password",
        {"current_password": "not-it", "new_password": NEW_PASSWORD},
        content_type="application/json",
        **bearer(tokens["access"]),
    )
    assert wrong.json() == {"current_password": ["That isn't your current password."]}

    changed = client.post(
        "/api/v1/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
        **bearer(tokens["access"]),
    )
    assert changed.status_code == 200
    assert me(tokens["access"]).status_code == 401
    assert me(changed.json()["access"]).status_code == 200
    assert obtain(user.email, password=NEW_PASSWORD).status_code == 200


def test_tokens_without_the_stamp_claim_are_refused(world):
    user = world.personas["owner"].user
    with tenant_context(world.acme):
        unstamped = RefreshToken.for_user(user)
    unstamped["schema"] = world.acme.schema_name
    assert me(str(unstamped.access_token)).status_code == 401
    assert refresh(str(unstamped)).status_code == 401


def test_password_change_page_keeps_this_browser_and_ends_the_others(world):
    user = world.personas["admin"].user
    here, _ = password_sign_in(user.email)
    elsewhere, _ = password_sign_in(user.email, HTTP_USER_AGENT="Other phone")
    too_short = here.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert too_short.status_code == 200
    assert too_short.context["form"].errors["new_password2"]

    response = here.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert here.get("/account/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert len(here.get("/account/").context["sessions"]) == 1


def test_my_account_lists_sessions_and_ends_one(world):
    user = world.personas["approver"].user
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0"
    here, _ = password_sign_in(user.email)
    there, _ = password_sign_in(user.email, HTTP_USER_AGENT=firefox, REMOTE_ADDR="198.51.100.7")

    page = here.get("/account/")
    sessions = {session.device: session for session in page.context["sessions"]}
    assert sessions.keys() == {"Firefox on Windows", "Unknown browser"}
    assert sessions["Unknown browser"].is_current
    other = sessions["Firefox on Windows"]
    assert other.ip_address == "198.51.100.7"
    assert "This device" in page.content.decode()

    ended = here.post(f"/account/sessions/{other.pk}/end/")
    assert ended.status_code == 302
    assert there.get("/").status_code == 302
    assert here.get("/").status_code == 200


def test_someone_elses_session_cannot_be_ended(world):
    owner, _ = password_sign_in(world.personas["owner"].user.email)
    viewer, _ = password_sign_in(world.personas["viewer"].user.email)
    with tenant_context(world.acme):
        viewers = SignedInSession.objects.get(user=world.personas["viewer"].user)
    assert owner.post(f"/account/sessions/{viewers.pk}/end/").status_code == 404
    api = host_client(ACME).delete(
        f"/api/v1/account/sessions/{viewers.pk}",
        **bearer(obtain_tokens(ACME, world.personas["owner"].user.email)["access"]),
    )
    assert api.status_code == 404
    assert viewer.get("/").status_code == 200


def test_sign_out_everywhere_from_the_page(world):
    user = world.personas["staff"].user
    here, _ = password_sign_in(user.email)
    there, _ = password_sign_in(user.email)
    response = here.post("/account/sessions/end-all/", follow=True)
    assert response.redirect_chain[-1][0] == "/auth/login/"
    assert "signed out on every device" in response.content.decode()
    assert here.get("/").status_code == 302
    assert there.get("/").status_code == 302


def test_sign_in_and_out_are_logged_and_tracked(world):
    user = world.personas["viewer"].user
    browser, _ = password_sign_in(user.email)
    with tenant_context(world.acme):
        assert SignedInSession.objects.filter(user=user).count() == 1
    browser.post("/auth/logout/")
    with tenant_context(world.acme):
        assert not SignedInSession.objects.filter(user=user).exists()
        actions = ActivityEntry.objects.filter(actor=user).order_by("-id")
        assert [entry.action for entry in actions[:2]] == ["auth.signed_out", "auth.signed_in"]
        assert actions[1].ip_address == "127.0.0.1"
