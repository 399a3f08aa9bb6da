"""The deletion task on a real Celery worker: a schema that failed to drop (a lock held
elsewhere) is left whole, and the next run deletes it. The worker sees committed rows only,
so this works outside the per-test transaction and drops what it made."""

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_exists

from operators.suspension import agency_delete_due
from operators.tasks import agencies_delete_due
from tenants.actions import schema_pool_fill
from tenants.models import Agency, Domain
from tests.processes import outbox_files, wait_until
from tests.test_operator_suspension import doomed_agency, log_actions
from tests.test_tasks import db  # noqa: F401  (the worker sees committed rows)


def test_a_schema_that_failed_to_drop_is_deleted_by_the_next_run(
    db,  # noqa: F811
    celery_worker,
    django_db_blocker,
):
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        spares_before = Agency.objects.spares().count()
        agency = doomed_agency("doomed-retry")
        schema = agency.schema_name
        blocker = connections.create_connection("default")
        try:
            # Another session holds a lock on a table of the schema: the drop times out.
            with blocker.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(f'LOCK TABLE "{schema}".accounts_user IN ACCESS SHARE MODE')
            with pytest.raises(Exception, match="lock timeout"):
                agency_delete_due(agency_id=agency.pk)
            # Nothing half-done: the schema, its rows and no "deleted" entry; offline, still due.
            assert schema_exists(schema)
            kept = Agency.objects.get(pk=agency.pk)
            assert not kept.is_active and kept.deletion_due_at is not None
            assert Domain.objects.filter(tenant=kept).exists()
            assert "agency.deleted" not in log_actions(kept)
            with blocker.cursor() as cursor:
                cursor.execute("ROLLBACK")
            # The beat task's next run, on the real worker.
            agencies_delete_due.delay()
            wait_until(lambda: not Agency.objects.filter(pk=agency.pk).exists())
            assert not schema_exists(schema)
            assert log_actions(kept)[-1] == "agency.deleted"
            # The owner was told when the deletion was scheduled, by the worker.
            wait_until(
                lambda: any(
                    b"Subject: Doomed Co is scheduled for deletion" in raw
                    for raw in outbox_files("d@doomed-retry.example")
                )
            )
        finally:
            blocker.close()
            for left in Agency.objects.filter(pk=agency.pk):
                left.delete(force_drop=True)
            schema_pool_fill(size=spares_before)
