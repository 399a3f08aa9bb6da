"""Queueing Celery tasks by name, after the transaction commits, through an outbox.

By name, looked up in Celery's registry so that eager mode still applies: an action never
imports its app's tasks, and a task may import actions. A task carries the schema that was
current when it was queued (tenant-schemas-celery's ``_schema_name`` header) and runs there:
the public schema for the platform's tasks, the agency's for the agency side's.

The outbox (docs/reliability/redis-outage.md): the task is a row of ``OutboxTask`` (public
schema) written in the change's transaction, so a change and its task commit together. After
the commit the row is published and marked so (``published_at``); a worker deletes it as the
task starts (``task_prerun``). A row not yet published (Redis down, or its sender died) is
sent by a relay: each process that found Redis down relays as soon as it answers again
(shared_apps.core.redis_circuit), and beat runs ``outbox_relay`` every OUTBOX_RELAY_SECONDS.
A row published but never started was lost inside Redis (a message a worker had just popped
as Redis died, a Redis restarted without its data): the relay sends it again
OUTBOX_REPUBLISH_AFTER_SECONDS after its publish (or its eta), and the relay that finds Redis
back sends again every row published before the outage. So a task is sent at least once and
may run twice; every task kind is idempotent (docs/reliability/worker-kill.md).
Whoever publishes a row locks it (SKIP LOCKED) and marks it in the same transaction, so the
sender and any number of relays never send one row twice at once.
"""

import logging
from contextlib import contextmanager
from datetime import datetime, timedelta

from celery import current_app, shared_task
from celery.result import EagerResult
from celery.signals import task_prerun
from django.conf import settings
from django.db import connection, connections, router, transaction
from django.db.models import Q
from django.db.models.functions import Greatest, Now
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
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


def enqueue_on_commit(task_name: str, *args, countdown: float | None = None) -> None:
    """Queue the task ``task_name`` once the current transaction commits (at once outside
    one), in the schema current now, to run ``countdown`` seconds from now if given. Through
    the outbox: a broker outage never fails a saved change nor loses its task."""
    if _dropping:
        return
    # The commit may come after the caller left the tenant context, so take the header now.
    headers = headers_with_schema({})
    eta = timezone.now() + timedelta(seconds=countdown) if countdown else None
    if connection.cluster_moved:
        # The change is on another cluster and the outbox on the primary, which share no
        # transaction: the row is written once the change has committed (so no relay can
        # send it before), and a crash in between loses it (the apps' sweeps remain).
        transaction.on_commit(
            lambda: _send(
                OutboxTask.objects.create(name=task_name, args=args, headers=headers, eta=eta)
            ),
            robust=True,
        )
        return
    task = OutboxTask.objects.create(name=task_name, args=args, headers=headers, eta=eta)
    transaction.on_commit(lambda: _send(task), robust=True)


def _publish(task: OutboxTask):
    # No retries here: a row that is not sent now is the relay's.
    return task_named(task.name).apply_async(
        task.args, headers=task.headers, task_id=str(task.task_id), eta=task.eta, retry=False
    )


def _commit_without_waiting(cursor) -> None:
    # A row's mark need not wait for the disk: lost in a database crash, the row is only sent
    # again. (Waiting for a flush costs a change several ms per task.)
    cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _mark_published(alias: str, ids: list[int], ran: list[int]) -> None:
    """Rows just published wait for their task to start; those that ran eagerly are done."""
    rows = OutboxTask.objects.using(alias)
    rows.filter(pk__in=ran).delete()
    rows.filter(pk__in=set(ids) - set(ran)).update(published_at=Now())


def _send(task: OutboxTask) -> None:
    """Publish ``task`` and mark its row so, unless Redis is known to be down or a relay has
    taken it; when publishing fails the row stays unpublished for the relay."""
    if redis_circuit.open:
        return
    alias = router.db_for_write(OutboxTask)
    table = connections[alias].ops.quote_name(OutboxTask._meta.db_table)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        _commit_without_waiting(cursor)
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE id = %s AND published_at IS NULL "  # noqa: S608
            "FOR UPDATE SKIP LOCKED",
            [task.pk],
        )
        if cursor.fetchone() is None:  # a relay holds it, or has sent it
            return
        try:
            result = _publish(task)
        except BROKER_DOWN as error:
            redis_circuit.failed(error)
            return
        _mark_published(alias, [task.pk], [task.pk] if isinstance(result, EagerResult) else [])


def _due(lost_before: datetime | None) -> Q:
    """Rows to send: never published; or published and not started by now, which is
    OUTBOX_REPUBLISH_AFTER_SECONDS after the publish or the eta, or before ``lost_before``."""
    grace = timedelta(seconds=settings.OUTBOX_REPUBLISH_AFTER_SECONDS)
    due = Q(published_at__isnull=True) | Q(last_due__lt=Now() - grace)
    if lost_before is not None:
        due |= Q(published_at__lt=lost_before)
    return due


def relay(*, lost_before: datetime | None = None) -> int:
    """Publish the tasks due in the outbox (``_due``), oldest first; returns how many were
    sent. Stops at the first publish that finds Redis down."""
    alias = router.db_for_write(OutboxTask)
    sent, again, after = 0, 0, 0
    while not redis_circuit.open:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            _commit_without_waiting(cursor)
            batch = list(
                OutboxTask.objects.using(alias)
                # Greatest skips a null eta (PostgreSQL's GREATEST ignores nulls).
                .alias(last_due=Greatest("published_at", "eta"))
                .filter(_due(lost_before), pk__gt=after)
                .select_for_update(skip_locked=True)
                .order_by("pk")[:RELAY_BATCH]
            )
            published, ran = [], []
            for task in batch:
                try:
                    result = _publish(task)
                except BROKER_DOWN as error:
                    redis_circuit.failed(error)
                    break
                except Exception:
                    # Left for the next relay, and logged each time, until someone looks.
                    logger.exception("Outbox task %s (%s) could not be sent", task.pk, task)
                    continue
                published.append(task.pk)
                again += task.published_at is not None
                if isinstance(result, EagerResult):
                    ran.append(task.pk)
            _mark_published(alias, published, ran)
        sent += len(published)
        if len(batch) < RELAY_BATCH:
            break
        after = batch[-1].pk
    if again:
        logger.warning("Outbox: %s tasks published but never started were sent again", again)
    return sent


@task_prerun.connect
def forget_started_task(task_id, task, **kwargs):
    """A worker starts a task: its outbox row, if it came from one, is done. One autocommit
    delete by the unique task id, on the connection holding the public schema (the primary,
    whichever cluster the agency is on); the table named with its schema, as the connection
    may be in the agency's. An eager run's row is its sender's (``_mark_published``)."""
    if task.request.is_eager:
        return
    alias = router.db_for_write(OutboxTask)
    quote = connections[alias].ops.quote_name
    table = f"{quote(get_public_schema_name())}.{quote(OutboxTask._meta.db_table)}"
    with connections[alias].cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE task_id = %s", [task_id])  # noqa: S608


@shared_task(ignore_result=True)
def outbox_relay() -> int:
    """Beat's relay of the outbox, in the public schema (``relay``)."""
    return relay()


def relay_in_thread() -> None:
    """Relay the outbox from the thread that found Redis back (a circuit hook): at once, and
    whether or not a worker is connected yet."""
    try:
        # Redis lost what it held when it died, or may have (a message a worker had just
        # popped, or all of them without persistence): everything published before is sent
        # again. Rows published since (by another process's relay) are not.
        sent = relay(lost_before=redis_circuit.down_since)
    finally:
        connections.close_all()  # this thread's own
    if sent:
        logger.warning("Redis back: %s queued tasks sent from the outbox", sent)
