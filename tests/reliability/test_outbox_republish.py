"""The outbox's rule for a task published but never started (shared_apps.core.tasks): lost
inside Redis, it is sent again OUTBOX_REPUBLISH_AFTER_SECONDS after its publish or its eta,
and at once by the relay that finds Redis back; a task a worker started has no row left.

Rows of the outbox's own relay task (harmless: nothing of ours is due when it runs), committed,
in the public schema; a real worker in this process on the test's Redis queue for the last
part. The session's worker (the ``celery_worker`` fixture), if an earlier test started it,
stops consuming the queue meanwhile: the test's tasks must stay unstarted until its own
worker starts.
"""

from datetime import timedelta

import pytest
from celery import current_app
from celery.contrib.testing.worker import start_worker
from celery.signals import before_task_publish
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from shared_apps.core.models import OutboxTask
from shared_apps.core.tasks import outbox_relay, relay
from tests.committed import committed_db  # noqa: F401  (the committed `db`)
from tests.processes import wait_until

GRACE = timedelta(seconds=300)


@pytest.fixture
def published(db):
    """Ids of the tasks published while the test runs, with their eta header."""
    sent = []

    def count(headers=None, **kwargs):
        sent.append((headers["id"], headers["eta"]))

    queue = current_app.conf.task_default_queue
    current_app.control.cancel_consumer(queue, reply=True)
    before_task_publish.connect(count)
    current_app.control.purge()
    try:
        yield sent
    finally:
        before_task_publish.disconnect(count)
        current_app.control.purge()
        current_app.control.add_consumer(queue, reply=True)
        OutboxTask.objects.filter(name=outbox_relay.name).delete()


def sent_of(published, rows) -> set:
    return {task_id for task_id, _eta in published} & {str(row.task_id) for row in rows}


def outbox_row(**fields) -> OutboxTask:
    return OutboxTask.objects.create(
        name=outbox_relay.name,
        args=[],
        headers={"_schema_name": get_public_schema_name()},
        **fields,
    )


@override_settings(OUTBOX_REPUBLISH_AFTER_SECONDS=GRACE.total_seconds())
def test_a_task_published_and_never_started_is_sent_again_after_the_grace_not_before_its_eta(
    published,
):
    now = timezone.now()
    unpublished = outbox_row()
    lost = outbox_row(published_at=now - GRACE * 2)
    recent = outbox_row(published_at=now - GRACE / 2)
    later = outbox_row(published_at=now - GRACE * 2, eta=now + timedelta(hours=1))
    lost_after_its_eta = outbox_row(published_at=now - GRACE * 10, eta=now - GRACE * 2)

    mine = [unpublished, lost, recent, later, lost_after_its_eta]
    ours = OutboxTask.objects.filter(pk__in=[row.pk for row in mine])

    relay()
    assert sent_of(published, mine) == {
        str(row.task_id) for row in (unpublished, lost, lost_after_its_eta)
    }
    assert len(published) == len({task_id for task_id, _eta in published})
    # Each is marked as just published, and waits another grace period for its worker.
    published.clear()
    relay()
    assert sent_of(published, mine) == set()
    assert ours.filter(published_at__gte=now).count() == 3

    # Redis came back from an outage: whatever was published before it may be gone, and is
    # sent again, a future eta included (for then, not now: its eta goes with it).
    published.clear()
    relay(lost_before=timezone.now())
    assert sent_of(published, mine) == {str(row.task_id) for row in mine}
    assert dict(published)[str(later.task_id)] == later.eta.isoformat()
    assert dict(published)[str(recent.task_id)] is None
    published.clear()
    relay(lost_before=now)  # nothing of ours published before that outage is left
    assert sent_of(published, mine) == set()

    # A worker starts them: their rows go, but for the one due in an hour.
    with start_worker(current_app, pool="solo", perform_ping_check=False):
        # Behind the rows earlier tests of this process left, which the outage relay re-sent.
        wait_until(lambda: ours.count() == 1, seconds=180)
    assert list(ours.values_list("pk", flat=True)) == [later.pk]
