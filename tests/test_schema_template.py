"""New agency schemas are copies of a migrated template schema (tenants.template)."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_exists, tenant_context

from tenant_apps.activity.actions import activity_record
from tenant_apps.activity.events import audit_events
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.models import RequestType
from tenants.fleet import schemas_behind
from tenants.models import Agency
from tenants.template import TEMPLATE_LOCK_KEY, template_ensure_current
from tests import processes

TEMPLATE = settings.TENANT_BASE_SCHEMA

# What must be the same in a copy as in the migrated template, read from the catalog.
CATALOG = {
    "columns": """SELECT table_name, column_name, data_type, is_nullable, column_default,
        is_identity, identity_generation, is_generated, generation_expression
        FROM information_schema.columns WHERE table_schema = %(schema)s""",
    "relations": """SELECT relname, relkind, relpersistence FROM pg_class
        WHERE relnamespace = %(schema)s::regnamespace""",
    "indexes": """SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = %(schema)s::regnamespace""",
    "constraints": """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid),
        condeferrable, condeferred FROM pg_constraint
        WHERE connamespace = %(schema)s::regnamespace""",
    "triggers": """SELECT t.tgname, pg_get_triggerdef(t.oid), t.tgenabled FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = %(schema)s::regnamespace AND NOT t.tgisinternal""",
    "functions": """SELECT proname, pg_get_functiondef(oid) FROM pg_proc
        WHERE pronamespace = %(schema)s::regnamespace""",
    "sequences": """SELECT s.relname, d.refobjid::regclass::text, a.attname, d.deptype,
        format_type(q.seqtypid, NULL), q.seqstart, q.seqincrement, q.seqmin, q.seqmax,
        q.seqcache, q.seqcycle, pg_sequence_last_value(s.oid)
        FROM pg_sequence q JOIN pg_class s ON s.oid = q.seqrelid
        LEFT JOIN pg_depend d ON d.objid = s.oid AND d.refclassid = 'pg_class'::regclass
        LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE s.relnamespace = %(schema)s::regnamespace""",
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = %(schema)s",
}
# And the rows migrations write that Django reads.
ROWS = {
    "django_migrations": "SELECT app, name FROM {schema}.django_migrations",
    "django_content_type": "SELECT id, app_label, model FROM {schema}.django_content_type",
    "auth_permission": "SELECT id, content_type_id, codename, name FROM {schema}.auth_permission",
}


def _schema_shape(schema: str) -> dict[str, list]:
    """Everything above, with the schema's own name written ``<schema>``: a definition
    naming another schema (the template, say) stays different."""
    shape = {}
    with connection.cursor() as cursor:
        for key, query in CATALOG.items():
            cursor.execute(query, {"schema": connection.ops.quote_name(schema)})
            shape[key] = sorted(
                tuple(str(value).replace(schema, "<schema>") for value in row)
                for row in cursor.fetchall()
            )
        for key, query in ROWS.items():
            cursor.execute(query.format(schema=connection.ops.quote_name(schema)))
            shape[key] = sorted(cursor.fetchall())
    return shape


def _agency_create(schema_name: str) -> Agency:
    connection.set_schema_to_public()
    agency = Agency(schema_name=schema_name, name=schema_name)
    agency.save(verbosity=0)
    return agency


def test_a_new_schema_is_the_migrated_template_and_refers_to_itself(db):
    template_ensure_current()
    agency = _agency_create("copy_of_template")

    template_shape, copy_shape = _schema_shape(TEMPLATE), _schema_shape(agency.schema_name)
    assert copy_shape == template_shape
    assert len(copy_shape["triggers"]) >= 3  # the activity log's and decisions' guards
    assert copy_shape["django_migrations"]

    with tenant_context(agency):
        assert RequestType.objects.filter(is_builtin=True).count() == 5  # a data migration's
        entry = activity_record(action=next(iter(audit_events())))
        assert ActivityEntry.objects.get().entry_hash == entry.entry_hash
        # The copy's own trigger and function guard its own log.
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            ActivityEntry.objects.all().delete()
        # Sequences continue after the template's rows, as in a migrated schema.
        added = RequestType.objects.create(key="extra", name="Extra")
        assert added.pk == RequestType.objects.exclude(pk=added.pk).latest("pk").pk + 1
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TEMPLATE}.activity_activityentry")
        assert cursor.fetchone() == (0,)
        cursor.execute(f"SELECT count(*) FROM {TEMPLATE}.client_requests_requesttype")
        assert cursor.fetchone() == (5,)


def test_a_template_behind_the_code_is_migrated_before_it_is_copied(db):
    template_ensure_current()
    call_command(
        "migrate_schemas",
        "documents",
        "0001_folders_documents_and_versions",
        schema_name=TEMPLATE,
        tenant=True,
        interactive=False,
        verbosity=0,
    )
    connection.set_schema_to_public()
    assert schemas_behind([TEMPLATE])[TEMPLATE] >= 1  # and those depending on it

    agency = _agency_create("copy_of_renewed_template")

    assert schemas_behind([TEMPLATE, agency.schema_name]) == {}
    assert _schema_shape(agency.schema_name)["indexes"] == _schema_shape(TEMPLATE)["indexes"]


# Run by each process: True when it built the template.
CREATE_IN_PROCESS = """
from django.db import transaction
from tenants.models import Agency
from tenants.template import template_ensure_current
with transaction.atomic():
    built = template_ensure_current()
    Agency(schema_name="{schema}", name="{schema}").save(verbosity=0)
print("built" if built else "copied")
"""


def test_two_processes_missing_the_template_build_it_once(django_db_setup, django_db_blocker):
    schemas = ["made_meanwhile_1", "made_meanwhile_2"]
    with django_db_blocker.unblock():
        assert not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {TEMPLATE} CASCADE")
            # Both start while this connection holds the builders' lock: both find no template.
            cursor.execute("SELECT pg_advisory_lock(%s)", [TEMPLATE_LOCK_KEY])
        children = [
            subprocess.Popen(
                [sys.executable, "manage.py", "shell", "-c", CREATE_IN_PROCESS.format(schema=name)],
                env=processes.test_database_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in schemas
        ]
        try:
            _wait_for_lock_waiters(2)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [TEMPLATE_LOCK_KEY])
            results = [process.communicate(timeout=120) for process in children]
            assert [process.returncode for process in children] == [0, 0], results
            assert sorted(out.strip().splitlines()[-1] for out, _err in results) == [
                "built",
                "copied",
            ]
            assert schemas_behind([TEMPLATE, *schemas]) == {}
            assert all(schema_exists(name) for name in schemas)
        finally:
            for process in children:
                process.kill()
            connection.set_schema_to_public()
            for agency in Agency.objects.filter(schema_name__in=schemas):
                agency.delete(force_drop=True)


def _wait_for_lock_waiters(count: int) -> None:
    with connection.cursor() as cursor:
        for _ in range(600):
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND objid = %s AND database = (SELECT oid FROM pg_database"
                " WHERE datname = current_database())",
                [TEMPLATE_LOCK_KEY & 0xFFFF_FFFF],
            )
            if cursor.fetchone()[0] == count:
                return
            cursor.execute("SELECT pg_sleep(0.1)")
    raise AssertionError(f"{count} processes never waited on the template's lock")
