"""django-tenants' backend, minus the redundant ``SET search_path``, with a cap on the
agencies one connection serves.

Stock ``set_tenant()`` forgets which search_path the session holds on every
call, so each request pays a ``SET`` even when the pooled connection already
points at the right schema. Here the memory is kept when the schema is
unchanged. The parent still clears it on close, rollback and savepoint
rollback, where PostgreSQL may have discarded the setting. Safe only with
direct connections or PgBouncer in session mode.

A PostgreSQL backend keeps the catalog entries of every schema it has touched and never
frees them (~165 KB per agency on the API path, ~1.6 MB with every table). Once a
connection has served ``TENANT_SCHEMAS_PER_CONNECTION`` agencies it is closed between
requests (or tasks), so a long-lived connection's memory stays bounded.

With several clusters (tenants.clusters), the ``default`` connection follows the agency:
``set_tenant`` points it at the cluster holding the tenant's schema, and the next query moves
it there (swapping the server settings, and the open connection for the one kept open there,
if any: one connection per cluster and process), so every transaction of the agency's code
runs on its own database. A query on another cluster inside a transaction is refused.
"""

import contextlib
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django_tenants.postgresql_backend import base

from tenants import clusters


class ClusterSwitchInTransaction(RuntimeError):
    """A transaction on one cluster cannot continue on another."""


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        self.schemas_served = set()  # before the parent's __init__, which sets the schema
        self.cluster = clusters.PRIMARY  # the cluster the settings point at
        self.cluster_wanted = clusters.PRIMARY  # the current tenant's, switched to on use
        self.pinned_cluster = None  # tenants.clusters.on_cluster
        self.parked = {}  # cluster name -> an open connection there and its state
        super().__init__(*args, **kwargs)
        self.home_settings = self.settings_dict  # the primary's

    def close(self):
        super().close()
        self.schemas_served = set()
        self.close_parked(obsolete_only=False)

    def set_tenant(self, tenant, include_public=True):
        if self.alias == DEFAULT_DB_ALIAS and (clusters.several() or self.cluster_moved):
            self.cluster_wanted = self.pinned_cluster or clusters.cluster_of(tenant)
        self.schemas_served.add(tenant.schema_name)
        unchanged = (
            self.schema_name == tenant.schema_name and self.include_public_schema == include_public
        )
        if unchanged:
            # Same schema: keep the known search_path and the ContentType cache.
            self.tenant = tenant
            return
        super().set_tenant(tenant, include_public)

    def close_if_unusable_or_obsolete(self):
        if (
            self.connection is not None
            and not self.in_atomic_block
            and len(self.schemas_served) > settings.TENANT_SCHEMAS_PER_CONNECTION
        ):
            self.close()
            return
        self.close_parked(obsolete_only=True)
        super().close_if_unusable_or_obsolete()

    def ensure_connection(self):
        # Switched on first use, not in set_tenant: a tenant_context() inside a transaction
        # that only names the agency (a cache key, a task's headers) runs no query there.
        if self.cluster_wanted != self.cluster:
            self.cluster_switch(self.cluster_wanted)
        super().ensure_connection()

    @property
    def cluster_moved(self) -> bool:
        """The current tenant's cluster is not the primary (the connection moves there on its
        next query, if it is not there yet)."""
        return self.cluster_wanted != clusters.PRIMARY

    def cluster_pin(self, name: str) -> None:
        """Move to cluster ``name`` now and stay there whatever schema is set (on_cluster)."""
        self.cluster_switch(name)
        self.pinned_cluster = self.cluster_wanted = name

    def cluster_switch(self, name: str) -> None:
        """Point at cluster ``name``: this cluster's open connection is parked (an iterator's
        server-side cursor on it lives on), the target's parked one taken back if it has one."""
        if name == self.cluster:
            return
        if self.in_atomic_block:
            raise ClusterSwitchInTransaction(
                f"This transaction is on the database cluster {self.cluster!r}: it cannot "
                f"go on on {name!r}. Switch agencies outside transaction.atomic()."
            )
        settings_dict = (
            self.home_settings
            if name == clusters.PRIMARY
            else self.home_settings | clusters.connection_settings(name)
        )
        if self.connection is not None:
            # From the instance: reading pg_version here would connect to ask for it.
            self.parked[self.cluster] = {key: self.__dict__.get(key) for key in PARKED}
        state = self.parked.pop(name, None)
        if state is not None and _obsolete(state):
            _close_quietly(state["connection"])
            state = None
        fresh = {
            "connection": None,
            "close_at": None,
            "errors_occurred": False,
            "schemas_served": set(),
            # Another server may run another PostgreSQL version: asked again.
            "features": self.features_class(self),
            "pg_version": None,
        }
        for key, value in (state or fresh).items():
            setattr(self, key, value)
        if self.__dict__["pg_version"] is None:
            del self.pg_version  # the cached property is read from the server again
        self.settings_dict, self.cluster = settings_dict, name
        # Parked idle: checked before its next use. The session's search_path is set again.
        self.health_check_done = False
        self.search_path_set_schemas = None

    def close_parked(self, *, obsolete_only: bool) -> None:
        for name, state in list(self.parked.items()):
            if not obsolete_only or _obsolete(state):
                _close_quietly(self.parked.pop(name)["connection"])


# What belongs to one open connection rather than to the wrapper: parked with it.
PARKED = (
    "connection",
    "close_at",
    "errors_occurred",
    "schemas_served",
    "features",
    "pg_version",
)


def _obsolete(state: dict) -> bool:
    return state["errors_occurred"] or (
        state["close_at"] is not None and time.monotonic() >= state["close_at"]
    )


def _close_quietly(raw_connection) -> None:
    with contextlib.suppress(Exception):  # gone already: nothing more to close
        raw_connection.close()
