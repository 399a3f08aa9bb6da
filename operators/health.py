"""The platform's health in a handful of cheap reads: no per-schema loop of queries.

Each figure is None when it could not be read (Redis down, nothing gathered yet), so the
page says "unknown" rather than a reassuring zero.
"""

import functools
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta

import redis
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from operators.models import AgencyUsageDay
from shared_apps.core.metrics import UNACKED_KEY, queue_keys
from tenants.models import Agency

logger = logging.getLogger(__name__)

FAILURE_DAYS = 7
RECENT_FAILURES = 20
SCHEMAS_PER_QUERY = 200


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def _failure_key(suffix: str) -> str:
    # The cache's prefix keeps apart the processes sharing one Redis (tests, engineers).
    return f"{settings.CACHES['default']['KEY_PREFIX']}:operators:task-failures:{suffix}"


def _agency_failure_key(schema: str, day: str) -> str:
    return _failure_key(f"agency:{schema}:{day}")


def task_failure_count(task_name: str, error: BaseException, schema: str = "") -> None:
    """Celery's task_failure signal (operators.apps): one more failure today (and for the
    agency whose schema the task ran in, if any), and the last few failures' task, time and
    error class. Never raises: it runs in the worker."""
    now = timezone.now()
    day_key = _failure_key(now.date().isoformat())
    recent_key = _failure_key("recent")
    recent = json.dumps({"task": task_name, "at": now.isoformat(), "error": type(error).__name__})
    try:
        pipe = _redis().pipeline()
        pipe.incr(day_key)
        pipe.expire(day_key, timedelta(days=FAILURE_DAYS + 1))
        if schema and schema != "public":
            agency_key = _agency_failure_key(schema, now.date().isoformat())
            pipe.incr(agency_key)
            pipe.expire(agency_key, timedelta(days=FAILURE_DAYS + 1))
        pipe.lpush(recent_key, recent)
        pipe.ltrim(recent_key, 0, RECENT_FAILURES - 1)
        pipe.execute()
    except redis.RedisError:
        logger.warning("Could not count the failure of task %s", task_name, exc_info=True)


def agency_task_failures(schema: str, *, days: int = FAILURE_DAYS) -> int | None:
    """How many tasks failed for good in ``schema``'s agency over the last ``days`` days;
    None when Redis does not answer."""
    today = timezone.now().date()
    keys = [
        _agency_failure_key(schema, (today - timedelta(days=n)).isoformat()) for n in range(days)
    ]
    try:
        return sum(int(value) for value in _redis().mget(keys) if value is not None)
    except redis.RedisError:
        logger.warning("Could not read the task failures of %s", schema, exc_info=True)
        return None


@dataclass
class QueueDepth:
    name: str
    waiting: int


@dataclass
class Failure:
    task: str
    at: str
    error: str


@dataclass
class Celery:
    queues: list[QueueDepth] | None = None
    reserved: int | None = None
    failures_by_day: list[dict] | None = None
    recent_failures: list[Failure] | None = None


def celery_health() -> Celery:
    queues = [settings.CELERY_TASK_DEFAULT_QUEUE]
    today = timezone.now().date()
    days = [(today - timedelta(days=n)).isoformat() for n in range(FAILURE_DAYS)]
    try:
        pipe = _redis().pipeline()
        for queue in queues:
            for key in queue_keys(queue):
                pipe.llen(key)
        pipe.hlen(UNACKED_KEY)
        pipe.mget([_failure_key(day) for day in days])
        pipe.lrange(_failure_key("recent"), 0, RECENT_FAILURES - 1)
        *lengths, reserved, counts, recent = pipe.execute()
    except redis.RedisError:
        logger.warning("Redis did not answer the health page", exc_info=True)
        return Celery()
    per_queue = len(queue_keys(""))
    return Celery(
        queues=[
            QueueDepth(queue, sum(lengths[i * per_queue : (i + 1) * per_queue]))
            for i, queue in enumerate(queues)
        ],
        reserved=reserved,
        failures_by_day=[
            {"day": day, "failures": int(count or 0)}
            for day, count in zip(days, counts, strict=True)
        ],
        recent_failures=[Failure(**json.loads(item)) for item in recent],
    )


@dataclass
class SchemaMigrations:
    schema: str
    agency: str
    missing: list[str]


@dataclass
class Migrations:
    schemas_checked: int
    pending: list[SchemaMigrations] = field(default_factory=list)


@functools.cache
def _latest_migrations() -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    """The migration graph's leaves (app, name) for the public schema's apps and for the
    agencies' apps; read from disk once per process (the code does not change meanwhile)."""
    leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()

    def labels(modules):
        return {a.label for a in apps.get_app_configs() if a.name in modules}

    shared, tenant = labels(settings.SHARED_APPS), labels(settings.TENANT_APPS)
    return (
        frozenset(leaf for leaf in leaves if leaf[0] in shared),
        frozenset(leaf for leaf in leaves if leaf[0] in tenant),
    )


def _applied_leaves(schemas: list[str], leaves: frozenset) -> dict[str, set[str]]:
    """For each schema, which of ``leaves`` its django_migrations holds: one query per
    SCHEMAS_PER_QUERY schemas."""
    applied: dict[str, set[str]] = {}
    values = ", ".join(["(%s, %s)"] * len(leaves))
    params = [part for leaf in sorted(leaves) for part in leaf]
    quote = connection.ops.quote_name
    for start in range(0, len(schemas), SCHEMAS_PER_QUERY):
        batch = schemas[start : start + SCHEMAS_PER_QUERY]
        # Schema names come from the agencies table, quoted; the values are parameters.
        parts = [
            f"SELECT %s, m.app || '.' || m.name FROM {quote(schema)}.django_migrations m "  # noqa: S608
            "JOIN leaves USING (app, name)"
            for schema in batch
        ]
        sql = f"WITH leaves(app, name) AS (VALUES {values}) " + " UNION ALL ".join(parts)
        with connection.cursor() as cursor:
            cursor.execute(sql, params + batch)
            for schema, migration in cursor.fetchall():
                applied.setdefault(schema, set()).add(migration)
    return applied


def migrations_health() -> Migrations:
    shared_leaves, tenant_leaves = _latest_migrations()
    names = dict(Agency.objects.exclude(schema_name="public").values_list("schema_name", "name"))
    with connection.cursor() as cursor:
        # Only schemas that have a migrations table (one being created has none yet).
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'django_migrations' AND n.nspname = ANY(%s)",
            [list(names)],
        )
        schemas = sorted(row[0] for row in cursor.fetchall())
    report = Migrations(schemas_checked=len(schemas) + 1)
    applied = _applied_leaves(["public"], shared_leaves) | _applied_leaves(schemas, tenant_leaves)
    for schema, leaves, label in [("public", shared_leaves, "the platform")] + [
        (schema, tenant_leaves, names[schema] or schema) for schema in schemas
    ]:
        missing = {f"{app}.{name}" for app, name in leaves} - applied.get(schema, set())
        if missing:
            report.pending.append(SchemaMigrations(schema, label, sorted(missing)))
    return report


@dataclass
class Usage:
    """The latest gathered day of each agency (operators.AgencyUsageDay), summed."""

    agencies: int
    storage_bytes: int | None
    webhook_failures: int | None
    agencies_with_webhook_failures: int | None
    gathered_at: object | None


def usage_health() -> Usage:
    table = AgencyUsageDay._meta.db_table
    columns = "storage_bytes, webhook_failures, gathered_at"
    latest = f"SELECT DISTINCT ON (agency_id) {columns} FROM {table} ORDER BY agency_id, day DESC"  # noqa: S608
    totals = "count(*), sum(storage_bytes), sum(webhook_failures), min(gathered_at)"
    failing = "count(*) FILTER (WHERE webhook_failures > 0)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {totals}, {failing} FROM ({latest}) latest")  # noqa: S608
        agencies, storage, failures, gathered, failing = cursor.fetchone()
    if not agencies:
        return Usage(0, None, None, None, None)
    return Usage(agencies, int(storage), int(failures), failing, gathered)


@dataclass
class Health:
    celery: Celery
    spares: int
    spares_wanted: int
    migrations: Migrations
    database_bytes: int
    usage: Usage
    checked_at: object


def platform_health() -> Health:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        database_bytes = cursor.fetchone()[0]
    return Health(
        celery=celery_health(),
        spares=Agency.objects.spares().count(),
        spares_wanted=settings.SCHEMA_POOL_SIZE,
        migrations=migrations_health(),
        database_bytes=database_bytes,
        usage=usage_health(),
        checked_at=timezone.now(),
    )
