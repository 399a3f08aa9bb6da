"""cache_forget with real commits and rollbacks (outside the per-test transaction) and Redis."""

import pytest
from django.core.cache import cache
from django.db import transaction
from django_tenants.utils import tenant_context

from shared_apps.core.caching import cache_forget
from tenants.models import Agency
from tests.browser.conftest import _with_database

KEY = "tests:cache-forget"


class RolledBack(Exception):
    pass


@pytest.fixture
def committed(db, django_db_blocker):
    """Runs work in a connection of its own, whose transactions really commit; forgets KEY
    in both agencies afterwards."""
    agencies = Agency.objects.filter(subdomain__in=["acme", "globex"]).order_by("subdomain")
    acme, globex = agencies

    def run(work):
        return _with_database(django_db_blocker, lambda: work(acme, globex))

    yield run
    for agency in (acme, globex):
        with tenant_context(agency):
            cache.delete(KEY)


def test_forgets_now_and_again_after_the_commit_in_the_schema_it_was_asked_in(committed):
    def work(acme, globex):
        with tenant_context(globex):
            cache.set(KEY, "globex's own")
        # The schema is left before the commit.
        with transaction.atomic(), tenant_context(acme):
            cache.set(KEY, "old")
            cache_forget(KEY)
            forgotten_now = cache.get(KEY)
            cache.set(KEY, "old")  # a reader in between, before the commit
        with tenant_context(acme):
            after_commit = cache.get(KEY)
        with tenant_context(globex):
            others = cache.get(KEY)
        return forgotten_now, after_commit, others

    assert committed(work) == (None, None, "globex's own")


def test_after_a_rollback_what_readers_cached_stays(committed):
    """Nothing changed, so a value read after the first delete is still true."""

    def work(acme, globex):
        with tenant_context(acme):
            cache.set(KEY, "unchanged")
            try:
                with transaction.atomic():
                    cache_forget(KEY)
                    forgotten_now = cache.get(KEY)
                    cache.set(KEY, "unchanged")  # a reader in between
                    raise RolledBack
            except RolledBack:
                pass
            return forgotten_now, cache.get(KEY)

    assert committed(work) == (None, "unchanged")
