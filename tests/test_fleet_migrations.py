"""``migrate_schemas`` at fleet scale (tenants.migration_executor): only the schemas behind
are migrated, each with its result; a failure names its schema and spares the others.

Two agencies of their own (committed, copied from the template schema, dropped at the end); a
schema is put behind by really unapplying the documents app's last migration in it.
"""

import os
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.signals import schema_migrated
from django_tenants.utils import schema_exists

from tenants.fleet import expected_tenant_migrations, schemas_behind
from tenants.models import Agency
from tenants.template import schema_clone, template_ensure_current

FLEET = ["fleet_north", "fleet_south"]
# Back to before the migration that adds the index document_recent: cheap to unapply and
# to apply again, with the later ones (they only drop and re-create indexes).
APP, PREVIOUS = "documents", "0001_folders_documents_and_versions"


@pytest.fixture(scope="module")
def fleet(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        template_ensure_current()
        for schema in FLEET:
            schema_clone(schema)
            Agency.objects.bulk_create([Agency(schema_name=schema, name=schema)])
    yield FLEET
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for agency in Agency.objects.filter(schema_name__in=FLEET):
            agency.delete(force_drop=True)


@pytest.fixture
def committed(fleet, django_db_blocker):
    """Each test sees and leaves committed data: the fleet current, as the fixture made it."""
    with django_db_blocker.unblock():
        yield fleet
        connection.set_schema_to_public()
        for schema in fleet:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP INDEX IF EXISTS "{schema}".document_recent')
        if schemas_behind(fleet):
            call_command("migrate_schemas", interactive=False, verbosity=0, stdout=StringIO())
        assert schemas_behind(fleet) == {}


def migrate(*args, **options) -> str:
    out = StringIO()
    call_command("migrate_schemas", *args, interactive=False, stdout=out, **options)
    connection.set_schema_to_public()
    return out.getvalue()


def put_behind(schema) -> str:
    """Unapplies the migrations after PREVIOUS (and those of other apps that depend on them);
    returns how many, as the results say it ("3 migrations")."""
    output = migrate(APP, PREVIOUS, schema_name=schema)
    behind = schemas_behind([schema])[schema]
    migrations = f"{behind} migration" + ("s" if behind > 1 else "")
    assert f"[1/1] {schema}: {migrations} unapplied" in output
    return migrations


def recorded() -> dict[str, tuple]:
    """Each agency schema's ``django_migrations``: row count and newest id."""
    found = {}
    with connection.cursor() as cursor:
        for schema in Agency.objects.exclude(schema_name="public").values_list(
            "schema_name", flat=True
        ):
            cursor.execute(f'SELECT count(*), max(id) FROM "{schema}".django_migrations')
            found[schema] = cursor.fetchone()
    return found


def test_nothing_behind_migrates_no_schema(committed):
    before = recorded()

    output = migrate()

    # The template schema is migrated with the agencies.
    schemas = Agency.objects.exclude(schema_name="public").count() + schema_exists(
        settings.TENANT_BASE_SCHEMA
    )
    assert f"{schemas} agency schemas up to date, 0 behind" in output
    assert "public schema up to date" in output
    assert "migration" not in output
    assert recorded() == before


def test_only_the_schema_behind_is_migrated(committed):
    north, south = committed
    migrations = put_behind(north)
    before = recorded()
    with pytest.raises(CommandError, match=f"1 schemas behind: {north}$"):
        migrate(check_unapplied=True)
    assert recorded() == before  # --check migrates nothing

    output = migrate()

    assert ", 1 behind" in output
    assert f"[1/1] {north}: {migrations} applied in " in output
    assert south not in output
    after = recorded()
    assert after[north][0] == before[north][0] + int(migrations.split()[0])
    assert {s: n for s, n in after.items() if s != north} == {
        s: n for s, n in before.items() if s != north
    }
    assert schemas_behind(committed) == {}
    migrate(check_unapplied=True)  # exits 0 now


def test_worker_processes_migrate_the_behind_and_a_failure_spares_the_others(
    committed, settings, tmp_path, capfd
):
    north, south = committed
    settings.TENANT_MIGRATION_PROCESSES = 2
    migrations = put_behind(north)
    put_behind(south)
    with connection.cursor() as cursor:  # the index the migration adds, already there
        cursor.execute(f'CREATE INDEX document_recent ON "{north}".documents_document (id)')
    pids = tmp_path / "pids"

    def note_pid(sender, schema_name, **kwargs):
        with pids.open("a") as file:
            file.write(f"{schema_name} {os.getpid()}\n")

    out = StringIO()
    schema_migrated.connect(note_pid)
    try:
        with pytest.raises(CommandError) as failure:
            call_command("migrate_schemas", interactive=False, stdout=out)
    finally:
        schema_migrated.disconnect(note_pid)

    assert str(failure.value) == (
        f"1 schemas failed: {north}; they stay behind and are retried on the next run"
    )
    output = out.getvalue()
    assert ", 2 behind" in output
    assert f'{north}: FAILED: ProgrammingError: relation "document_recent" already exists' in (
        output
    )
    assert f"{south}: {migrations} applied in " in output
    assert "Traceback" in capfd.readouterr().err  # the whole error, for whoever reads the log
    # schema_migrated is sent by the worker that migrated the schema, not by this process.
    (migrated_in,) = [line.split()[1] for line in pids.read_text().splitlines()]
    assert int(migrated_in) != os.getpid()
    assert schemas_behind(committed) == {north: int(migrations.split()[0])}

    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{north}".document_recent')
    output = migrate()

    assert f"[1/1] {north}: {migrations} applied" in output
    assert schemas_behind(committed) == {}


def test_the_template_schema_is_migrated_with_the_fleet(committed, settings):
    _north, south = committed
    migrations = put_behind(south)
    # South as the schema new agencies are cloned from: no agency row names it (an update
    # sends no signal; deleting the row would drop the schema).
    Agency.objects.filter(schema_name=south).update(schema_name=f"{south}_row")
    settings.TENANT_BASE_SCHEMA = south
    try:
        output = migrate()
    finally:
        Agency.objects.filter(schema_name=f"{south}_row").update(schema_name=south)

    assert ", 1 behind" in output
    assert f"[1/1] {south}: {migrations} applied" in output
    assert schemas_behind(committed) == {}


@pytest.mark.django_db
def test_schemas_behind_counts_a_schema_never_migrated_and_ignores_a_missing_one():
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA fleet_never_migrated")

    behind = schemas_behind(["fleet_never_migrated", "fleet_no_such_schema", "public"])

    assert behind == {"fleet_never_migrated": len(expected_tenant_migrations())}
