"""Liveness and readiness probes (shared_apps.core.probes), as kubelet and Docker send them."""

import json
import sys
from http.client import HTTPConnection

import pytest
from django.test import override_settings

from shared_apps.core.redis_circuit import redis_circuit
from tests.browser.conftest import _free_port
from tests.conftest import host_client
from tests.processes import app_process, wait_until

# Kubelet probes with the pod's IP; Docker's HEALTHCHECK with localhost; neither is an agency.
PROBE_HOSTS = ["10.0.0.7", "localhost", "nobody.example.net"]
# What production sets: a strict ALLOWED_HOSTS and the HTTPS redirect.
PRODUCTION_GUARDS = {"ALLOWED_HOSTS": ["portal.example.com"], "SECURE_SSL_REDIRECT": True}


@pytest.mark.parametrize("host", PROBE_HOSTS)
def test_live_answers_on_any_host_without_touching_the_database(
    db, host, django_assert_num_queries
):
    with override_settings(**PRODUCTION_GUARDS), django_assert_num_queries(0):
        response = host_client(host).get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("host", PROBE_HOSTS)
def test_ready_answers_on_any_host_when_database_and_redis_answer(db, host):
    with override_settings(**PRODUCTION_GUARDS):
        response = host_client(host).get("/healthz/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_platform_healthz_is_the_ready_check(db):
    assert host_client("localhost").get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
    }


def test_neighbouring_paths_are_routed_as_usual(db):
    # Only the two exact paths skip routing: anything else on an unknown host is a 404.
    assert host_client("10.0.0.7").get("/healthz/live/").status_code == 404
    assert host_client("10.0.0.7").get("/healthz").status_code == 404


def test_ready_names_redis_when_it_is_unreachable_but_stays_ready(db):
    """Without Redis the process serves, degraded (docs/reliability/redis-outage.md): taking
    every instance out of the load balancer would take the portal down."""
    dead_redis = {
        "default": {
            "BACKEND": "shared_apps.core.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_free_port()}/0",  # bound, then closed
        }
    }
    try:
        with override_settings(CACHES=dead_redis):
            ready = host_client("10.0.0.7").get("/healthz/ready")
            live = host_client("10.0.0.7").get("/healthz/live")
    finally:
        # The failure opened this process's circuit; its probe finds the real Redis again.
        wait_until(lambda: not redis_circuit.open, seconds=10)
    assert ready.status_code == 200
    assert ready.json() == {"status": "degraded", "database": "ok", "redis": "down"}
    assert live.status_code == 200


def _get(port: int, path: str) -> tuple[int, dict]:
    # http.client, not urllib, so an http_proxy in the environment is never used.
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": "10.0.0.7"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def _answers(port: int) -> bool:
    try:
        return _get(port, "/healthz/live")[0] == 200
    except OSError:
        return False


def test_ready_is_503_naming_the_database_when_it_is_unreachable(tmp_path):
    """A real gunicorn with production settings (DEBUG off: a strict ALLOWED_HOSTS and the
    HTTPS redirect) whose DATABASE_URL names a closed port: on an IP Host it is live, not ready."""
    port = _free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
    with app_process(
        gunicorn,
        tmp_path / "server.log",
        ready=lambda: _answers(port),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{_free_port()}/portal",
        DEBUG="false",
        SECRET_KEY="test-only",
        ANYMAIL_ESP="postmark",
        ALLOWED_HOSTS="portal.example.com",
    ):
        status, body = _get(port, "/healthz/ready")
    assert status == 503
    assert body == {"status": "degraded", "database": "down", "redis": "ok"}
