"""Reading an agency archive back: every check first, then one transaction.

``archive_check`` refuses a damaged, cut-short, tampered or foreign archive, one from another
version of the code, and a target that is taken; ``archive_restore`` then writes the public
rows, a migrated schema, its rows and sequences and the files, and sends ``agency_restored``,
all in one transaction; when anything fails the transaction rolls back (PostgreSQL's DDL with
it) and the files written so far are deleted, so nothing is left behind.
"""

import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django_tenants.utils import schema_exists, schema_rename, tenant_context

from billing.models import AccountCredit, ConnectedAccount, Subscription
from shared_apps.backups.archive import (
    BACKUP,
    CHUNK_SIZE,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    README,
    _quote,
    agency_public_models,
    migration_state,
    migrations_missing,
    schema_sequences,
    schema_tables,
)
from shared_apps.backups.files import agency_files
from shared_apps.backups.models import PersonErasure
from shared_apps.backups.signals import agency_restored
from shared_apps.core.tasks import enqueue_on_commit
from tenants import host_cache
from tenants.models import Agency, CustomDomain, Domain, DomainStatus
from tenants.validators import schema_name_for, validate_subdomain

ROWS_PER_INSERT = 1000
BYTES_PER_INSERT = 8 << 20

# A sandbox copy never touches the original's billing or addresses: these rows stay behind,
# and these fields of the rows it takes are blanked.
SANDBOX_LEAVES = (Domain, CustomDomain, ConnectedAccount, AccountCredit)
SANDBOX_BLANKS = {Subscription: {"stripe_customer_id": None, "stripe_subscription_id": ""}}


class Refused(Exception):
    """The archive or the target is not fit for a restore; nothing was written."""


@dataclass
class Archive:
    path: Path
    zip: zipfile.ZipFile
    manifest: dict

    @property
    def schema_name(self) -> str:
        return self.manifest["agency"]["schema_name"]

    def parts(self, prefix: str) -> list[str]:
        return [name for name in self.manifest["parts"] if name.startswith(prefix)]

    def chunks(self, name: str) -> Iterator[bytes]:
        with self.zip.open(name) as member:
            while chunk := member.read(CHUNK_SIZE):
                yield chunk

    def json_batches(self, name: str) -> Iterator[str]:
        """The rows of a .jsonl part as JSON arrays of a thousand or so rows each."""
        batch, size = [], 0
        with self.zip.open(name) as member:
            for line in member:
                batch.append(line.rstrip(b"\n"))
                size += len(line)
                if len(batch) >= ROWS_PER_INSERT or size >= BYTES_PER_INSERT:
                    yield (b"[" + b",".join(batch) + b"]").decode()
                    batch, size = [], 0
        if batch:
            yield (b"[" + b",".join(batch) + b"]").decode()

    def rows(self, name: str) -> list[dict]:
        with self.zip.open(name) as member:
            return [json.loads(line) for line in member]


# --- checks -----------------------------------------------------------------------------


def archive_open(path) -> Archive:
    """Open ``path`` and check it whole: zip integrity, manifest, format and version, every
    part present and unaltered (its SHA-256, bytes and rows), and the same migrations as this
    code's. Raises ``Refused`` with one sentence."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise Refused(f"There is no file {path}.") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise Refused(
            f"{path} is not a complete archive (damaged or cut short): {error}."
        ) from None
    try:
        return Archive(path=path, zip=archive, manifest=_checked_manifest(archive, path))
    except Refused:
        archive.close()
        raise


def _checked_manifest(archive: zipfile.ZipFile, path: Path) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise Refused(f"{path} holds no {MANIFEST}: it is not an agency archive.") from None
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise Refused(f"{path}'s {MANIFEST} cannot be read: {error}.") from None
    _check_format(manifest)
    try:
        _check_parts(archive, manifest)
        _check_migrations(manifest["migrations"])
        if not isinstance(manifest["sequences"], dict):
            raise TypeError("sequences")
    except (KeyError, TypeError, AttributeError) as error:
        raise Refused(f"{path}'s {MANIFEST} is malformed ({error!r} is wrong).") from None
    return manifest


def _check_format(manifest) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Refused("This is not an agency archive of the Client Portal.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise Refused(
            f"This archive is in format version {version}, made by a newer version of the "
            f"portal; this one reads version {FORMAT_VERSION}. Restore it with that version."
        )
    if version < FORMAT_VERSION:
        raise Refused(f"This archive is in the old format version {version}.")
    if manifest.get("kind") != BACKUP:
        raise Refused(
            "This is an owner's export, which leaves out passwords and other secrets: it "
            "cannot be restored. Restore an archive made by agency_backup."
        )


def _check_parts(archive: zipfile.ZipFile, manifest: dict) -> None:
    listed = manifest["parts"]
    present = set(archive.namelist()) - {MANIFEST, README}
    if missing := sorted(set(listed) - present):
        raise Refused(f"The archive lacks {len(missing)} part(s) its manifest lists: {missing[0]}.")
    if extra := sorted(present - set(listed)):
        raise Refused(f"The archive holds {extra[0]}, which its manifest does not list.")
    schema_prefix = f"files/{manifest['agency']['schema_name']}/"
    for name, expected in listed.items():
        if name.startswith("files/") and (not name.startswith(schema_prefix) or ".." in name):
            raise Refused(f"The archive's file {name} is not one of the agency's.")
        digest, size, rows = hashlib.sha256(), 0, 0
        try:
            with archive.open(name) as member:
                while chunk := member.read(CHUNK_SIZE):
                    digest.update(chunk)
                    size += len(chunk)
                    rows += chunk.count(b"\n")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise Refused(f"The archive's {name} is damaged: {error}.") from None
        if digest.hexdigest() != expected["sha256"] or size != expected["bytes"]:
            raise Refused(f"The archive's {name} does not match its checksum: it was altered.")
        if "rows" in expected and rows != expected["rows"]:
            raise Refused(f"The archive's {name} holds {rows} rows, not {expected['rows']}.")


def _check_migrations(archived: dict) -> None:
    current = migration_state()
    newer, older = [], []
    for side in ("public", "schema"):
        theirs, ours = archived.get(side, {}), current[side]
        for app in sorted(set(theirs) | set(ours)):
            newer += [
                f"{app}.{name}" for name in theirs.get(app, []) if name not in ours.get(app, [])
            ]
            older += [
                f"{app}.{name}" for name in ours.get(app, []) if name not in theirs.get(app, [])
            ]
    if not newer and not older:
        return
    said = []
    if newer:
        said.append(f"it has migrations this code lacks ({_some(newer)})")
    if older:
        said.append(f"it lacks migrations this code has ({_some(older)})")
    age = "a newer" if newer and not older else "an older" if older and not newer else "another"
    raise Refused(
        f"This archive comes from {age} version of the portal: {'; '.join(said)}. "
        "Restore it with the version that made it."
    )


def _some(names: list[str], shown: int = 6) -> str:
    unique = sorted(set(names))
    more = f" and {len(unique) - shown} more" if len(unique) > shown else ""
    return ", ".join(unique[:shown]) + more


@dataclass
class Target:
    """Where the archive goes: its own names, or a sandbox copy's."""

    subdomain: str
    schema_name: str
    sandbox: bool
    source_schema: str
    files_already_there: set[str] = field(default_factory=set)  # the same bytes, kept as is

    def file_key(self, archived_key: str) -> str:
        return self.schema_name + archived_key.removeprefix(self.source_schema)


def target_check(archive: Archive, *, subdomain: str | None = None) -> Target:
    """Refuse a target that is taken (subdomain, schema, domains, stored files) or a database
    whose public schema is not migrated to this code."""
    connection.set_schema_to_public()
    if missing := migrations_missing("public", "public"):
        raise Refused(
            "This database's public schema is not migrated to this code (it lacks "
            f"{_some(missing)}): run `manage.py migrate_schemas --shared` on it first."
        )
    source = archive.manifest["agency"]
    if subdomain:
        try:
            validate_subdomain(subdomain)
        except ValidationError as error:
            raise Refused(f"--as {subdomain}: {' '.join(error.messages)}") from None
        target = Target(subdomain, schema_name_for(subdomain), True, source["schema_name"])
        domains = [f"{subdomain}.{settings.PLATFORM_DOMAIN}"]
        verified = []
    else:
        target = Target(source["subdomain"], source["schema_name"], False, source["schema_name"])
        domains = [row["domain"] for row in archive.rows("public/tenants_domain.jsonl")]
        verified = [
            row["name"]
            for row in archive.rows("public/tenants_customdomain.jsonl")
            if row["status"] == DomainStatus.VERIFIED
        ]
    if Agency.objects.filter(subdomain=target.subdomain).exists():
        raise Refused(f"The subdomain {target.subdomain} is taken by another agency.")
    if (
        schema_exists(target.schema_name)
        or Agency.objects.filter(schema_name=target.schema_name).exists()
    ):
        raise Refused(f"The schema {target.schema_name} already exists in this database.")
    taken = sorted(
        set(Domain.objects.filter(domain__in=domains).values_list("domain", flat=True))
        | set(
            CustomDomain.objects.filter(
                name__in=verified, status=DomainStatus.VERIFIED
            ).values_list("name", flat=True)
        )
    )
    if taken:
        raise Refused(f"The domain {taken[0]} is taken by another agency.")
    _check_storage(archive, target)
    return target


def _check_storage(archive: Archive, target: Target) -> None:
    """Objects already under the target's prefix: the same bytes as the archive's are kept
    (a restore into another database sharing the storage); any other is refused, since a
    failed restore could not tell them from its own."""
    files = agency_files()
    wanted = {
        target.file_key(name.removeprefix("files/")): archive.manifest["parts"][name]["sha256"]
        for name in archive.parts("files/")
    }
    for key in files.keys(target.schema_name):
        digest = hashlib.sha256()
        if key in wanted:
            with files.open(key) as stored:
                while chunk := stored.read(CHUNK_SIZE):
                    digest.update(chunk)
        if wanted.get(key) != digest.hexdigest():
            raise Refused(
                f"The file storage already holds {key}, which this archive does not: "
                f"remove what is stored under {target.schema_name}/ first."
            )
        target.files_already_there.add(key)


# --- the restore ------------------------------------------------------------------------


def archive_restore(archive: Archive, target: Target) -> Agency:
    """Restore ``archive`` as ``target`` in one transaction (see the module's docstring)."""
    files, written = agency_files(), []
    try:
        with transaction.atomic():
            agency = _public_rows_restore(archive, target)
            _schema_create(agency)
            schema_rows_restore(archive, target.schema_name)
            with tenant_context(agency):
                if target.sandbox:
                    files.rekey(target.source_schema, target.schema_name)
                for name in archive.parts("files/"):
                    key = target.file_key(name.removeprefix("files/"))
                    if key not in target.files_already_there:
                        written.append(key)
                        files.save(key, archive.chunks(name))
                agency_restored.send(sender=Agency, agency=agency)
            host_cache.changed()
    except BaseException:
        for key in written:
            files.delete(key)
        raise
    finally:
        connection.set_schema_to_public()
    return agency


def _public_rows_restore(archive: Archive, target: Target) -> Agency:
    """The agency's public rows under new primary keys (the archive's may be taken here),
    their foreign keys among them mapped to the new ones."""
    new_keys: dict[type, dict] = {}
    for model, _lookup in agency_public_models():
        if target.sandbox and model in SANDBOX_LEAVES:
            continue
        rows = archive.rows(f"public/{model._meta.db_table}.jsonl")
        pk = model._meta.pk
        if not pk.is_relation:
            fresh = _next_values(model, len(rows))
            new_keys[model] = {row[pk.column]: fresh[number] for number, row in enumerate(rows)}
        for row in rows:
            for each in model._meta.concrete_fields:
                if each.related_model in new_keys and row[each.column] is not None:
                    row[each.column] = new_keys[each.related_model][row[each.column]]
            if not pk.is_relation:
                row[pk.column] = new_keys[model][row[pk.column]]
            row.update(SANDBOX_BLANKS.get(model, {}) if target.sandbox else {})
            if model is Agency:
                row.update(schema_name=target.schema_name, subdomain=target.subdomain)
                # A restore brings the agency back: a deletion it was waiting for (taken during
                # the grace period) would remove it again within the hour.
                row.update(deletion_requested_at=None, deletion_due_at=None)
                row.update(deletion_requested_by="")
            if model is PersonErasure:
                row["schema_name"] = target.schema_name
        if pk.is_relation:
            new_keys[model] = {}
        # An erasure recorded here already (the agency was restored before) stays as it is.
        _insert(
            "public", model._meta.db_table, json.dumps(rows), skip_conflicts=model is PersonErasure
        )
    agency = Agency.objects.get(pk=next(iter(new_keys[Agency].values())))
    if target.sandbox:
        Domain.objects.create(
            domain=f"{target.subdomain}.{settings.PLATFORM_DOMAIN}", tenant=agency, is_primary=True
        )
        # People erased from the original since the backup stay erased in the copy.
        table = _quote(PersonErasure._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO public.{table} (schema_name, user_id, tombstone, erased_at) "  # noqa: S608
                f"SELECT %s, user_id, tombstone, erased_at FROM public.{table} "
                "WHERE schema_name = %s ON CONFLICT DO NOTHING",
                [target.schema_name, target.source_schema],
            )
    return agency


def _next_values(model, count: int) -> list[int]:
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [f"public.{_quote(table)}", column, count],
        )
        return [value for (value,) in cursor.fetchall()]


def _schema_create(agency: Agency) -> None:
    """The agency's schema, migrated: a spare from the pool renamed, or made and migrated."""
    spare = (
        Agency.objects.spares().select_for_update(skip_locked=True).order_by("created_at").first()
    )
    if spare is None:
        agency.create_schema(check_if_exists=False, verbosity=0)
        return
    schema_rename(spare, agency.schema_name, save=False)
    # The row only: django-tenants' post_delete drops the schema its row names, and no schema
    # has that name any more (renamed above, and the row keeps the old name).
    Agency.objects.filter(pk=spare.pk).delete()
    enqueue_on_commit("tenants.tasks.fill_schema_pool")


def schema_rows_restore(archive: Archive, schema: str) -> None:
    tables = schema_tables(schema)
    archived = sorted(
        name.removeprefix("schema/").removesuffix(".jsonl") for name in archive.parts("schema/")
    )
    if archived != tables:
        difference = sorted(set(archived) ^ set(tables))
        raise Refused(f"The archive's tables differ from this code's schema: {_some(difference)}.")
    qualified = {table: f"{_quote(schema)}.{_quote(table)}" for table in tables}
    with connection.cursor() as cursor:
        # What migrations put in a fresh schema (content types, permissions...) makes way;
        # only those tables, since some refuse TRUNCATE (the append-only activity log).
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s WHERE EXISTS (SELECT 1 FROM {name})"  # noqa: S608 (quoted)
                for name in qualified.values()
            ),
            list(qualified),
        )
        filled = [qualified[table] for (table,) in cursor.fetchall()]
        if filled:
            # TRUNCATE waits for no deferred check: run the migrations' pending ones now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(filled)} RESTART IDENTITY CASCADE")
            # Checked at the commit again: rows load in any order.
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for table in tables:
        for batch in archive.json_batches(f"schema/{table}.jsonl"):
            _insert(schema, table, batch)
    sequences = archive.manifest["sequences"]
    if sorted(sequences) != sorted(schema_sequences(schema)):
        raise Refused("The archive's sequences differ from this code's schema.")
    with connection.cursor() as cursor:
        for name, value in sequences.items():
            qualified = f"{_quote(schema)}.{_quote(name)}"
            if value is None:
                cursor.execute(f"ALTER SEQUENCE {qualified} RESTART")
            else:
                cursor.execute("SELECT setval(%s, %s, true)", [qualified, value])


def _insert(schema: str, table: str, rows_json: str, *, skip_conflicts: bool = False) -> None:
    """Insert a JSON array of rows as ``row_to_json`` wrote them: ``json_populate_recordset``
    reads each value back into its column's own type."""
    qualified = f"{_quote(schema)}.{_quote(table)}"
    columns = _columns(qualified)
    names = ", ".join(_quote(name) for name, _ in columns)
    values = ", ".join(
        # row_to_json writes SQL NULL and JSON null alike; a NOT NULL column meant JSON null.
        f"COALESCE(r.{_quote(name)}, 'null'::{kind})" if kind else f"r.{_quote(name)}"
        for name, kind in columns
    )
    conflicts = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qualified} ({names}) OVERRIDING SYSTEM VALUE "  # noqa: S608 (quoted)
            f"SELECT {values} FROM json_populate_recordset(NULL::{qualified}, %s::json) r"
            f"{conflicts}",
            [rows_json],
        )


def _columns(qualified: str) -> list[tuple[str, str | None]]:
    """The columns a row is written to (not generated ones), each with its JSON type when it is
    a NOT NULL json or jsonb column."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, CASE WHEN a.attnotnull AND t.typname IN ('json', 'jsonb') "
            "THEN t.typname END FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
            "AND a.attgenerated = '' ORDER BY a.attnum",
            [qualified],
        )
        return cursor.fetchall()
