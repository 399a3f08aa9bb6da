"""What the outbox costs a change that queues a task (docs/reliability/redis-outage.md).

``DJANGO_SETTINGS_MODULE=config.settings python -m bench.reliability.outbox_cost`` against the
database in DATABASE_URL (migrated) and the Redis in REDIS_URL. Each round commits TASKS
transactions that each write (as an action does) and queue one task: once through
``enqueue_on_commit`` (a row in the transaction; after the commit a claim, the publish and
the row's mark) and once as before the outbox (only the publish, after the commit),
alternating; ROUNDS rounds, medians of wall-clock and of this process's CPU per transaction.
Then what a worker adds as each task starts: Celery's ``task_prerun`` signal, sent as a worker
sends it, whose outbox handler deletes the row (timed over the rows the rounds left).
The task is the outbox's own relay, harmless if a worker runs it; the queue is purged after.

Prints JSON: {"outbox": {"wall_ms", "cpu_ms"}, "publish only": {...}, "extra": {...},
"worker, as a task starts": {...}}.
"""
# ruff: noqa: E402  (Django must be set up before models are imported)

import json
import statistics
import time

import django

django.setup()

from celery import current_app
from celery.signals import task_prerun
from django.db import connection, transaction
from tenant_schemas_celery.task import headers_with_schema

from shared_apps.core.models import OutboxTask
from shared_apps.core.tasks import enqueue_on_commit, task_named

TASK = "shared_apps.core.tasks.outbox_relay"
TASKS, ROUNDS, WARM_UP = 200, 7, 50
SCRATCH = "bench_outbox_change"


def change() -> None:
    """What every action's transaction does: write a row, so that its commit waits for the
    disk (a row in a scratch table of the bench's own, dropped after)."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {SCRATCH} DEFAULT VALUES")


def through_the_outbox() -> None:
    with transaction.atomic():
        change()
        enqueue_on_commit(TASK)


def publish_only() -> None:
    """enqueue_on_commit as it was before the outbox."""
    with transaction.atomic():
        change()
        headers = headers_with_schema({})
        transaction.on_commit(lambda: task_named(TASK).apply_async((), headers=headers))


def timed(queue) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(TASKS):
        queue()
    return (
        (time.perf_counter() - wall) * 1000 / TASKS,
        (time.process_time() - cpu) * 1000 / TASKS,
    )


def task_starts() -> tuple[float, float]:
    """Per task, what ``task_prerun`` costs a worker (the row's delete), over the rows left."""
    task = task_named(TASK)
    task_ids = list(OutboxTask.objects.filter(name=TASK).values_list("task_id", flat=True))
    wall, cpu = time.perf_counter(), time.process_time()
    for task_id in task_ids:
        task_prerun.send(sender=task, task_id=str(task_id), task=task, args=(), kwargs={})
    assert not OutboxTask.objects.filter(task_id__in=task_ids).exists()
    return (
        (time.perf_counter() - wall) * 1000 / len(task_ids),
        (time.process_time() - cpu) * 1000 / len(task_ids),
    )


def main() -> None:
    ways = {"outbox": through_the_outbox, "publish only": publish_only}
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {SCRATCH} (id bigserial PRIMARY KEY)")
    runs = {name: [] for name in ways}
    try:
        for queue in ways.values():
            for _ in range(WARM_UP):
                queue()
        for _ in range(ROUNDS):
            for name, queue in ways.items():
                runs[name].append(timed(queue))
        started = task_starts()
    finally:
        current_app.control.purge()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {SCRATCH}")
    figures = {
        name: {
            "wall_ms": round(statistics.median(wall for wall, _ in rounds), 3),
            "cpu_ms": round(statistics.median(cpu for _, cpu in rounds), 3),
        }
        for name, rounds in runs.items()
    }
    figures["extra"] = {
        key: round(figures["outbox"][key] - figures["publish only"][key], 3)
        for key in ("wall_ms", "cpu_ms")
    }
    figures["worker, as a task starts"] = {
        "wall_ms": round(started[0], 3),
        "cpu_ms": round(started[1], 3),
    }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
