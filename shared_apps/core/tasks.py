"""Queueing Celery tasks by name, after the transaction commits, through an outbox.

By name, looked up in Celery's registry so that eager mode still applies: an action never
imports its app's tasks, and a task may import actions. A task carries the schema that was
current when it was queued (tenant-schemas-celery's ``_schema_name`` header) and runs there:
the public schema for the platform's tasks, the agency's for the agency side's.

The outbox (docs/reliability/redis-outage.md): the task is a row of ``OutboxTask`` (public
schema) written in the change's transaction, so a change and its task commit together. After
the commit the row is published and deleted; when Redis is down (or the process dies first)
the row stays, and a relay publishes it: each process that found Redis down relays as soon as
it answers again (shared_apps.core.redis_circuit), and beat runs ``outbox_relay`` every
OUTBOX_RELAY_SECONDS for the rest (a sender that died after its commit).
Whoever publishes a row first locks it (SKIP LOCKED) and deletes it in the same transaction,
so the sender and any number of relays never send one row twice; a row is sent again only if
its sender dies between the publish and that commit (tasks are idempotent).
"""

import logging
from contextlib import contextmanager

from celery import current_app, shared_task
from django.db import connection, connections, router, transaction
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tenant_schemas_celery.task import headers_with_schema

from shared_apps.core.models import OutboxTask
from shared_apps.core.redis_circuit import redis_circuit

logger = logging.getLogger(__name__)

BROKER_DOWN = (OperationalError, RedisConnectionError, RedisTimeoutError)
RELAY_BATCH = 500


def task_named(name: str):
    if name not in current_app.tasks:
        # The apps' tasks modules load lazily (autodiscover_tasks); a web process that has
        # not imported one yet loads them all now, once.
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


# Set while nothing is to be queued at all (tasks_dropped).
_dropping = False


@contextmanager
def tasks_dropped():
    """Queue no task in this block: for the demo's history, written as if long ago
    (onboarding.demo_clock); the whole process's, as that clock is."""
    global _dropping
    saved, _dropping = _dropping, True
    try:
        yield
    finally:
        _dropping = saved


def enqueue_on_commit(task_name: str, *args) -> None:
    """Queue the task ``task_name`` once the current transaction commits (at once outside
    one), in the schema current now. Through the outbox: a broker outage never fails a saved
    change nor loses its task."""
    if _dropping:
        return
    # The commit may come after the caller left the tenant context, so take the header now.
    headers = headers_with_schema({})
    if connection.cluster_moved:
        # The change is on another cluster and the outbox on the primary, which share no
        # transaction: the row is written once the change has committed (so no relay can
        # send it before), and a crash in between loses it (the apps' sweeps remain).
        transaction.on_commit(
            lambda: _send(OutboxTask.objects.create(name=task_name, args=args, headers=headers)),
            robust=True,
        )
        return
    task = OutboxTask.objects.create(name=task_name, args=args, headers=headers)
    transaction.on_commit(lambda: _send(task), robust=True)


def _publish(task: OutboxTask) -> None:
    # No retries here: a row that is not sent now is the relay's.
    task_named(task.name).apply_async(
        task.args, headers=task.headers, task_id=str(task.task_id), retry=False
    )


def _commit_without_waiting(cursor) -> None:
    # A sent row's delete need not wait for the disk: lost in a database crash, the row is
    # only sent again. (Waiting for a flush costs a change several ms per task.)
    cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _send(task: OutboxTask) -> None:
    """Publish ``task`` and delete its row, unless Redis is known to be down or a relay has
    taken it; when publishing fails the row stays for the relay."""
    if redis_circuit.open:
        return
    alias = router.db_for_write(OutboxTask)
    table = connections[alias].ops.quote_name(OutboxTask._meta.db_table)
    with transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            _commit_without_waiting(cursor)
            cursor.execute(
                f"DELETE FROM {table} WHERE id = "  # noqa: S608
                f"(SELECT id FROM {table} WHERE id = %s FOR UPDATE SKIP LOCKED)",
                [task.pk],
            )
            if cursor.rowcount == 0:  # a relay holds it, or has sent it
                return
        try:
            _publish(task)
        except BROKER_DOWN as error:
            redis_circuit.failed(error)
            transaction.set_rollback(True, using=alias)


def relay() -> int:
    """Publish the tasks waiting in the outbox, oldest first; returns how many were sent.
    Stops at the first publish that finds Redis down."""
    alias = router.db_for_write(OutboxTask)
    sent, after = 0, 0
    while not redis_circuit.open:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            _commit_without_waiting(cursor)
            batch = list(
                OutboxTask.objects.using(alias)
                .filter(pk__gt=after)
                .select_for_update(skip_locked=True)
                .order_by("pk")[:RELAY_BATCH]
            )
            published = []
            for task in batch:
                try:
                    _publish(task)
                except BROKER_DOWN as error:
                    redis_circuit.failed(error)
                    break
                except Exception:
                    # Left for the next relay, and logged each time, until someone looks.
                    logger.exception("Outbox task %s (%s) could not be sent", task.pk, task)
                    continue
                published.append(task.pk)
            OutboxTask.objects.using(alias).filter(pk__in=published).delete()
        sent += len(published)
        if len(batch) < RELAY_BATCH:
            break
        after = batch[-1].pk
    return sent


@shared_task(ignore_result=True)
def outbox_relay() -> int:
    """Beat's relay of the outbox, in the public schema (``relay``)."""
    return relay()


def relay_in_thread() -> None:
    """Relay the outbox from the thread that found Redis back (a circuit hook): at once, and
    whether or not a worker is connected yet."""
    try:
        sent = relay()
    finally:
        connections.close_all()  # this thread's own
    if sent:
        logger.warning("Redis back: %s queued tasks sent from the outbox", sent)
