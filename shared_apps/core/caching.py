"""Forgetting cached values that a transaction is about to change."""

from django.core.cache import cache
from django.db import connection, transaction
from django_tenants.utils import tenant_context


def cache_forget(*keys: str) -> None:
    """Delete ``keys`` from the cache now, so this request reads afresh, and again after the
    commit, because a reader in between re-caches the value the transaction is replacing.

    The cache's key function prefixes the current schema, and the commit may come after the
    caller has left it, so the second delete runs in the schema of the first. After a
    rollback nothing more is needed: readers re-cache the unchanged value."""
    tenant = connection.tenant

    def forget():
        with tenant_context(tenant):
            cache.delete_many(keys)

    forget()
    transaction.on_commit(forget, robust=True)  # outside a transaction it runs at once
