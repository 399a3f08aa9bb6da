"""Platform plumbing: health check, env-driven settings, production hardening, the pool."""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django_tenants.utils import tenant_context

from config.env import database_from_url, env_bool, env_int, env_str
from shared_apps.accounts.models import User
from tenants.actions import schema_pool_fill
from tenants.models import Agency

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("raw", ["flase", "2", "maybe"])
def test_env_bool_refuses_unclear_values(monkeypatch, raw):
    monkeypatch.setenv("SOME_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)


def test_env_int_refuses_non_numbers(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("SOME_NUMBER", 1)


def test_env_str_reads_secret_files_and_requires_unset_secrets(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("API_SECRET_FILE", str(secret))
    assert env_str("API_SECRET") == "s3cret"
    monkeypatch.setenv("API_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("API_SECRET")
    monkeypatch.delenv("API_SECRET_FILE")
    with pytest.raises(ImproperlyConfigured, match="Set the API_SECRET"):
        env_str("API_SECRET")


def test_database_url_parsing_handles_sockets_and_refuses_other_engines():
    socket = database_from_url("postgresql://postgres@/portal?host=/tmp/pg")
    assert (socket["NAME"], socket["USER"], socket["HOST"]) == ("portal", "postgres", "/tmp/pg")
    tcp = database_from_url("postgres://u:p%40ss@db.internal:6543/app")
    assert (tcp["HOST"], tcp["PORT"], tcp["PASSWORD"]) == ("db.internal", "6543", "p@ss")
    with pytest.raises(ImproperlyConfigured, match="postgresql://"):
        database_from_url("mysql://root@localhost/app")


def run_manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=os.environ | {"TESTING": "false"} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x" * 64 + "production-grade-secret-key-value",
        PLATFORM_DOMAIN="portal.example.com",
        ANYMAIL_ESP="postmark",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mail_takes_the_providers_credentials_from_env(tmp_path):
    """Anymail reads settings, not the environment: the ESP's variables become settings."""
    token_file = tmp_path / "token"
    token_file.write_text("server-token-from-a-file\n")
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.ANYMAIL_POSTMARK_SERVER_TOKEN, settings.ANYMAIL_POSTMARK_API_URL)",
        DEBUG="false",
        SECRET_KEY="x" * 64 + "production-grade-secret-key-value",
        ANYMAIL_ESP="postmark",
        ANYMAIL_POSTMARK_SERVER_TOKEN_FILE=str(token_file),
        ANYMAIL_POSTMARK_API_URL="http://127.0.0.1:9/",
    )
    assert result.returncode == 0, result.stderr
    printed = result.stdout.splitlines()[-1].split()
    assert printed == ["server-token-from-a-file", "http://127.0.0.1:9/"]


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="false", ANYMAIL_ESP="postmark")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


@contextmanager
def pool_lock_held():
    """The pool's lock, held by another connection. Taking it waits for a fill already
    running (a worker's fill_schema_pool queued by an earlier test's commit) to finish, so
    this test never drops spares that a fill is migrating (both would wait for ever)."""
    from tenants.actions import POOL_LOCK_KEY

    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [POOL_LOCK_KEY])
        yield


def test_pool_fill_migrates_spares_that_are_real_schemas(db):
    from tenants.actions import POOL_LOCK_KEY

    with connection.cursor() as cursor:
        # This session holds the pool's lock (it waits for a fill already running), so no
        # other process fills meanwhile; schema_pool_fill takes it again, as locks nest.
        cursor.execute("SELECT pg_advisory_lock(%s)", [POOL_LOCK_KEY])
        try:
            Agency.objects.spares().delete()
            assert schema_pool_fill(size=2) == 2
            assert schema_pool_fill(size=2) == 0  # already full: idempotent
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [POOL_LOCK_KEY])
    for spare in Agency.objects.spares():
        with tenant_context(spare):
            assert User.objects.count() == 0  # tables exist, empty
        assert spare.domains.count() == 0  # a spare is never routable


def test_pool_fill_is_a_no_op_while_another_process_fills(db):
    with pool_lock_held():
        Agency.objects.spares().delete()
        assert schema_pool_fill(size=2) == 0
    assert not Agency.objects.spares().exists()


@pytest.mark.parametrize("urlconf", ["config.urls_tenant", "config.urls_public"])
def test_openapi_schema_is_valid_and_warning_free(urlconf, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", urlconf=urlconf, file=str(out), validate=True, fail_on_warn=True)
    assert "/api/v1/" in out.read_text()
