"""One agency as one file: the archive format, and its writer.

A zip holding ``manifest.json`` (format, version, when, whose, this code's migrations, and the
rows, bytes and SHA-256 of every part), ``README.txt`` (the layout, for a reader without the
portal), ``schema/<table>.jsonl`` (every table of the agency's schema, one JSON object a row,
in primary-key order: PostgreSQL's own ``row_to_json``, so that ``json_populate_recordset``
gives back exactly the same values), ``public/<table>.jsonl`` (the agency's rows in the public
schema) and ``files/<key>`` (every object stored for it). The rows are read in one
REPEATABLE READ transaction, so they are one moment's; files are listed after that moment
(they never change, so a file a row names is there).
"""

import functools
import hashlib
import json
import os
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from shared_apps.backups.files import agency_files
from shared_apps.backups.models import PersonErasure
from tenants.clusters import app_labels, public_only_app_labels
from tenants.models import Agency

FORMAT = "client-portal-agency-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
README = "README.txt"
BACKUP = "backup"  # everything, for agency_restore
EXPORT = "export"  # the owner's copy: secrets left out, never restored
CHUNK_SIZE = 1 << 20
ROWS_PER_FETCH = 2000

# Public rows that point at an agency but are the platform's record of it, not the agency's
# own data: support grants and sessions, the operators' dismissal and bounce records, Stripe's
# webhook log. (The operator log names agencies by id only, so it is never found.)
OPERATOR_ONLY = frozenset(
    {
        "operators.SupportGrant",
        "operators.ImpersonationSession",
        "operators.AnnouncementDismissal",
        "operators.EmailBounce",
        "billing.StripeEvent",
    }
)

README_TEXT = """\
An archive of one agency of the Client Portal, made {created_at}.
Format {format} version {version}, readable with any zip and JSON tool.

manifest.json     the format and version, when and for which agency the archive was made
                  (its schema name and subdomain), the database migrations of the code that
                  made it, the kind ("backup": everything, restored by
                  `manage.py agency_restore`; "export": the owner's copy, with the secrets
                  listed under "secrets_omitted" left out), the sequences' values, and for
                  every part below its rows (JSON Lines), bytes and SHA-256.
schema/<table>.jsonl
                  every table of the agency's own database schema: one JSON object per row
                  (column name -> value, as PostgreSQL's row_to_json writes it), in primary
                  key order. Foreign keys are the other table's "id". Times are ISO 8601
                  with their UTC offset. accounts_user holds the people; the activity log is
                  activity_activityentry, hash-chained: each entry's entry_hash is the SHA-256
                  of its fields and the previous entry's hash (prev_hash), so the chain can be
                  checked without the portal.
public/<table>.jsonl
                  the agency's rows in the platform's shared tables: tenants_agency (the
                  agency), tenants_domain and tenants_customdomain (its addresses),
                  branding_brand and branding_brandimage (its look), billing_subscription,
                  billing_connectedaccount and billing_accountcredit (what it pays and is paid
                  through), operators_agencyusageday (its usage by day), and
                  backups_personerasure (the people erased from it).
files/<key>       every stored file, by the key files_storedfile.key names; a file's
                  preview pages are files/<key>-preview-page-<n>.png. The original name,
                  type, size and SHA-256 of each are in schema/files_storedfile.jsonl.
"""


@dataclass(frozen=True)
class Secrets:
    """What an owner's export leaves out: whole tables, and single columns of others."""

    tables: frozenset[str] = frozenset()
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def as_manifest(self) -> dict:
        return {table: "all rows" for table in sorted(self.tables)} | {
            table: list(columns) for table, columns in sorted(self.columns.items())
        }


# --- this code's migration state --------------------------------------------------------


@functools.cache
def migration_state() -> dict[str, dict[str, list[str]]]:
    """Every migration of this code, by app, for the public schema and an agency's schema."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    sides = {
        "public": app_labels(settings.SHARED_APPS),
        "schema": app_labels(settings.TENANT_APPS),
    }
    state = {side: {} for side in sides}
    for app_label, name in sorted(graph.nodes):
        for side, labels in sides.items():
            if app_label in labels:
                state[side].setdefault(app_label, []).append(name)
    return state


def migrations_missing(schema_name: str, side: str) -> list[str]:
    """This code's migrations for ``side`` that the schema has not applied ("app.name")."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL", [f"{_quote(schema_name)}.django_migrations"]
        )
        if not cursor.fetchone()[0]:
            applied = set()
        else:
            migrations = f"{_quote(schema_name)}.django_migrations"
            cursor.execute(f"SELECT app, name FROM {migrations}")  # noqa: S608 (quoted)
            applied = set(cursor.fetchall())
    return [
        f"{app}.{name}"
        for app, names in migration_state()[side].items()
        for name in names
        if (app, name) not in applied
    ]


# --- which public rows are the agency's -----------------------------------------------


def _model_label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def agency_public_models() -> list[tuple[type, str]]:
    """The public-schema models whose rows belong to one agency, each with the ORM lookup from
    it to the agency's primary key, parents before children: every model of a public-only app
    with a foreign key to the agency (or to such a model), but the operators' records."""
    public_only = public_only_app_labels()
    candidates = sorted(
        (
            model
            for model in apps.get_models()
            if model._meta.app_label in public_only
            and _model_label(model) not in OPERATOR_ONLY
            and model is not Agency
        ),
        key=_model_label,
    )
    found = {Agency: "pk"}
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in found:
                continue
            for each in model._meta.concrete_fields:
                if each.is_relation and each.related_model in found:
                    parent = found[each.related_model]
                    found[model] = each.name if parent == "pk" else f"{each.name}__{parent}"
                    grew = True
                    break
    # Keyed by schema name, not a foreign key: the record outlives the agency (models.py).
    return [*found.items(), (PersonErasure, "schema_name")]


def public_rows_query(model, lookup: str, agency) -> tuple[str, list]:
    """SQL for ``model``'s rows of ``agency`` as JSON text, in primary-key order."""
    value = agency.schema_name if lookup == "schema_name" else agency.pk
    keys = model._base_manager.filter(**{lookup: value}).values("pk")
    subquery, params = keys.query.sql_with_params()
    table, pk = _quote(model._meta.db_table), _quote(model._meta.pk.column)
    sql = (
        f"SELECT row_to_json(t)::text FROM public.{table} t "  # noqa: S608 (quoted names)
        f"WHERE t.{pk} IN ({subquery}) ORDER BY t.{pk}"
    )
    return sql, list(params)


# --- the agency's schema, as the catalogue describes it --------------------------------


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def schema_tables(schema_name: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [schema_name],
        )
        return [name for (name,) in cursor.fetchall()]


def _primary_key(schema_name: str, table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY a.attnum",
            [f"{_quote(schema_name)}.{_quote(table)}"],
        )
        return [name for (name,) in cursor.fetchall()]


def schema_sequences(schema_name: str) -> dict[str, int | None]:
    """Each sequence's last value (None: never used)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s "
            "ORDER BY sequencename",
            [schema_name],
        )
        return dict(cursor.fetchall())


def table_rows_query(schema_name: str, table: str, omitted: tuple[str, ...] = ()) -> str:
    qualified = f"{_quote(schema_name)}.{_quote(table)}"
    order = ", ".join(f"t.{_quote(column)}" for column in _primary_key(schema_name, table))
    row = "row_to_json(t)::text"
    if omitted:  # the owner's export: the secret columns are not written at all
        names = ", ".join(f"'{column}'" for column in omitted)
        row = f"(to_jsonb(t) - ARRAY[{names}]::text[])::text"
    return f"SELECT {row} FROM {qualified} t ORDER BY {order or 't::text'}"  # noqa: S608


# --- the writer ------------------------------------------------------------------------


class _Part:
    """One member of the archive, written as it streams, counted and hashed on the way."""

    def __init__(self, archive: zipfile.ZipFile, name: str, *, compress: bool, moment):
        info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o600 << 16
        self._out = archive.open(info, "w", force_zip64=True)
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._out.write(data)
        self._hash.update(data)
        self.size += len(data)

    def close(self) -> dict:
        self._out.close()
        return {"bytes": self.size, "sha256": self._hash.hexdigest()}


def _write_rows(archive, name, sql, params, moment) -> dict:
    part = _Part(archive, name, compress=True, moment=moment)
    rows = 0
    # A server-side cursor: a table of any size streams through a few thousand rows at a time.
    with connection.connection.cursor(name=f"backup_{secrets.token_hex(4)}") as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(ROWS_PER_FETCH):
            rows += len(batch)
            part.write("".join(f"{line}\n" for (line,) in batch).encode())
    return {"rows": rows} | part.close()


def _write_file(archive, key: str, moment) -> dict:
    part = _Part(archive, f"files/{key}", compress=False, moment=moment)
    with agency_files().open(key) as source:
        while chunk := source.read(CHUNK_SIZE):
            part.write(chunk)
    return part.close()


def archive_write(
    *,
    agency,
    path: Path,
    kind: str = BACKUP,
    secrets_left_out: Secrets | None = None,
    skip_keys: Iterable[str] = (),
    public_rows: bool = True,
) -> dict:
    """Write ``agency``'s archive to ``path`` (whole or not at all); returns its manifest.

    ``kind=EXPORT`` with ``secrets_left_out``: the owner's export. ``skip_keys``: stored
    objects to leave out (an export leaves out the earlier exports). ``public_rows=False``:
    the schema and files only (a move between clusters, where the public rows stay put)."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    moment = timezone.now().replace(microsecond=0)
    try:
        with zipfile.ZipFile(partial, "w", compresslevel=1) as archive:
            manifest = _write_parts(
                archive,
                agency,
                kind,
                secrets_left_out or Secrets(),
                set(skip_keys),
                moment,
                public_rows=public_rows,
            )
            readme = README_TEXT.format(
                created_at=moment.isoformat(), format=FORMAT, version=FORMAT_VERSION
            )
            archive.writestr(zipfile.ZipInfo(README, moment.timetuple()[:6]), readme)
            archive.writestr(
                zipfile.ZipInfo(MANIFEST, moment.timetuple()[:6]),
                json.dumps(manifest, indent=1, ensure_ascii=False),
                compress_type=zipfile.ZIP_DEFLATED,
            )
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _write_parts(
    archive, agency, kind, left_out: Secrets, skip_keys, moment, *, public_rows: bool
) -> dict:
    schema = agency.schema_name
    # In the public schema or the agency's (a task): the schema's tables are named in full,
    # the public ones are found on either search path. Set it now, so that the transaction's
    # first statement is the next one.
    with connection.cursor():
        pass
    parts = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            if _outermost():
                # One moment's rows across every table, however long the writing takes.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for table in schema_tables(schema):
            if table in left_out.tables:
                continue
            sql = table_rows_query(schema, table, left_out.columns.get(table, ()))
            name = f"schema/{table}.jsonl"
            parts[name] = _write_rows(archive, name, sql, [], moment)
        for model, lookup in agency_public_models() if public_rows else []:
            sql, params = public_rows_query(model, lookup, agency)
            name = f"public/{model._meta.db_table}.jsonl"
            parts[name] = _write_rows(archive, name, sql, params, moment)
        sequences = schema_sequences(schema)
    files = agency_files()
    for key in sorted(files.keys(schema)):
        if key not in skip_keys:
            parts[f"files/{key}"] = _write_file(archive, key, moment)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "created_at": moment.isoformat(),
        "agency": {
            "name": agency.name,
            "subdomain": agency.subdomain,
            "schema_name": schema,
        },
        "migrations": migration_state(),
        "sequences": sequences,
        "parts": parts,
    }
    if kind == EXPORT:
        manifest["secrets_omitted"] = left_out.as_manifest()
    return manifest


def _outermost() -> bool:
    """The atomic block just entered began the transaction (not a savepoint in a caller's)."""
    return len(connection.atomic_blocks) == 1
