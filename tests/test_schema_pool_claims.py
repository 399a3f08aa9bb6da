"""A spare schema can be claimed only once it exists.

Found by the load run's seeding (bench/reliability/load_seed.py): a signup while a worker
refilled the pool claimed a spare whose row was committed but whose schema was still being
copied, and failed with "schema spare_… does not exist". The pool's rows and schemas are
now made in one transaction, so another connection sees both or neither.
"""

import psycopg
import pytest
from django.db import connection
from django.db.models.signals import post_save

from tenants.actions import POOL_LOCK_KEY, schema_pool_fill
from tenants.models import Agency


@pytest.fixture
def db(django_db_setup, django_db_blocker):
    """Committed data (another connection must see what is committed, and only that).
    (Named ``db`` so pytest-django creates the test database.)"""
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        yield


def other_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    return psycopg.connect(
        **{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True
    )


def test_a_spare_is_claimable_by_others_only_with_its_schema(db):
    seen = []

    def look_from_another_connection(sender, instance, created, **kwargs):
        # Sent once the row is saved and before its schema is made: what a concurrent
        # signup's claim (tenants.actions._claim_spare) would find now.
        if created and instance.is_spare:
            with other_connection() as other:
                table = Agency._meta.db_table
                seen.append(
                    other.execute(
                        f"SELECT 1 FROM {table} WHERE schema_name = %s", [instance.schema_name]
                    ).fetchone()
                )

    post_save.connect(look_from_another_connection, sender=Agency)
    with connection.cursor() as cursor:
        # Held by this session (waiting for a worker's fill to end), so no other process
        # fills meanwhile; schema_pool_fill takes it again, as locks nest.
        cursor.execute("SELECT pg_advisory_lock(%s)", [POOL_LOCK_KEY])
        spares_before = Agency.objects.spares().count()
        try:
            assert schema_pool_fill(size=spares_before + 1) == 1
        finally:
            post_save.disconnect(look_from_another_connection, sender=Agency)
            for extra in Agency.objects.spares().order_by("-created_at")[spares_before:]:
                extra.delete(force_drop=True)
            cursor.execute("SELECT pg_advisory_unlock(%s)", [POOL_LOCK_KEY])
    assert seen == [None]  # the row was not visible before its schema existed
