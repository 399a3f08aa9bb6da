"""What an agency's schema costs PostgreSQL: its relations, their catalog rows, their bytes.

Every relation (table, index, sequence, TOAST table and its index) is a ``pg_class`` row
plus rows in the other catalogs, and each backend caches the catalog rows of every schema
it touches; every index, even of an empty table, takes at least one 8 KB page. Sizes are
read from the files, so they are exact; nothing is estimated.
"""

from collections.abc import Iterable

from django.db import connection

# One row per schema; a schema's TOAST tables live in pg_toast and are counted with it.
_RELATIONS_SQL = """
WITH ns AS (
    SELECT oid, nspname FROM pg_namespace WHERE nspname = ANY(%(schemas)s)
), own AS (
    SELECT ns.nspname, c.oid, c.relkind, c.reltoastrelid
    FROM pg_class c JOIN ns ON c.relnamespace = ns.oid
), toast AS (
    SELECT own.nspname, t.oid FROM own JOIN pg_class t ON t.oid = own.reltoastrelid
), toast_index AS (
    SELECT toast.nspname, i.indexrelid AS oid FROM toast JOIN pg_index i ON i.indrelid = toast.oid
), rel AS (
    SELECT nspname, oid, 'own' AS part FROM own
    UNION ALL SELECT nspname, oid, 'toast' FROM toast
    UNION ALL SELECT nspname, oid, 'toast_index' FROM toast_index
), obj AS (
    -- every catalog object of the schema, for its pg_depend rows
    SELECT nspname, 'pg_class'::regclass AS classid, oid FROM rel
    UNION ALL SELECT ns.nspname, 'pg_type'::regclass, t.oid
        FROM pg_type t JOIN ns ON t.typnamespace = ns.oid
    UNION ALL SELECT ns.nspname, 'pg_constraint'::regclass, k.oid
        FROM pg_constraint k JOIN ns ON k.connamespace = ns.oid
    UNION ALL SELECT rel.nspname, 'pg_attrdef'::regclass, d.oid
        FROM pg_attrdef d JOIN rel ON d.adrelid = rel.oid
    UNION ALL SELECT rel.nspname, 'pg_trigger'::regclass, g.oid
        FROM pg_trigger g JOIN rel ON g.tgrelid = rel.oid
), own_counts AS (
    SELECT nspname,
        count(*) FILTER (WHERE relkind IN ('r', 'p')) AS tables,
        count(*) FILTER (WHERE relkind IN ('i', 'I')) AS indexes,
        count(*) FILTER (WHERE relkind = 'S') AS sequences,
        count(*) FILTER (WHERE relkind IN ('v', 'm')) AS views,
        sum(pg_total_relation_size(oid)) FILTER (WHERE relkind IN ('r', 'p', 'm', 'S')) AS bytes,
        sum(pg_relation_size(oid)) FILTER (WHERE relkind = 'i') AS index_bytes
    FROM own GROUP BY nspname
), rel_counts AS (
    SELECT nspname,
        count(*) FILTER (WHERE part = 'toast') AS toast_tables,
        count(*) FILTER (WHERE part = 'toast_index') AS toast_indexes,
        count(*) AS pg_class
    FROM rel GROUP BY nspname
), attribute_counts AS (
    SELECT rel.nspname, count(*) AS pg_attribute
    FROM pg_attribute a JOIN rel ON a.attrelid = rel.oid GROUP BY rel.nspname
), index_counts AS (
    SELECT rel.nspname, count(*) AS pg_index
    FROM pg_index i JOIN rel ON i.indexrelid = rel.oid GROUP BY rel.nspname
), obj_counts AS (
    SELECT nspname,
        count(*) FILTER (WHERE classid = 'pg_type'::regclass) AS pg_type,
        count(*) FILTER (WHERE classid = 'pg_constraint'::regclass) AS pg_constraint,
        count(*) FILTER (WHERE classid = 'pg_attrdef'::regclass) AS pg_attrdef,
        count(*) FILTER (WHERE classid = 'pg_trigger'::regclass) AS pg_trigger
    FROM obj GROUP BY nspname
), sequence_counts AS (
    SELECT own.nspname, count(*) AS pg_sequence
    FROM pg_sequence s JOIN own ON s.seqrelid = own.oid GROUP BY own.nspname
), depend_counts AS (
    SELECT obj.nspname, count(*) AS pg_depend
    FROM pg_depend d JOIN obj ON d.classid = obj.classid AND d.objid = obj.oid
    GROUP BY obj.nspname
)
SELECT ns.nspname, tables, indexes, sequences, views, toast_tables, toast_indexes, pg_class,
    pg_attribute, pg_index, pg_type, pg_constraint, pg_attrdef, pg_trigger, pg_sequence,
    pg_depend, bytes, index_bytes
FROM ns
    LEFT JOIN own_counts USING (nspname)
    LEFT JOIN rel_counts USING (nspname)
    LEFT JOIN attribute_counts USING (nspname)
    LEFT JOIN index_counts USING (nspname)
    LEFT JOIN obj_counts USING (nspname)
    LEFT JOIN sequence_counts USING (nspname)
    LEFT JOIN depend_counts USING (nspname)
"""

CATALOGS = [
    "pg_class",
    "pg_attribute",
    "pg_index",
    "pg_type",
    "pg_constraint",
    "pg_attrdef",
    "pg_trigger",
    "pg_sequence",
    "pg_depend",
]
_COLUMNS = [
    "tables",
    "indexes",
    "sequences",
    "views",
    "toast_tables",
    "toast_indexes",
    *CATALOGS,
    "bytes",
    "index_bytes",
]


def schema_footprints(schema_names: Iterable[str]) -> dict[str, dict]:
    """``{schema: footprint}`` (see ``schema_footprint``) in one statement; a schema that
    does not exist is left out."""
    with connection.cursor() as cursor:
        cursor.execute(_RELATIONS_SQL, {"schemas": list(schema_names)})
        rows = cursor.fetchall()
    footprints = {}
    for schema, *values in rows:
        footprint = dict(zip(_COLUMNS, (int(value or 0) for value in values), strict=True))
        footprint["catalog_rows"] = sum(footprint[catalog] for catalog in CATALOGS)
        footprints[schema] = footprint
    return footprints


def schema_footprint(schema_name: str) -> dict:
    """One schema's relations by kind, catalog rows and bytes.

    ``tables``, ``indexes`` (TOAST indexes apart), ``sequences``, ``views`` (materialized
    too), ``toast_tables``, ``toast_indexes``; one key per catalog (``pg_class``: a row
    per relation of all kinds, ``pg_attribute``, ``pg_depend``, ...) and their total
    ``catalog_rows``; ``bytes``: every relation's files, all forks, TOAST included;
    ``index_bytes``: the indexes' part of it. Raises ``LookupError`` for a missing schema.
    """
    footprints = schema_footprints([schema_name])
    if schema_name not in footprints:
        raise LookupError(f"No schema named {schema_name!r}")
    return footprints[schema_name]
