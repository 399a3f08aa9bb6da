"""A refresh token is spent once, even when it is sent many times at the same moment.

Django's test client runs one request at a time, so this drives the production server
(gunicorn with deploy/gunicorn.conf.py: several worker processes, each with its own
database connection) over real sockets from real threads. The server sees only committed
data, so the test works outside pytest-django's per-test transaction and deletes the token
rows it made.
"""

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection

import pytest
from django_tenants.utils import tenant_context
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from shared_apps.accounts.models import User
from tenant_apps.security.tokens import TenantRefreshToken
from tenants.models import Agency
from tests.browser.conftest import _free_port, _healthy
from tests.committed import committed_db  # noqa: F401  (the committed `db`)
from tests.processes import app_process
from tests.security_support import ACME

AT_ONCE = 8
BURSTS = 5


@pytest.fixture(scope="module")
def server_port(django_db_setup, tmp_path_factory) -> int:
    port = _free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
    with app_process(
        gunicorn,
        log_path,
        ready=lambda: _healthy(port),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(AT_ONCE // 2),
    ):
        yield port


@pytest.fixture
def owner(db):
    """Acme's owner; the token rows the test makes for them are deleted after."""
    acme = Agency.objects.get(subdomain="acme")
    with tenant_context(acme):
        user = User.objects.get(email="owner@acme.example")
        before = set(OutstandingToken.objects.values_list("pk", flat=True))
    yield acme, user, before
    with tenant_context(acme):
        # Blacklist rows go with their outstanding token (on delete cascade).
        OutstandingToken.objects.exclude(pk__in=before).delete()


def post_refresh(port: int, refresh: str) -> tuple[int, dict]:
    # http.client, not urllib, so an http_proxy in the environment is never used.
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            "/api/v1/auth/token/refresh",
            body=json.dumps({"refresh": refresh}),
            headers={"Host": ACME, "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def get_me(port: int, access: str) -> int:
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "GET", "/api/v1/me", headers={"Host": ACME, "Authorization": f"Bearer {access}"}
        )
        return conn.getresponse().status
    finally:
        conn.close()


def jti(token: str) -> str:
    return TenantRefreshToken(token, verify=False)["jti"]


def test_one_refresh_token_sent_at_once_many_times_gives_one_pair(server_port, owner):
    acme, user, rows_before = owner
    start = threading.Barrier(AT_ONCE, timeout=30)

    def refresh_together(token: str) -> tuple[int, dict]:
        start.wait()
        return post_refresh(server_port, token)

    handed_out = set()
    for _ in range(BURSTS):
        with tenant_context(acme):
            old = str(TenantRefreshToken.for_user(user))
        handed_out.add(jti(old))

        with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
            answers = list(pool.map(refresh_together, [old] * AT_ONCE))

        statuses = sorted(status for status, _ in answers)
        assert statuses == [200] + [401] * (AT_ONCE - 1)
        (pair,) = [body for status, body in answers if status == 200]
        refused = [body for status, body in answers if status == 401]
        assert {body["code"] for body in refused} == {"token_not_valid"}
        handed_out.add(jti(pair["refresh"]))

        assert get_me(server_port, pair["access"]) == 200
        assert post_refresh(server_port, old)[0] == 401
        status, again = post_refresh(server_port, pair["refresh"])
        assert status == 200
        handed_out.add(jti(again["refresh"]))

    with tenant_context(acme):
        made = set(
            OutstandingToken.objects.exclude(pk__in=rows_before).values_list("jti", flat=True)
        )
        spent = BlacklistedToken.objects.filter(token__jti__in=made).count()
    # One row for each token handed out, none for the refused requests; each old one spent.
    assert made == handed_out
    assert len(handed_out) == BURSTS * 3
    assert spent == BURSTS * 2


def test_a_token_two_requests_read_as_unspent_is_spent_by_only_one(owner):
    # The race step by step: a refresh and a sign-out (or two of either) have both read the
    # token as unspent before either blacklists it.
    acme, user, _ = owner
    with tenant_context(acme):
        token = str(TenantRefreshToken.for_user(user))
        first, second = TenantRefreshToken(token), TenantRefreshToken(token)
        first.blacklist()
        with pytest.raises(TokenError, match="blacklisted"):
            second.blacklist()
