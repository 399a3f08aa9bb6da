"""Moving an agency's schema to another PostgreSQL cluster (``manage.py agency_move``).

The agency turns read-only (its writes get a 503, its tasks wait), its schema is backed up
(archive_write, the schema and files only: its public rows stay on the primary) while its
tables are locked against writes, and restored on the target in one transaction (a migrated
schema, then the rows). Every table's row count and sequence, and every stored file's
SHA-256, are then compared; only after that does ``Agency.database`` name the target, and only
then is the source schema dropped. Any failure before the switch drops what was made on the
target and lifts the read-only mark: the source serves on as it was. Stored files stay where
they are: the file storage is shared by every cluster.
"""

import hashlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_exists

from shared_apps.backups.archive import (
    CHUNK_SIZE,
    _quote,
    archive_write,
    migrations_missing,
    schema_sequences,
    schema_tables,
)
from shared_apps.backups.files import agency_files
from shared_apps.backups.restore import Refused, archive_open, schema_rows_restore
from tenants import host_cache
from tenants.clusters import cluster_names, on_cluster
from tenants.models import Agency


@dataclass(frozen=True)
class Moved:
    tables: int
    rows: int
    files: int
    seconds_read_only: float


def move_check(agency: Agency, to: str, *, force: bool = False) -> None:
    """Refuse, with one sentence, a move that cannot be made; nothing is changed."""
    if to not in cluster_names():
        raise Refused(
            f"There is no database cluster {to!r} (AGENCY_DATABASES names: "
            f"{', '.join(cluster_names())})."
        )
    if agency.database == to:
        raise Refused(f"{agency.subdomain} is on {to} already.")
    if agency.moving_since and not force:
        raise Refused(
            f"{agency.subdomain} is being moved since {agency.moving_since:%Y-%m-%d %H:%M} UTC. "
            "If that move died, run this again with --force."
        )
    with on_cluster(agency.database):
        if missing := migrations_missing(agency.schema_name, "schema"):
            raise Refused(
                f"The schema {agency.schema_name} lacks migrations of this code ({missing[0]} "
                "and others): run `manage.py migrate_schemas` first."
            )
    try:
        with on_cluster(to):
            if schema_exists(agency.schema_name):
                raise Refused(
                    f"The cluster {to} already has a schema {agency.schema_name}: drop it first "
                    "if it is a leftover."
                )
    except DatabaseError as error:
        raise Refused(f"The cluster {to} cannot be reached: {_first_line(error)}") from None


def agency_move(
    *,
    agency: Agency,
    to: str,
    keep_source: bool = False,
    source_grace_seconds: float = 0,
    force: bool = False,
    say: Callable[[str], None] = lambda line: None,
) -> Moved:
    """Move ``agency``'s schema to cluster ``to`` (see the module's docstring)."""
    move_check(agency, to, force=force)
    source, schema = agency.database, agency.schema_name
    _mark_moving(agency, timezone.now())
    started = time.monotonic()
    target_made = False
    try:
        with tempfile.TemporaryDirectory(prefix="agency-move-") as folder:
            path = Path(folder, f"{schema}.zip")
            manifest = _backup(agency, path)
            say(f"Backed up {schema} from {source}: {_tally(manifest)}.")
            archive = archive_open(path)
            with archive.zip:
                target_made = True
                with on_cluster(to), transaction.atomic():
                    # A migrated schema (this code's), then exactly the archived rows.
                    agency.create_schema(check_if_exists=False, verbosity=0)
                    schema_rows_restore(archive, schema)
            say(f"Restored {schema} on {to}.")
            counts = _verify(schema, source, to, manifest)
        Agency.objects.filter(pk=agency.pk).update(database=to, moving_since=None)
        host_cache.changed()
    except BaseException:
        try:
            if target_made:
                with on_cluster(to), connection.cursor() as cursor:
                    cursor.execute(f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE")
        finally:
            _mark_moving(agency, None)
        raise
    read_only = time.monotonic() - started
    agency.database, agency.moving_since = to, None
    say(f"Verified and switched: {agency.subdomain} is served from {to}.")
    if keep_source:
        say(f"The source schema {schema} is kept on {source}: drop it once you are sure.")
    else:
        # Requests routed just before the switch finish on the source first.
        time.sleep(source_grace_seconds)
        with on_cluster(source), connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {_quote(schema)} CASCADE")
        say(f"Dropped the source schema {schema} on {source}.")
    return Moved(
        tables=len(counts),
        rows=sum(counts.values()),
        files=len([name for name in manifest["parts"] if name.startswith("files/")]),
        seconds_read_only=read_only,
    )


def _mark_moving(agency: Agency, since) -> None:
    Agency.objects.filter(pk=agency.pk).update(moving_since=since)
    agency.moving_since = since
    host_cache.changed()


def _backup(agency: Agency, path: Path) -> dict:
    """The archive, taken once the writes in flight have committed: the agency's tables are
    locked against writes (reads go on) before the snapshot is taken."""
    with on_cluster(agency.database):
        tables = schema_tables(agency.schema_name)
        qualified = ", ".join(f"{_quote(agency.schema_name)}.{_quote(table)}" for table in tables)
        with connection.cursor():
            pass  # the search_path is set now, not as the transaction's first statement
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"LOCK TABLE {qualified} IN SHARE MODE")
            return archive_write(agency=agency, path=path, public_rows=False)


def _verify(schema: str, source: str, target: str, manifest: dict) -> dict[str, int]:
    """Raise ``Refused`` unless the target's tables hold as many rows as the source's (read
    now: a write that slipped past the read-only mark shows here), the sequences agree, and
    every stored file hashes to what the archive recorded. Returns the row counts."""
    with on_cluster(source):
        expected = _row_counts(schema), schema_sequences(schema)
    with on_cluster(target):
        found = _row_counts(schema), schema_sequences(schema)
    for table in sorted(set(expected[0]) | set(found[0])):
        if expected[0].get(table) != found[0].get(table):
            raise Refused(
                f"{table} has {expected[0].get(table)} rows on {source} but "
                f"{found[0].get(table)} on {target}."
            )
    if expected[1] != found[1]:
        raise Refused(f"The sequences of {schema} differ between {source} and {target}.")
    archived = {
        name.removeprefix("files/"): part["sha256"]
        for name, part in manifest["parts"].items()
        if name.startswith("files/")
    }
    files = agency_files()
    stored = set(files.keys(schema))
    if stored != set(archived):
        difference = sorted(stored ^ set(archived))
        raise Refused(f"The stored files changed during the move ({difference[0]}).")
    for key, sha256 in archived.items():
        digest = hashlib.sha256()
        with files.open(key) as stream:
            while chunk := stream.read(CHUNK_SIZE):
                digest.update(chunk)
        if digest.hexdigest() != sha256:
            raise Refused(f"The stored file {key} does not match its SHA-256.")
    return expected[0]


def _row_counts(schema: str) -> dict[str, int]:
    tables = schema_tables(schema)
    if not tables:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s, count(*) FROM {_quote(schema)}.{_quote(table)}"  # noqa: S608
                for table in tables
            ),
            tables,
        )
        return dict(cursor.fetchall())


def _tally(manifest: dict) -> str:
    parts = manifest["parts"]
    rows = sum(part.get("rows", 0) for part in parts.values())
    files = sum(1 for name in parts if name.startswith("files/"))
    return f"{rows} rows, {files} files"


def _first_line(error: Exception) -> str:
    said = str(error).strip()
    return said.splitlines()[0] if said else type(error).__name__
