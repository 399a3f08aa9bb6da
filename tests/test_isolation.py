"""Agency A's data, sessions, tokens and cache entries never reach agency B."""

import pytest
from django.core.cache import cache
from django_tenants.utils import tenant_context
from rest_framework_simplejwt.tokens import RefreshToken

from shared_apps.accounts.models import User
from tests.conftest import PASSWORD, host_client, signed_in_client


def obtain_tokens(host, email, password=PASSWORD):
    response = host_client(host).post(
        "/api/v1/auth/token",
        {"email": email, "password": password},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def me(host, access):
    return host_client(host).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_rows_made_in_one_agency_are_invisible_in_another(world):
    with tenant_context(world.acme):
        User.objects.create_user("only-acme@example.com", full_name="Only Acme")
    with tenant_context(world.globex):
        assert not User.objects.filter(email="only-acme@example.com").exists()
        assert list(User.objects.values_list("email", flat=True)) == ["owner@globex.example"]


def test_user_ids_repeat_across_agencies(world):
    # Why binding matters: both owners are user 1 of their own schema.
    assert world.personas["owner"].user.pk == world.personas["outsider"].user.pk


def test_session_from_one_agency_is_anonymous_on_another(world):
    client = signed_in_client(world.personas["outsider"], host="acme.localhost")
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")


def test_access_token_works_only_on_its_own_agency(world):
    tokens = obtain_tokens("acme.localhost", "owner@acme.example")
    own = me("acme.localhost", tokens["access"])
    assert own.status_code == 200
    assert own.json()["email"] == "owner@acme.example"
    assert own.json()["agency"] == "Acme"

    foreign = me("globex.localhost", tokens["access"])
    assert foreign.status_code == 401


def test_refresh_token_is_refused_on_another_agency(world):
    tokens = obtain_tokens("acme.localhost", "owner@acme.example")
    response = host_client("globex.localhost").post(
        "/api/v1/auth/token/refresh",
        {"refresh": tokens["refresh"]},
        content_type="application/json",
    )
    assert response.status_code == 401
    own = host_client("acme.localhost").post(
        "/api/v1/auth/token/refresh",
        {"refresh": tokens["refresh"]},
        content_type="application/json",
    )
    assert own.status_code == 200
    assert me("acme.localhost", own.json()["access"]).status_code == 200


def test_tokens_without_the_agency_claim_are_refused(world):
    with tenant_context(world.acme):
        unbound = RefreshToken.for_user(world.personas["owner"].user)
    assert me("acme.localhost", str(unbound.access_token)).status_code == 401
    response = host_client("acme.localhost").post(
        "/api/v1/auth/token/refresh", {"refresh": str(unbound)}, content_type="application/json"
    )
    assert response.status_code == 401


def test_password_of_one_agency_does_not_sign_in_on_another(world):
    response = host_client("globex.localhost").post(
        "/api/v1/auth/token",
        {"email": "owner@acme.example", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 401


def test_cache_keys_are_per_agency(world):
    with tenant_context(world.acme):
        cache.set("greeting", "hello from acme")
    with tenant_context(world.globex):
        assert cache.get("greeting") is None
    with tenant_context(world.acme):
        assert cache.get("greeting") == "hello from acme"
        cache.delete("greeting")


@pytest.mark.parametrize("path", ["/", "/api/v1/me"])
def test_tenant_routes_do_not_exist_on_the_platform_host(world, path):
    assert host_client("localhost").get(path).status_code in {200, 404}
    if path != "/":
        assert host_client("localhost").get(path).status_code == 404
