"""What operators read: request ids, JSON log lines, error pages that show the id, and
Prometheus metrics (shared_apps.core.observability, logs, metrics, metrics_files).

The log lines and the multiprocess metrics are read from a real gunicorn with two workers and
JSON logs; the task metrics from the real Celery worker of tests/conftest.py.
"""

import io
import json
import logging
import os
import re
import signal
import sys
from http.client import HTTPConnection
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import path
from django.utils import timezone
from django_tenants.utils import tenant_context
from prometheus_client.parser import text_string_to_metric_families

from config import urls_public
from config.celery import app
from shared_apps.core.logs import REQUEST_ID, ContextFilter, JsonFormatter
from tenant_apps.security.tokens import TenantRefreshToken
from tenants.models import Agency
from tests.browser.conftest import _free_port
from tests.conftest import host_client, signed_in_client
from tests.processes import app_process, wait_until

ACME = "acme.localhost"
PLATFORM = "localhost"
POD = "10.0.0.7"  # Prometheus scrapes each pod at its address
SECRET = "metrics-test-secret"
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def _failing_view(request):
    raise RuntimeError("a bug")


# A page of the platform host that fails, as a bug would (tests/test_api_errors.py does the same).
urlpatterns = [path("fails/", _failing_view), *urls_public.urlpatterns]
handler500 = urls_public.handler500


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of a Prometheus text exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(host=POD, secret=SECRET):
    return host_client(host).get("/internal/metrics", HTTP_AUTHORIZATION=f"Bearer {secret}")


# The request id


@pytest.mark.parametrize(
    ("host", "url"),
    [
        (ACME, "/auth/login/"),  # a page
        (ACME, "/api/v1/me"),  # the API, refused (401)
        (ACME, "/no-such-page/"),  # an error page
        (POD, "/healthz/live"),  # a probe, before host routing
        ("nowhere.localhost", "/"),  # an unknown host
    ],
)
def test_every_response_carries_a_request_id(world, host, url):
    response = host_client(host).get(url)
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])
    again = host_client(host).get(url)
    assert again["X-Request-ID"] != response["X-Request-ID"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("3f2b9c1e-8d4a-4b7e-9a6c-1d2e3f4a5b6c", True),  # a proxy's UUID
        ("edge.7f3a_21-b", True),
        ("short", False),
        ("x" * 65, False),
        ("has spaces in it", False),
        ("line\\nbreak-attempt", False),
        ('"><script>alert(1)</script>', False),
    ],
)
def test_a_request_id_from_the_caller_is_kept_only_when_it_is_a_short_plain_token(
    world, sent, kept
):
    response = host_client(ACME).get("/auth/login/", HTTP_X_REQUEST_ID=sent)
    if kept:
        assert response["X-Request-ID"] == sent
    else:
        assert GENERATED_ID.fullmatch(response["X-Request-ID"])


def test_error_pages_and_api_errors_show_the_request_id(world):
    page = host_client(ACME).get("/no-such-page/")
    assert page.status_code == 404
    assert f"<code>{page['X-Request-ID']}</code>" in page.text
    api = host_client(ACME).get("/api/v1/requests/abc")
    assert api.status_code == 404
    assert api.json()["request_id"] == api["X-Request-ID"]
    unknown = host_client("nowhere.localhost").get("/")
    assert f"<code>{unknown['X-Request-ID']}</code>" in unknown.text


@override_settings(PUBLIC_SCHEMA_URLCONF=__name__)
def test_the_500_page_shows_the_request_id(world):
    client = host_client(PLATFORM)
    client.raise_request_exception = False  # as in production: handler500 answers
    response = client.get("/fails/")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert f"<code>{response['X-Request-ID']}</code>" in response.text


def test_the_503_of_a_moving_agency_shows_the_request_id(world):
    Agency.objects.filter(pk=world.acme.pk).update(moving_since=timezone.now())
    page = host_client(ACME).post("/auth/login/")
    assert page.status_code == 503
    assert f"<code>{page['X-Request-ID']}</code>" in page.text
    api = host_client(ACME).post("/api/v1/auth/token", {}, content_type="application/json")
    assert api.status_code == 503
    assert api.json()["request_id"] == api["X-Request-ID"]


# Log lines


def test_a_log_line_is_scrubbed_of_tokens_addresses_and_query_strings():
    """The filter and formatter every handler uses (shared_apps.core.logs), on one record."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.observability.scrub")
    logger.addHandler(handler)
    logger.propagate = False
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIzNDU2Nzg5MA"
    link = "Xk3_9fQpLm2vR8sT1uW4yZ6aB0cD5eF7gH"
    try:
        try:
            raise ValueError(f"bad token {link}")
        except ValueError:
            logger.exception(
                "Refused %s for %s at /auth/login/?next=/l/abc/ from %s",
                jwt,
                "ana.lopez@northwind.example",
                "ReadOnlySqlTransaction",
                extra={"request": object(), "data": {"args": "(1, 'secret')"}},
            )
    finally:
        logger.removeHandler(handler)
    line = json.loads(out.getvalue())
    assert line["message"] == (
        "Refused [token] for [email] at /auth/login/?[query] from ReadOnlySqlTransaction"
    )
    assert "ValueError: bad token [token]" in line["exc_info"]
    # Only these fields: the record's extras (Django's request, Celery's task data) stay out.
    assert set(line) == {"timestamp", "level", "logger", "message", "schema", "process", "exc_info"}
    assert (line["level"], line["logger"]) == ("ERROR", "tests.observability.scrub")


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    """gunicorn, two workers, JSON logs, metrics files in a folder the test can see."""
    folder = tmp_path_factory.mktemp("gunicorn")
    port, log_path, metrics_dir = _free_port(), folder / "server.log", folder / "metrics"
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
    with app_process(
        gunicorn,
        log_path,
        ready=lambda: _get(port, "/healthz/live", POD)[0] == 200,
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        LOG_FORMAT="json",
        METRICS_SECRET=SECRET,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    ) as process:
        yield port, log_path, metrics_dir, process.pid


def _get(port, url, host, headers=None):
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", url, headers={"Host": host, "Connection": "close", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode()
    except OSError:
        return 0, {}, ""
    finally:
        conn.close()


def _log_lines(log_path: Path) -> list[dict]:
    return [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]


def test_log_lines_are_json_with_the_request_id_schema_and_user_id(world, server):
    port, log_path, _, _ = server
    owner = world.personas["owner"].user
    with tenant_context(world.acme):
        access = str(TenantRefreshToken.for_user(owner).access_token)
    status, headers, body = _get(
        port,
        "/api/v1/me",
        ACME,
        {"Authorization": f"Bearer {access}", "X-Request-ID": "trace-0001-observability"},
    )
    assert status == 200 and owner.email in body
    assert headers["X-Request-ID"] == "trace-0001-observability"

    def access_line():
        found = [
            line
            for line in _log_lines(log_path)
            if line.get("request_id") == "trace-0001-observability"
        ]
        return found[0] if found else None

    wait_until(access_line, seconds=10)
    line = access_line()
    assert line.pop("timestamp").endswith("+00:00")
    assert line.pop("process") > 0
    assert line.pop("duration_ms") >= 0
    assert line == {
        "level": "INFO",
        "logger": "portal.access",
        "message": line["message"],
        "request_id": "trace-0001-observability",
        "schema": world.acme.schema_name,
        "user_id": owner.pk,
        "method": "GET",
        "route": "api-me",
        "status": 200,
    }
    assert line["message"].startswith("GET api-me 200 ")
    # Every line is JSON (_log_lines parsed them all); none holds the person's email or name.
    text = log_path.read_text()
    assert owner.email not in text and owner.full_name not in text


# Metrics


def test_metrics_answer_404_without_the_secret_and_while_it_is_unset(world, settings):
    settings.METRICS_SECRET = ""
    assert scrape().status_code == 404
    settings.METRICS_SECRET = SECRET
    assert host_client(POD).get("/internal/metrics").status_code == 404
    assert scrape(secret="wrong").status_code == 404
    assert (
        host_client(POD).get("/internal/metrics", HTTP_X_PORTAL_INTERNAL_SECRET=SECRET).status_code
        == 404
    )
    for host in (POD, PLATFORM, ACME):
        response = scrape(host)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        assert response["Cache-Control"] == "no-store"


def test_request_latency_is_labelled_by_route_never_by_path(world, settings):
    settings.METRICS_SECRET = SECRET
    owner = signed_in_client(world.personas["owner"])
    assert owner.get("/api/v1/requests/987654").status_code == 404
    assert owner.get("/requests/987654/").status_code == 404
    text = scrape().content.decode()
    figures = samples(text)
    count = "portal_http_request_duration_seconds_count"
    for route in ("api-request", "client_requests:detail"):
        labels = (("method", "GET"), ("route", route), ("status", "4xx"))
        assert figures[(count, labels)] >= 1
    # In no label (the figures themselves are numbers, which may hold any digits).
    label_values = {value for _, labels in figures for _, value in labels}
    assert not {value for value in label_values if "987654" in value or "acme" in value}
    assert "/requests" not in text


def test_worker_files_add_up_and_survive_a_worker_dying(world, server):
    port, _, metrics_dir, master = server
    route = (("method", "GET"), ("route", "accounts:login"), ("status", "2xx"))
    count = ("portal_http_request_duration_seconds_count", route)

    def scraped():
        status, _, text = _get(
            port, "/internal/metrics", POD, {"Authorization": f"Bearer {SECRET}"}
        )
        assert status == 200
        return samples(text)

    before = scraped().get(count, 0)
    for _ in range(12):
        assert _get(port, "/auth/login/", ACME)[0] == 200
    assert scraped()[count] == before + 12
    workers = _children(master)
    assert len(workers) == 2
    served = [pid for pid in workers if (metrics_dir / f"histogram_{pid}.db").exists()]
    dying = served[0]
    os.kill(dying, signal.SIGKILL)
    wait_until(lambda: len(_children(master)) == 2 and dying not in _children(master), seconds=30)
    # Its files are folded away: the live gauge dropped, the counts kept in the archive.
    wait_until(lambda: not (metrics_dir / f"histogram_{dying}.db").exists(), seconds=10)
    assert not (metrics_dir / f"gauge_livesum_{dying}.db").exists()
    assert (metrics_dir / "histogram_archive.db").exists()
    after = scraped()
    assert after[count] == before + 12
    assert after[("portal_http_requests_in_progress", ())] == 1  # this scrape
    for _ in range(3):
        assert _get(port, "/auth/login/", ACME)[0] == 200
    assert scraped()[count] == before + 15


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def test_task_runs_and_failures_are_counted_by_name(world, settings, celery_worker):
    settings.METRICS_SECRET = SECRET
    succeeded = (
        "portal_celery_tasks_total",
        (("outcome", "succeeded"), ("task", "operators.tasks.support_sessions_close")),
    )
    failed = (
        "portal_celery_tasks_total",
        (("outcome", "failed"), ("task", "tenants.tasks.fill_schema_pool")),
    )
    before = samples(scrape().content.decode())
    app.send_task("operators.tasks.support_sessions_close")
    # A real task, sent with an argument it does not take: it fails in the worker. Queued as
    # while a request runs, it carries the request's id into the worker's lines.
    token = REQUEST_ID.set("queued-by-request-0001")
    try:
        app.send_task("tenants.tasks.fill_schema_pool", args=["unexpected"])
    finally:
        REQUEST_ID.reset(token)

    def counted():
        now = samples(scrape().content.decode())
        return all(now.get(key, 0) == before.get(key, 0) + 1 for key in (succeeded, failed))

    wait_until(counted, seconds=60)
    figures = samples(scrape().content.decode())
    assert figures[("portal_redis_up", ())] == 1
    # The worker's own lines carry the task's name and id (text here: the tests' DEBUG).
    log = celery_worker.read_text()
    assert re.search(
        r"ERROR celery\.app\.trace \[request_id=queued-by-request-0001 schema=public "
        r"task_name=tenants\.tasks\.fill_schema_pool task_id=[0-9a-f-]{36}\] Task ",
        log,
    )


def test_queue_length_is_read_from_redis_when_scraped(world, settings):
    settings.METRICS_SECRET = SECRET
    # A queue of its own: the session's worker reads this process's queue.
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-metrics-depth"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    length = ("portal_celery_queue_length", (("queue", queue),))
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    try:
        assert samples(scrape().content.decode())[length] == 0
        app.send_task("tenants.tasks.fill_schema_pool", queue=queue)
        app.send_task("tenants.tasks.fill_schema_pool", queue=queue, priority=9)
        assert samples(scrape().content.decode())[length] == 2
    finally:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)


def test_metrics_say_redis_is_down_instead_of_failing(world, settings):
    from shared_apps.core import metrics

    settings.METRICS_SECRET = SECRET
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    metrics._redis.cache_clear()
    try:
        response = scrape()
    finally:
        metrics._redis.cache_clear()
    assert response.status_code == 200
    figures = samples(response.content.decode())
    assert figures[("portal_redis_up", ())] == 0
    assert not any(name.startswith("portal_celery") for name, _ in figures)
