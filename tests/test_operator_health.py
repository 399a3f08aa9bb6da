"""The health page and API: real Redis queue depths, task failures counted by a real worker,
the spare pool, migrations pending per schema, sizes, and "unknown" where nothing is known."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.celery import app
from operators import health
from operators.health import agency_task_failures
from operators.models import AgencyUsageDay
from operators.roles import Role
from shared_apps.accounts.models import User
from tenant_apps.documents.models import DocumentVersion, ExtractionState
from tenant_apps.usage.tasks import usage_gather_agency
from tenants.models import Agency
from tests.conftest import OPERATOR_EMAILS, host_client, operator_sign_in
from tests.processes import wait_until

PLATFORM = "localhost"


@pytest.fixture
def client(world):
    support = User.objects.get(email=OPERATOR_EMAILS[Role.SUPPORT])
    return operator_sign_in(host_client(PLATFORM), support)


def usage_row(agency, day, *, storage, webhook_failures):
    return AgencyUsageDay.objects.create(
        agency=agency,
        day=day,
        storage_bytes=storage,
        webhook_failures=webhook_failures,
        gathered_at=timezone.now(),
    )


def test_unknown_figures_say_so_rather_than_zero(client):
    page = client.get("/operator/health/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Unknown: no usage gathered yet" in body
    assert "No usage gathered yet" in body
    data = client.get("/api/v1/operator/health").json()
    assert data["usage"]["storage_bytes"] is None and data["usage"]["webhook_failures"] is None
    assert data["database_bytes"] > 0
    assert data["spares"] == Agency.objects.spares().count()
    assert data["spares_wanted"] == settings.SCHEMA_POOL_SIZE


def test_storage_and_webhook_failures_come_from_each_agencys_latest_day(world, client):
    today = timezone.localdate()
    usage_row(world.acme, today - timedelta(days=1), storage=999, webhook_failures=50)
    usage_row(world.acme, today, storage=1000, webhook_failures=2)
    usage_row(world.globex, today, storage=500, webhook_failures=0)
    usage = client.get("/api/v1/operator/health").json()["usage"]
    assert usage["storage_bytes"] == 1500 and usage["webhook_failures"] == 2
    assert usage["agencies"] == 2 and usage["agencies_with_webhook_failures"] == 1
    body = client.get("/operator/health/").content.decode()
    assert "1.5\xa0KB" in body and "At 1 agency" in body


def test_migrations_pending_are_found_per_schema_in_a_bounded_number_of_queries(world, client):
    assert client.get("/api/v1/operator/health").json()["migrations"]["pending"] == []
    spare = Agency.objects.spares().first()
    _shared, tenant_leaves = health._latest_migrations()
    app_label, name = sorted(tenant_leaves)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{spare.schema_name}".django_migrations WHERE app = %s AND name = %s',
            [app_label, name],
        )
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as captured:
        report = health.migrations_health()
    # The agencies, the schemas with a migrations table, then one query per 200 schemas.
    assert len(captured) <= 4
    assert [(p.schema, p.missing) for p in report.pending] == [
        (spare.schema_name, [f"{app_label}.{name}"])
    ]
    assert report.schemas_checked == Agency.objects.exclude(schema_name="public").count() + 1
    body = client.get("/operator/health/").content.decode()
    assert "1 schema behind" in body and f"{app_label}.{name}" in body


def test_queue_depth_counts_the_tasks_waiting_in_redis(client, settings):
    # A queue of its own: a worker another test started may be reading this process's.
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-depth"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)  # an earlier run's, stopped half-way
    before = client.get("/api/v1/operator/health").json()["celery"]["queues"]
    assert before == [{"name": queue, "waiting": 0}]
    try:
        app.send_task("tenants.tasks.fill_schema_pool", queue=queue)
        app.send_task("tenants.tasks.fill_schema_pool", queue=queue, priority=9)
        after = client.get("/api/v1/operator/health").json()["celery"]["queues"]
        assert after == [{"name": queue, "waiting": 2}]
    finally:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)


def test_a_task_that_fails_in_the_worker_is_counted(client, celery_worker):
    def failures_today():
        data = client.get("/api/v1/operator/health").json()["celery"]
        return data["failures_by_day"][0]["failures"], data["recent_failures"]

    before, _ = failures_today()
    # A real task, sent with an argument it does not take: it fails in the worker.
    app.send_task("tenants.tasks.fill_schema_pool", args=["unexpected"])
    wait_until(lambda: failures_today()[0] == before + 1, seconds=60)
    _, recent = failures_today()
    assert recent[0]["task"] == "tenants.tasks.fill_schema_pool"
    assert recent[0]["error"] == "TypeError"
    body = client.get("/operator/health/").content.decode()
    assert "tenants.tasks.fill_schema_pool" in body


def test_redis_down_is_unknown_not_zero(client, monkeypatch):
    monkeypatch.setattr(settings, "REDIS_URL", "redis://127.0.0.1:1/0")
    health._redis.cache_clear()
    try:
        body = client.get("/operator/health/").content.decode()
        assert "did not answer" in body
        assert client.get("/api/v1/operator/health").json()["celery"]["queues"] is None
    finally:
        health._redis.cache_clear()


def test_a_task_that_fails_for_an_agency_is_counted_for_it(client, celery_worker, world):
    acme, globex = world.acme.schema_name, world.globex.schema_name
    before, globex_before = agency_task_failures(acme), agency_task_failures(globex)
    with tenant_context(world.acme):  # sent from the agency: it runs in its schema
        app.send_task("tenants.tasks.fill_schema_pool", args=["unexpected"])
    wait_until(lambda: agency_task_failures(acme) == before + 1, seconds=60)
    assert agency_task_failures(globex) == globex_before
    with tenant_context(world.acme):
        usage_gather_agency()
        unreadable = DocumentVersion.objects.filter(extraction=ExtractionState.FAILED).count()
    row = AgencyUsageDay.objects.get(agency=world.acme)
    assert row.failed_tasks == before + 1 + unreadable
