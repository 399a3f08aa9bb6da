"""Every answer under /api/ is JSON in the API's error shape, whatever went wrong: routes
that do not exist, wrong methods, CSRF failures, unknown hosts and server errors; pages keep
their HTML (shared_apps.core.api_errors)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import path

from config import urls_public
from tests.conftest import host_client, signed_in_client

ACME = "acme.localhost"
PLATFORM = "localhost"


def _failing_view(request):
    raise RuntimeError("a bug")


# The platform host's API has no route that real input makes fail; this one does.
urlpatterns = [path("api/v1/fail", _failing_view), *urls_public.urlpatterns]
handler400 = urls_public.handler400
handler403 = urls_public.handler403
handler404 = urls_public.handler404
handler500 = urls_public.handler500


def as_owner(world):
    return signed_in_client(world.personas["owner"])


def as_operator(world):
    return signed_in_client(world.personas["operator"])


def anyone(host):
    return lambda world: host_client(host)


def broken_storage_upload(world, client, settings, tmp_path):
    # Storage that cannot be written (a file where its folder should be): an unhandled OSError.
    settings.FILE_STORAGE_ROOT = tmp_path / "not-a-folder"
    settings.FILE_STORAGE_ROOT.write_text("")
    upload = SimpleUploadedFile("brief.txt", b"What we need.\n", content_type="text/plain")
    return client.post("/api/v1/documents", {"company": world.northwind.pk, "file": upload})


def csrf_checked(client):
    client.handler.enforce_csrf_checks = True
    return client


# (label, how to get a client, method, path, status, code); a callable path sends itself.
CASES = [
    ("agency non-integer id", as_owner, "get", "/api/v1/requests/abc", 404, "not_found"),
    ("agency unknown path", as_owner, "get", "/api/v1/no-such-thing", 404, "not_found"),
    ("agency NUL in the path", as_owner, "get", "/api/v1/requests/a%00b", 404, "not_found"),
    ("agency wrong method", as_owner, "delete", "/api/v1/clients", 405, "method_not_allowed"),
    ("agency anonymous", anyone(ACME), "get", "/api/v1/clients", 401, "not_authenticated"),
    (
        "agency CSRF failure",
        lambda world: csrf_checked(as_owner(world)),
        "post",
        "/api/v1/clients",
        403,
        "permission_denied",
    ),
    ("agency server error", as_owner, broken_storage_upload, None, 500, "server_error"),
    ("unknown host", anyone("nowhere.localhost"), "get", "/api/v1/me", 404, "unknown_host"),
    ("platform unknown path", anyone(PLATFORM), "get", "/api/v1/requests/1", 404, "not_found"),
    ("platform wrong method", anyone(PLATFORM), "get", "/api/v1/signup", 405, "method_not_allowed"),
    (
        "platform CSRF failure",
        lambda world: csrf_checked(as_operator(world)),
        "post",
        "/api/schema/",
        403,
        "permission_denied",
    ),
    ("platform server error", anyone(PLATFORM), "post", "/api/v1/fail", 500, "server_error"),
]


@pytest.mark.parametrize(
    ("make_client", "method", "url", "status", "code"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
@override_settings(PUBLIC_SCHEMA_URLCONF=__name__)
def test_api_errors_are_json_with_a_detail_and_a_code(
    world, settings, tmp_path, make_client, method, url, status, code
):
    client = make_client(world)
    client.raise_request_exception = False  # as in production: the handler500 answers
    if callable(method):
        response = method(world, client, settings, tmp_path)
    else:
        response = getattr(client, method)(url)
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code", "request_id"}, body
    assert body["request_id"] == response["X-Request-ID"]
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]


def test_pages_keep_their_html_error_pages(world):
    client = as_owner(world)
    missing = client.get("/requests/abc/")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("text/html")
    assert "There is nothing at this address." in missing.text
    unreadable = client.get("/requests/new/", {"type": "a\x00b"})
    assert unreadable.status_code == 400
    assert "We could not read that request" in unreadable.text
    unknown_host = host_client("nowhere.localhost").get("/")
    assert unknown_host.status_code == 404
    assert "No portal at this address" in unknown_host.text


# A list's paging input the pager cannot use is refused naming it (DRF would answer 404, or
# quietly use another page size).
PAGING = [
    ("agency bad cursor", as_owner, "/api/v1/clients", {"cursor": "nonsense"}, "cursor"),
    ("agency page size 0", as_owner, "/api/v1/clients", {"page_size": "0"}, "page_size"),
    ("agency page size 201", as_owner, "/api/v1/team", {"page_size": "201"}, "page_size"),
    ("keyset page size", as_owner, "/api/v1/requests", {"page_size": "x"}, "page_size"),
    ("operator log cursor", as_operator, "/api/v1/operator/log", {"cursor": "x"}, "cursor"),
    ("operator page", as_operator, "/api/v1/operator/agencies", {"page": "99"}, "page"),
    (
        "operator page size",
        as_operator,
        "/api/v1/operator/agencies",
        {"page_size": "-1"},
        "page_size",
    ),
]


@pytest.mark.parametrize(
    ("make_client", "url", "query", "field"),
    [case[1:] for case in PAGING],
    ids=[case[0] for case in PAGING],
)
def test_paging_input_a_list_cannot_use_is_a_field_error(world, make_client, url, query, field):
    response = make_client(world).get(url, query)
    assert response.status_code == 400, response.content[:300]
    assert list(response.json()) == [field]


def test_a_refused_refresh_token_signs_out_nothing_with_a_401(world):
    response = host_client(ACME).post(
        "/api/v1/auth/logout", {"refresh": "not-a-token"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
