"""Which agency schemas are behind the code's migrations, for the whole fleet at once.

Django decides per schema, on its own connection, after system checks and rendering the
migration state: about 0.8 s each, and a catalog scan that grows with the number of
schemas. Here one statement per batch of schemas counts, in each schema's
``django_migrations``, the tenant migrations the code expects.
"""

from collections.abc import Iterable
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from psycopg import sql

# Schemas per statement: one UNION ALL arm each; keeps a statement's plan small.
BATCH = 500


@cache
def expected_tenant_migrations() -> frozenset[str]:
    """``app_label.name`` of every migration the code holds for the tenant apps."""
    tenant_labels = {
        config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS
    }
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(
        f"{app_label}.{name}"
        for app_label, name in loader.graph.nodes
        if app_label in tenant_labels
    )


def schemas_behind(schemas: Iterable[str]) -> dict[str, int]:
    """``{schema: migrations missing}`` for those of ``schemas`` not fully migrated.

    A schema without a ``django_migrations`` table (new, or never migrated) misses them
    all. A missing schema is not reported: there is nothing to migrate.
    """
    expected = sorted(expected_tenant_migrations())
    schemas = list(schemas)
    behind = {}
    with connection.cursor() as cursor:
        for start in range(0, len(schemas), BATCH):
            batch = schemas[start : start + BATCH]
            cursor.execute(
                "SELECT nspname, to_regclass(quote_ident(nspname) || '.django_migrations')"
                " IS NOT NULL FROM pg_namespace WHERE nspname = ANY(%s)",
                [batch],
            )
            present = dict(cursor.fetchall())
            recorded = [schema for schema, has_table in present.items() if has_table]
            behind.update(
                {schema: len(expected) for schema, has_table in present.items() if not has_table}
            )
            if not recorded:
                continue
            arms = sql.SQL(" UNION ALL ").join(
                sql.SQL(
                    "SELECT {schema_name}, count(*) FROM {table}"
                    " WHERE app || '.' || name = ANY(%(expected)s)"
                ).format(
                    schema_name=sql.Literal(schema),
                    table=sql.Identifier(schema, "django_migrations"),
                )
                for schema in recorded
            )
            cursor.execute(arms.as_string(connection.connection), {"expected": expected})
            for schema, applied in cursor.fetchall():
                if applied < len(expected):
                    behind[schema] = len(expected) - applied
    return behind
