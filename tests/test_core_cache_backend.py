"""The cache backend (shared_apps.core.cache) against the real Redis: a request's read-ahead
gives each key's value once, never outlives a write of the key, and stays inside the
schema it was read in; outside requests nothing is read ahead."""

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.core.signals import request_finished, request_started
from django_tenants.utils import tenant_context

from tenants.models import Agency

KEY, OTHER = "tests:read-ahead", "tests:read-ahead-missing"


def _elsewhere() -> RedisCache:
    """Django's own Redis cache on the same server and keys: another process's writes."""
    conf = settings.CACHES["default"]
    return RedisCache(conf["LOCATION"], conf)


def _in_request(work):
    request_started.send(sender=None)
    try:
        return work()
    finally:
        request_finished.send(sender=None)


def test_a_read_ahead_value_is_read_once_and_a_write_drops_it(db):
    behind = _elsewhere()
    cache.set(KEY, "before")

    def work():
        cache.read_ahead([KEY, OTHER])
        behind.set(KEY, "changed elsewhere")
        assert cache.get(KEY) == "before"  # the value read ahead, no round trip
        assert cache.get(KEY) == "changed elsewhere"  # once only
        assert cache.get(OTHER, "default") == "default"  # missing when read ahead

        cache.read_ahead([KEY])
        cache.set(KEY, "written here")
        assert cache.get(KEY) == "written here"
        cache.read_ahead([KEY])
        cache.delete(KEY)
        assert cache.get(KEY) is None
        cache.read_ahead([KEY, OTHER])
        cache.set_many({KEY: "many"})
        cache.add(OTHER, "added")
        assert (cache.get(KEY), cache.get(OTHER)) == ("many", "added")

    try:
        _in_request(work)
    finally:
        cache.delete_many([KEY, OTHER])


def test_outside_requests_nothing_is_read_ahead(db):
    behind = _elsewhere()
    cache.set(KEY, "before")
    cache.read_ahead([KEY])
    behind.set(KEY, "after")
    assert cache.get(KEY) == "after"
    cache.delete(KEY)


def test_a_key_read_ahead_in_one_agency_is_not_read_in_another(db):
    acme, globex = Agency.objects.filter(subdomain__in=["acme", "globex"]).order_by("subdomain")
    with tenant_context(acme):
        cache.set(KEY, "acme's")
    with tenant_context(globex):
        cache.set(KEY, "globex's")

    def work():
        with tenant_context(acme):
            cache.read_ahead([KEY])
        with tenant_context(globex):
            assert cache.get(KEY) == "globex's"
        with tenant_context(acme):
            assert cache.get(KEY) == "acme's"

    try:
        _in_request(work)
    finally:
        for agency in (acme, globex):
            with tenant_context(agency):
                cache.delete(KEY)
