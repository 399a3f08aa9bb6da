"""agency_backup / agency_restore: an agency with the demo's history round-trips into a fresh
database with no difference in any table or file; a sandbox copy leaves the original as it
was; bad archives and taken names are refused, and a restore failing halfway leaves nothing.

One agency is seeded (the demo's history, its first client only, to stay quick) and backed up
once for the module, committed so that other processes read it; it is dropped at the end.
"""

import hashlib
import json
import subprocess
import sys
import zipfile
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django_tenants.utils import schema_exists, tenant_context

from billing.models import Subscription
from config.celery import app as celery_app
from shared_apps.accounts.models import User
from shared_apps.backups.archive import MANIFEST, agency_public_models
from shared_apps.backups.files import agency_files
from shared_apps.backups.models import PersonErasure
from shared_apps.signup.actions import agency_signup
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenant_apps.onboarding.demo_data import AGENCIES, DEMO_PASSWORD
from tenant_apps.onboarding.demo_history import history_write
from tenants.actions import schema_pool_fill
from tenants.models import Agency, CustomDomain, Domain, DomainStatus
from tests import processes

SUBDOMAIN = "archived"
SCHEMA = "agency_archived"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Agency:
    """The demo agency's history (seed_demo's), in an agency of its own (committed). The
    tasks its commits queue run here and now: a worker left running by an earlier test would
    otherwise change the agency after it is backed up."""
    spec = AGENCIES[0]
    celery_app.conf.task_always_eager = True
    try:
        with django_db_blocker.unblock():
            spares = Agency.objects.spares().count()
            agency = agency_signup(
                name="Archived Agency",
                subdomain=SUBDOMAIN,
                owner_name=spec.owner[0],
                owner_email=spec.owner[1],
                owner_password=DEMO_PASSWORD,
            ).agency
            # What only the same-agency restore takes: a verified custom domain and Stripe ids.
            Subscription.objects.filter(agency=agency).update(
                stripe_customer_id="cus_archived", stripe_subscription_id="sub_archived"
            )
            CustomDomain.objects.create(
                agency=agency,
                name="portal.archived.example",
                token="t",
                status=DomainStatus.VERIFIED,
            )
            Domain.objects.create(domain="portal.archived.example", tenant=agency, is_primary=False)
            PersonErasure.objects.create(
                schema_name=SCHEMA, user_id=999, tombstone="Former client 1"
            )
            with tenant_context(agency), transaction.atomic():
                history_write(spec, User.objects.get(email=spec.owner[1]), make_password("x"))
            connection.set_schema_to_public()
            # The spare it claimed back in the pool: the restores below rename it (each test's
            # rollback puts it back) instead of migrating a schema each.
            schema_pool_fill(size=spares)
    finally:
        celery_app.conf.task_always_eager = False
    yield agency
    with django_db_blocker.unblock():
        file_storage().delete_all(SCHEMA)
        agency.delete(force_drop=True)
        PersonErasure.objects.filter(schema_name=SCHEMA).delete()


@pytest.fixture(scope="module")
def archive(seeded, django_db_blocker, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("backup") / "archived.zip"
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("agency_backup", SUBDOMAIN, out=str(path), stdout=out)
    assert f"Backed up {SUBDOMAIN}" in out.getvalue()
    return path


def schema_digest(cursor, schema: str) -> dict:
    """Each table's row count and the MD5 of its rows as JSON, and each sequence's value."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 1",
        [schema],
    )
    digest = {}
    for (table,) in cursor.fetchall():
        cursor.execute(
            "SELECT count(*), md5(coalesce(string_agg(row_to_json(t)::text, E'\\n' "
            f'ORDER BY t::text), \'\')) FROM "{schema}"."{table}" t'
        )
        digest[table] = cursor.fetchone()
    cursor.execute(
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s", [schema]
    )
    return digest | {f"sequence {name}": value for name, value in cursor.fetchall()}


def public_digest(cursor, schema: str) -> dict:
    """The agency's public rows, keys left out (a restore gives them new ones)."""
    cursor.execute("SELECT id FROM tenants_agency WHERE schema_name = %s", [schema])
    (agency_id,) = cursor.fetchone()
    rows = {}
    for model, lookup in agency_public_models():
        keys = model._base_manager.filter(
            **{lookup: schema if lookup == "schema_name" else agency_id}
        ).values("pk")
        subquery, params = keys.query.sql_with_params()
        table = model._meta.db_table
        cursor.execute(
            f"SELECT (to_jsonb(t) - 'id' - 'agency_id' - 'tenant_id' - 'brand_id')::text "
            f"FROM public.{table} t WHERE t.{model._meta.pk.column} IN ({subquery}) ORDER BY 1",
            params,
        )
        rows[table] = [row for (row,) in cursor.fetchall()]
    return rows


def files_digest(root: Path, schema: str) -> dict[str, str]:
    top = root / schema
    return {
        path.relative_to(top).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(top.rglob("*"))
        if path.is_file()
    }


def manage(*args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=processes.test_database_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def fresh_database(seeded):
    """An empty database beside the test one, dropped at the end."""
    url = urlsplit(processes.test_database_env()["DATABASE_URL"])
    name = f"{connection.settings_dict['NAME']}_restored"
    admin_url = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(url._replace(path=f"/{name}"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_agency_round_trips_into_a_fresh_database_with_no_difference(
    db, seeded, archive, fresh_database, tmp_path
):
    files_root = tmp_path / "files"
    refused = manage("agency_restore", str(archive), "--database-url", fresh_database)
    assert refused.returncode == 1
    assert "public schema is not migrated" in refused.stderr
    assert "manage.py migrate_schemas --shared" in refused.stderr
    migrated = manage("migrate_schemas", "--shared", "-v", "0", DATABASE_URL=fresh_database)
    assert migrated.returncode == 0, migrated.stderr

    restored = manage(
        "agency_restore",
        str(archive),
        "--database-url",
        fresh_database,
        FILE_STORAGE_ROOT=str(files_root),
    )
    assert restored.returncode == 0, restored.stderr
    assert f"Restored the agency {SUBDOMAIN} ({SCHEMA})" in restored.stdout

    with connection.cursor() as cursor:
        original = schema_digest(cursor, SCHEMA), public_digest(cursor, SCHEMA)
    with psycopg.connect(fresh_database) as other, other.cursor() as cursor:
        copy = schema_digest(cursor, SCHEMA), public_digest(cursor, SCHEMA)
    assert len(original[0]) > 70 and original[0]["activity_activityentry"][0] > 100
    assert copy == original  # every table row by row, every sequence, every public row
    stored = files_digest(Path(settings.FILE_STORAGE_ROOT), SCHEMA)
    assert len(stored) > 10
    assert files_digest(files_root, SCHEMA) == stored  # every file by SHA-256

    verified = manage("verify_activity_log", "--schema", SCHEMA, DATABASE_URL=fresh_database)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{SCHEMA}: intact" in verified.stdout


def scheduled_for_deletion(part: bytes) -> bytes:
    agency = json.loads(part)
    agency.update(deletion_requested_at=agency["created_at"], deletion_due_at=agency["created_at"])
    return json.dumps(agency).encode() + b"\n"


def test_a_sandbox_copy_works_on_its_own_host_and_leaves_the_original_untouched(
    db, seeded, archive, settings, tmp_path
):
    # Taken while a deletion was scheduled: the copy is not deleted again.
    archive = rewritten(
        archive,
        tmp_path / "scheduled.zip",
        parts={"public/tenants_agency.jsonl": scheduled_for_deletion},
    )
    # A client erased from the original since the backup was taken: erased again in the copy.
    with tenant_context(seeded):
        since = User.objects.filter(client_member__isnull=False).order_by("pk").first()
    PersonErasure.objects.create(
        schema_name=SCHEMA, user_id=since.pk, tombstone=f"Former client {since.pk}"
    )
    root = Path(settings.FILE_STORAGE_ROOT)
    with connection.cursor() as cursor:
        before = schema_digest(cursor, SCHEMA), public_digest(cursor, SCHEMA)
    files_before = files_digest(root, SCHEMA)
    try:
        call_command(
            "agency_restore", str(archive), subdomain="archived-sandbox", stdout=StringIO()
        )
        sandbox = Agency.objects.get(subdomain="archived-sandbox")
        assert sandbox.schema_name == "agency_archived_sandbox"
        assert sandbox.deletion_due_at is None and sandbox.deletion_requested_at is None
        with connection.cursor() as cursor:
            assert (schema_digest(cursor, SCHEMA), public_digest(cursor, SCHEMA)) == before
        assert files_digest(root, SCHEMA) == files_before

        # Only the platform's address, no custom domain, no Stripe ids; erasures carried over.
        assert list(sandbox.domains.values_list("domain", flat=True)) == [
            f"archived-sandbox.{settings.PLATFORM_DOMAIN}"
        ]
        assert not CustomDomain.objects.filter(agency=sandbox).exists()
        subscription = Subscription.objects.get(agency=sandbox)
        assert (subscription.stripe_customer_id, subscription.stripe_subscription_id) == (None, "")
        assert PersonErasure.objects.filter(schema_name=sandbox.schema_name, user_id=999).exists()
        # Its files under its own schema name, the rows pointing at them, the same bytes.
        assert files_digest(root, sandbox.schema_name) == files_before
        with tenant_context(sandbox):
            keys = list(StoredFile.objects.values_list("key", flat=True))
            owner = User.objects.get(email=AGENCIES[0].owner[1])
        assert keys and all(key.startswith(f"{sandbox.schema_name}/") for key in keys)
        with tenant_context(sandbox):
            erased = User.objects.get(pk=since.pk)
            assert erased.full_name == f"Former client {since.pk}" and not erased.is_active
            assert since.email not in erased.email
        out = StringIO()
        call_command("verify_activity_log", schema=sandbox.schema_name, stdout=out)
        assert "intact" in out.getvalue()

        browser = Client(HTTP_HOST=f"archived-sandbox.{settings.PLATFORM_DOMAIN}")
        with tenant_context(sandbox):
            browser.force_login(owner)
        connection.set_schema_to_public()
        home = browser.get("/")
        assert home.status_code == 200
        assert "Northwind Bakery" in home.content.decode()
    finally:
        file_storage().delete_all("agency_archived_sandbox")


def rewritten(archive: Path, out: Path, *, parts=None, manifest=None, keep_checksums=False):
    """A copy of ``archive`` with some parts' bytes changed (their checksums updated unless
    ``keep_checksums``) and the manifest changed by ``manifest(dict)``."""
    with zipfile.ZipFile(archive) as source:
        listed = json.loads(source.read(MANIFEST))
        with zipfile.ZipFile(out, "w") as copy:
            for name in source.namelist():
                if name == MANIFEST:
                    continue
                data = source.read(name)
                if parts and name in parts:
                    data = parts[name](data)
                    if not keep_checksums:
                        listed["parts"][name].update(
                            bytes=len(data),
                            sha256=hashlib.sha256(data).hexdigest(),
                            rows=data.count(b"\n"),
                        )
                copy.writestr(name, data)
            if manifest:
                manifest(listed)
            copy.writestr(MANIFEST, json.dumps(listed))
    return out


def written() -> tuple:
    """What a restore could write: public rows, schemas, stored objects."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace")
        schemas = cursor.fetchone()[0]
    stored = sorted(p for p in Path(settings.FILE_STORAGE_ROOT).rglob("*") if p.is_file())
    return (
        Agency.objects.count(),
        Domain.objects.count(),
        PersonErasure.objects.count(),
        schemas,
        stored,
    )


def test_bad_archives_and_taken_names_are_refused_and_nothing_is_written(
    db, seeded, archive, tmp_path
):
    before = written()
    data = archive.read_bytes()
    first_file = next(
        name for name in zipfile.ZipFile(archive).namelist() if name.startswith("files/")
    )

    def newer(manifest):
        manifest["migrations"]["schema"]["files"].append("9999_from_the_future")

    def tampered(part):
        return part.replace(b"Northwind", b"Southwind", 1)

    cases = {
        "cut short": (tmp_path / "cut.zip", "is not a complete archive"),
        "not a zip": (tmp_path / "garbage.zip", "is not a complete archive"),
        "altered": (
            rewritten(
                archive,
                tmp_path / "altered.zip",
                parts={first_file: lambda b: b + b"x"},
                keep_checksums=True,
            ),
            f"{first_file} does not match its checksum",
        ),
        "altered rows": (
            rewritten(
                archive,
                tmp_path / "rows.zip",
                parts={"schema/people_clientcompany.jsonl": tampered},
                keep_checksums=True,
            ),
            "people_clientcompany.jsonl does not match its checksum",
        ),
        "newer format": (
            rewritten(
                archive, tmp_path / "format.zip", manifest=lambda m: m.update(format_version=2)
            ),
            "format version 2, made by a newer version",
        ),
        "newer migrations": (
            rewritten(archive, tmp_path / "newer.zip", manifest=newer),
            "comes from a newer version of the portal: it has migrations this code lacks "
            "(files.9999_from_the_future)",
        ),
        "export": (
            rewritten(archive, tmp_path / "export.zip", manifest=lambda m: m.update(kind="export")),
            "an owner's export",
        ),
        "malformed": (
            rewritten(archive, tmp_path / "malformed.zip", manifest=lambda m: m.pop("sequences")),
            "manifest.json is malformed",
        ),
        "taken": (archive, f"The subdomain {SUBDOMAIN} is taken"),
    }
    (tmp_path / "cut.zip").write_bytes(data[: len(data) // 2])
    (tmp_path / "garbage.zip").write_bytes(b"PK not really")
    for case, (path, said) in cases.items():
        with pytest.raises(CommandError, match="Refused, nothing was written") as refused:
            call_command("agency_restore", str(path), stdout=StringIO())
        assert said in str(refused.value), case
        assert "\n" not in str(refused.value)
        assert written() == before, case
    with pytest.raises(CommandError, match="The subdomain archived is taken"):
        call_command("agency_restore", str(archive), subdomain=SUBDOMAIN, stdout=StringIO())
    with pytest.raises(CommandError, match="“www” is reserved"):
        call_command("agency_restore", str(archive), subdomain="www", stdout=StringIO())
    assert written() == before


def test_a_restore_failing_halfway_leaves_no_schema_rows_or_files(db, seeded, archive, tmp_path):
    before = written()
    with zipfile.ZipFile(archive) as source:
        manifest = json.loads(source.read(MANIFEST))
    tables = [name for name, part in manifest["parts"].items() if name.startswith("schema/")]
    last = [name for name in tables if manifest["parts"][name]["rows"]][-1]
    # The last table with rows holds its first row twice: its primary key refuses the second.
    twice = rewritten(
        archive,
        tmp_path / "twice.zip",
        parts={last: lambda data: data + data.split(b"\n")[0] + b"\n"},
    )
    with pytest.raises(CommandError, match="The restore failed and was undone") as failed:
        call_command("agency_restore", str(twice), subdomain="archived-halfway", stdout=StringIO())
    assert "duplicate key" in str(failed.value)
    assert not schema_exists("agency_archived_halfway")
    assert written() == before

    # The storage refuses the last file: the ones written before it go again.
    files = sorted(
        name.removeprefix("files/") for name in manifest["parts"] if name.startswith("files/")
    )
    blocked = Path(settings.FILE_STORAGE_ROOT) / files[-1].replace(
        SCHEMA, "agency_archived_halfway", 1
    )
    blocked.mkdir(parents=True)
    try:
        with pytest.raises(CommandError, match="The restore failed and was undone"):
            call_command(
                "agency_restore", str(archive), subdomain="archived-halfway", stdout=StringIO()
            )
        assert not schema_exists("agency_archived_halfway")
        assert not list(agency_files().keys("agency_archived_halfway"))
        assert written() == before
    finally:
        file_storage().delete_all("agency_archived_halfway")
