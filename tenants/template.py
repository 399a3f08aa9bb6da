"""New agency schemas copied from a migrated template schema instead of migrated one by one.

Migrating a new schema takes ~5 s, most of it Python rendering migration states; copying
the template's tables, rows and objects inside PostgreSQL takes a fraction of a second.
The template (``settings.TENANT_BASE_SCHEMA``) is no agency: it holds only what migrations
write (``django_migrations``, content types, permissions, default rows), so a copy is
exactly a freshly migrated schema and needs no migrate, real or faked.

django-tenants' ``CloneSchema`` renames unique constraints (``<table>_<columns>_key``) and
makes identity sequences bigint, so later migrations naming those constraints would fail:
the copy here recreates each object from its catalog definition under its own name.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.utils import schema_exists

from tenants.fleet import schemas_behind

TEMPLATE_LOCK_KEY = 0x5C4E_5450  # pg advisory lock: one builder of the template at a time


class TemplateUnsupported(Exception):
    """The template holds an object kind the copy does not recreate."""


def template_ensure_current() -> bool:
    """Create or migrate the template schema when it is missing or behind the code; returns
    whether this call did.

    The lock is a transaction's: whoever waits on it sees the template the holder
    committed, and a holder that rolls back leaves it to the next one.
    """
    name = settings.TENANT_BASE_SCHEMA
    if _template_current(name):
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TEMPLATE_LOCK_KEY])
        if _template_current(name):  # built by whoever held the lock before us
            return False
        if not schema_exists(name):
            cursor.execute(f"CREATE SCHEMA {connection.ops.quote_name(name)}")
        call_command(
            "migrate_schemas", schema_name=name, tenant=True, interactive=False, verbosity=0
        )
        connection.set_schema_to_public()
    return True


def _template_current(name: str) -> bool:
    return schema_exists(name) and not schemas_behind([name])


# Statements that copy the template, in the order they must run: tables with their
# columns, defaults, identities and checks; their rows; the sequences' positions; keys and
# unique constraints, then foreign keys; the other indexes; functions; triggers.
_COPY = [
    """SELECT format('CREATE TABLE %%s.%%I (LIKE %%s.%%I INCLUDING DEFAULTS INCLUDING IDENTITY'
                     ' INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE'
                     ' INCLUDING COMMENTS INCLUDING COMPRESSION)',
                     %(dst)s, relname, %(src)s, relname)
         FROM pg_class WHERE relnamespace = %(src)s::regnamespace AND relkind = 'r'""",
    """SELECT format('INSERT INTO %%s.%%I (%%s) OVERRIDING SYSTEM VALUE SELECT %%s FROM %%s.%%I',
                     %(dst)s, c.relname, columns, columns, %(src)s, c.relname)
         FROM pg_class c CROSS JOIN LATERAL (
           SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS columns
             FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped
              AND attgenerated = ''
         ) AS insertable
        WHERE c.relnamespace = %(src)s::regnamespace AND c.relkind = 'r'""",
    # An identity's sequence made by LIKE is bigint whatever its column's type.
    """SELECT format('ALTER SEQUENCE %%s.%%I AS %%s', %(dst)s, relname, format_type(seqtypid, NULL))
                || CASE WHEN last_value IS NOT NULL THEN format('; SELECT setval(%%L, %%s)',
                        %(dst)s || '.' || quote_ident(relname), last_value) ELSE '' END
         FROM pg_class JOIN pg_sequence ON seqrelid = oid
        CROSS JOIN LATERAL pg_sequence_last_value(oid) AS last_value
        WHERE relnamespace = %(src)s::regnamespace""",
]
# Definitions, read while search_path holds only pg_catalog, so that they name the template's
# schema wherever they name one of its objects: the copy names its own instead.
_DEFINITIONS = [
    # One ALTER TABLE per table and kind: keys and unique constraints before foreign keys.
    """SELECT format('ALTER TABLE %%s.%%I ', %(src)s, c.relname) || string_agg(
                format('ADD CONSTRAINT %%I %%s', k.conname, pg_get_constraintdef(k.oid)), ', ')
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        WHERE k.connamespace = %(src)s::regnamespace AND k.contype IN ('p', 'u', 'x', 'f')
        GROUP BY c.relname, k.contype = 'f' ORDER BY k.contype = 'f'""",
    """SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relnamespace = %(src)s::regnamespace AND NOT EXISTS (SELECT FROM pg_constraint
                  WHERE conindid = i.indexrelid AND contype IN ('p', 'u', 'x'))""",
    "SELECT pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = %(src)s::regnamespace",
    """SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = %(src)s::regnamespace AND NOT t.tgisinternal""",
]

# What a migrated schema holds beyond the above: a new kind must be taught to the copy.
_UNSUPPORTED = """
SELECT 'relation ' || relname || ' of kind ' || relkind::text FROM pg_class
 WHERE relnamespace = %(src)s::regnamespace AND relkind NOT IN ('r', 'i', 'S')
UNION ALL
SELECT 'sequence ' || s.relname || ' not an identity' FROM pg_class s
 WHERE s.relnamespace = %(src)s::regnamespace AND s.relkind = 'S'
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = s.oid AND d.deptype = 'i')  -- classid: pg_depend's index
UNION ALL
SELECT 'type ' || typname FROM pg_type
 WHERE typnamespace = %(src)s::regnamespace AND typtype <> 'c' AND typelem = 0
"""


def schema_clone(new_schema_name: str) -> None:
    """Create ``new_schema_name`` as a copy of the template, in one transaction (the
    caller's, when there is one). The template must be current (``template_ensure_current``).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        # Quoted as the catalog's definitions quote them, for the replacement below.
        cursor.execute(
            "SELECT quote_ident(%s), quote_ident(%s), current_setting('search_path')",
            [settings.TENANT_BASE_SCHEMA, new_schema_name],
        )
        src, dst, search_path = cursor.fetchone()
        cursor.execute("SELECT set_config('search_path', 'pg_catalog', true)")
        cursor.execute(_UNSUPPORTED, {"src": src})
        if unsupported := [row[0] for row in cursor.fetchall()]:
            raise TemplateUnsupported(", ".join(unsupported))
        params = {"src": src, "dst": dst}
        statements = []
        for query in _COPY:
            cursor.execute(query, params)
            statements += [row[0] for row in cursor.fetchall()]
        for query in _DEFINITIONS:
            cursor.execute(query, params)
            statements += [row[0].replace(f"{src}.", f"{dst}.") for row in cursor.fetchall()]
        cursor.execute(f"CREATE SCHEMA {dst}")
        cursor.execute(";\n".join(statements))
        cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
