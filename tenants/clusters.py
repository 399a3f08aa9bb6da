"""Several PostgreSQL clusters: each agency's schema lives on one of them.

The primary (``DATABASE_URL``, named "default") holds the public schema and every agency
until one is moved (``manage.py agency_move``); ``AGENCY_DATABASES`` names the others.
``Agency.database`` says which. The ``default`` connection follows the current agency:
``connection.set_tenant(agency)`` puts it on the agency's cluster (tenants.postgresql_backend),
so requests, tasks and commands run their transactions there unchanged, while the public-only
models go to the primary (tenants.routers). Another cluster's public schema stays empty: an
agency's schema needs nothing from it (no extension, no foreign key into public).
"""

import functools
from contextlib import contextmanager

import psycopg
import psycopg.sql
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, connections
from django_tenants.utils import get_public_schema_name

PRIMARY = "default"
# The primary's alias for public-only models while "default" is on another cluster.
PRIMARY_ALIAS = "primary"
# Where an agency's connection settings come from; the rest (CONN_MAX_AGE...) is the primary's.
CONNECTION_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")


def cluster_names() -> list[str]:
    return [PRIMARY, *settings.AGENCY_DATABASES]


def several() -> bool:
    return bool(settings.AGENCY_DATABASES)


def connection_settings(name: str) -> dict:
    """The connection keys of cluster ``name`` (the primary's are the home settings)."""
    try:
        database = settings.AGENCY_DATABASES[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"No database cluster is named {name!r}; AGENCY_DATABASES names "
            f"{', '.join(settings.AGENCY_DATABASES) or 'none'}."
        ) from None
    return {key: database[key] for key in CONNECTION_KEYS}


def validate_cluster_name(value: str) -> None:
    if value not in cluster_names():
        raise ValidationError(
            "%(value)s is not a database cluster (known: %(known)s).",
            params={"value": value, "known": ", ".join(cluster_names())},
        )


def app_labels(entries: list[str]) -> set[str]:
    """App labels of INSTALLED_APPS-style entries (module paths or AppConfig paths)."""
    return {
        config.label
        for config in apps.get_app_configs()
        if config.name in entries or f"{type(config).__module__}.{type(config).__name__}" in entries
    }


@functools.cache
def public_only_app_labels() -> frozenset[str]:
    """Apps whose tables exist only in the primary's public schema."""
    return frozenset(app_labels(settings.SHARED_APPS) - app_labels(settings.TENANT_APPS))


def cluster_of(tenant) -> str:
    """Where ``tenant``'s schema lives: an Agency says; public is on the primary; a bare
    schema name (``set_schema``) is looked up on the primary."""
    if database := getattr(tenant, "database", None):
        return database
    if tenant.schema_name == get_public_schema_name():
        return PRIMARY
    return database_of_schema(tenant.schema_name)


def database_of_schema(schema_name: str) -> str:
    from tenants.models import Agency  # here: the backend imports this module before models

    # On the primary's own alias: "default" may be in the middle of switching.
    found = Agency.objects.using(PRIMARY_ALIAS).filter(schema_name=schema_name)
    return found.values_list("database", flat=True).first() or PRIMARY


def agencies_by_database() -> dict[str, list[str]]:
    """Every agency's schema (spares included) by the cluster holding it, in one query; each
    configured cluster is a key, with no schemas if it holds none."""
    from tenants.models import Agency

    grouped = {name: [] for name in cluster_names()}
    rows = (
        Agency.objects.exclude(schema_name=get_public_schema_name())
        .order_by("schema_name")
        .values_list("database", "schema_name")
    )
    for database, schema_name in rows:
        grouped.setdefault(database, []).append(schema_name)
    return grouped


def schema_drop(name: str, schema_name: str) -> None:
    """Drop a schema on cluster ``name`` at once, on a connection of its own: an agency's
    deletion runs in a transaction on the primary, which cannot reach another cluster. (Should
    that transaction fail, the deletion is run again and finds the schema gone.)"""
    params = connection_settings(name)
    with psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"],
        password=params["PASSWORD"],
        host=params["HOST"],
        port=params["PORT"] or None,
        autocommit=True,
    ) as other:
        other.execute(
            psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                psycopg.sql.Identifier(schema_name)
            )
        )


@contextmanager
def on_cluster(name: str):
    """Keep the ``default`` connection on cluster ``name`` for the block, whatever schema is
    set in it (``set_schema``, ``set_schema_to_public``): for migrating or copying schemas
    there. Back on the primary's public schema after. Refused inside a transaction on another
    cluster."""
    if name not in cluster_names():
        connection_settings(name)  # raises, naming the known clusters
    previous = connection.pinned_cluster
    connection.cluster_pin(name)
    try:
        yield connections["default"]
    finally:
        connection.pinned_cluster = previous
        connection.set_schema_to_public()
