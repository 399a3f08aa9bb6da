"""PgBouncer in front of the database: session mode keeps agencies apart, transaction mode
is refused at startup (tenants/checks.py).

Each agency's requests run with the session's search_path at its schema, and our backend
skips the ``SET`` when the session already holds it. Through a session-mode pooler with
two server connections, web processes that connect per request (CONN_MAX_AGE=0) take turns
on one server session and one that keeps its connection switches agencies on its own; no
answer may carry the other agency's rows. The processes see only committed data, so this
works outside pytest-django's per-test transaction and deletes the token rows it made.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from shared_apps.accounts.models import User
from tenant_apps.security.tokens import TenantRefreshToken
from tenants.checks import TRANSACTION_POOLING, shares_server_sessions
from tenants.models import Agency
from tests.browser.conftest import _free_port, _healthy
from tests.committed import committed_db  # noqa: F401  (the committed `db`)
from tests.processes import (
    app_process,
    celery_worker_args,
    database_url,
)
from tests.processes import (
    test_database_env as child_env,  # not collected as a test
)

PGBOUNCER = shutil.which("pgbouncer", path="/usr/sbin:/usr/bin")
TEAMS = {
    "acme": {"owner@acme.example", "admin@acme.example", "staff@acme.example"},
    "globex": {"owner@globex.example"},
}
REQUESTS = 60


@contextmanager
def pgbouncer(mode: str):
    """PgBouncer on a free port in ``mode`` with two server connections to the test
    database, reset with DISCARD ALL when a client leaves; yields the pooled DATABASE_URL."""
    db = connection.settings_dict
    # Readable by the postgres user PgBouncer switches to when started as root.
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o755)
    port = _free_port()
    password = f" password={db['PASSWORD']}" if db["PASSWORD"] else ""
    (folder / "users.txt").write_text(f'"{db["USER"]}" ""\n')
    ini = folder / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}{password}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        f"pool_mode = {mode}\ndefault_pool_size = 2\nserver_reset_query = DISCARD ALL\n"
    )
    for path in folder.iterdir():
        path.chmod(0o644)
    url = database_url(db | {"HOST": "127.0.0.1", "PORT": port})
    as_postgres = ["-u", "postgres"] if os.geteuid() == 0 else []  # it refuses to run as root
    try:
        with app_process(
            [PGBOUNCER, *as_postgres, str(ini)], folder / "pgbouncer.log", lambda: accepts(url)
        ):
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def accepts(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=2).close()
        return True
    except psycopg.OperationalError:
        return False


@pytest.fixture
def owners(db):
    """An access token for each agency's owner; the token rows made are deleted after."""
    tokens, made = {}, {}
    for subdomain in TEAMS:
        agency = Agency.objects.get(subdomain=subdomain)
        with tenant_context(agency):
            before = set(OutstandingToken.objects.values_list("pk", flat=True))
            owner = User.objects.get(email=f"owner@{subdomain}.example")
            tokens[subdomain] = str(TenantRefreshToken.for_user(owner).access_token)
        made[agency] = before
    yield tokens
    for agency, before in made.items():
        with tenant_context(agency):
            OutstandingToken.objects.exclude(pk__in=before).delete()


def gunicorn(url: str, log_path: Path, **env):
    port = _free_port()
    args = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
    server = app_process(
        args,
        log_path,
        ready=lambda: _healthy(port),
        DATABASE_URL=url,
        BIND=f"127.0.0.1:{port}",
        **env,
    )
    return server, port


def team_emails(port: int, host: str, access: str) -> set[str]:
    # http.client, not urllib, so an http_proxy in the environment is never used.
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "GET", "/api/v1/team", headers={"Host": host, "Authorization": f"Bearer {access}"}
        )
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, body
        return {row["email"] for row in json.loads(body)["results"]}
    finally:
        conn.close()


def test_agencies_never_see_each_others_rows_through_a_session_pooler(owners, tmp_path):
    db = connection.settings_dict
    with pgbouncer("session") as url:
        # One process after the other: each worker's startup check holds two server
        # connections for a moment, and the process keeping its connection holds one.
        per_request, per_request_port = gunicorn(
            url, tmp_path / "per-request.log", CONN_MAX_AGE="0", WEB_CONCURRENCY="2"
        )
        with per_request:
            kept, kept_port = gunicorn(
                url, tmp_path / "kept.log", CONN_MAX_AGE="60", WEB_CONCURRENCY="1"
            )
            with kept:

                def ask(number: int) -> tuple[str, set[str]]:
                    subdomain = list(TEAMS)[number % 2]
                    port = (per_request_port, kept_port)[number // 2 % 2]
                    host = f"{subdomain}.localhost"
                    return subdomain, team_emails(port, host, owners[subdomain])

                with ThreadPoolExecutor(3) as pool:
                    answers = list(pool.map(ask, range(REQUESTS)))
                assert all(emails == TEAMS[subdomain] for subdomain, emails in answers), answers

                # The per-request processes have left; a new client gets the server session
                # they used (the other is the kept process's), reset to a fresh one's state.
                with psycopg.connect(url) as probe, psycopg.connect(database_url(db)) as fresh:
                    show = "SHOW search_path"
                    assert probe.execute(show).fetchone() == fresh.execute(show).fetchone()
    # The workers' startup check ran and passed through the session pooler.
    for log in ("per-request.log", "kept.log"):
        assert "Could not check the database pooler" not in (tmp_path / log).read_text()


def startup_refusal(url: str, args: list[str]) -> str:
    """What ``args``, run through the pooler at ``url``, said as it refused to start."""
    finished = subprocess.run(
        args, env=child_env(DATABASE_URL=url), capture_output=True, text=True, timeout=90
    )
    assert finished.returncode != 0, finished.stdout
    return finished.stdout + finished.stderr


def test_transaction_pooling_is_refused_by_web_worker_and_check(db):
    assert not shares_server_sessions()  # direct: each connection its own session
    call_command("check", databases=["default"])  # no SystemCheckError
    with pgbouncer("transaction") as url:
        commands = {
            "check": [sys.executable, "manage.py", "check", "--database", "default"],
            "web": [
                *(sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"),
                *("--bind", f"127.0.0.1:{_free_port()}", "--workers", "1", "config.wsgi"),
            ],
            "worker": celery_worker_args(),
        }
        with ThreadPoolExecutor(len(commands)) as pool:
            started = {
                name: pool.submit(startup_refusal, url, args) for name, args in commands.items()
            }
            said = {name: future.result() for name, future in started.items()}
    for name, output in said.items():
        assert TRANSACTION_POOLING in output, (name, output)
