"""The cache backend: Django's Redis cache, cheaper per read.

- One Redis client per connection pool, kept: Django's client builds a new ``redis.Redis``
  (with its table of ~170 response callbacks) for every command, which costs more CPU than
  the command's round trip. redis-py's clients are safe to share between threads, and each
  thread has its own backend anyway.
- Read-ahead within a request: ``cache.read_ahead(keys)`` fetches keys the request is going
  to read in one round trip (``MGET``); each later ``get`` of one of them takes the value
  fetched (once), instead of a round trip of its own. A write or delete of a key through
  this backend drops what was read ahead for it, so a request never reads back an older
  value than it wrote. Outside requests (tasks, shells) ``read_ahead`` does nothing.
"""

from asgiref.local import Local
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.signals import request_finished, request_started

_MISSING = object()
# {made key: value or _MISSING} while a request runs in this thread; None otherwise.
_ahead = Local()


def _request_started(**kwargs) -> None:
    _ahead.values = {}


def _request_finished(**kwargs) -> None:
    _ahead.values = None


request_started.connect(_request_started)
request_finished.connect(_request_finished)


def _values():
    return getattr(_ahead, "values", None)


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def read_ahead(self, keys, version=None) -> None:
        values = _values()
        if values is None:
            return
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        found = self._cache.get_many(made)
        for key in made:
            values[key] = found.get(key, _MISSING)

    def _forget(self, *made_keys) -> None:
        values = _values()
        if values:
            for key in made_keys:
                values.pop(key, None)

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        values = _values()
        if values:
            value = values.pop(key, None)
            if value is _MISSING:
                return default
            if value is not None:
                return value
        return self._cache.get(key, default)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._forget(key)
        return self._cache.add(key, value, self.get_backend_timeout(timeout))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._forget(key)
        self._cache.set(key, value, self.get_backend_timeout(timeout))

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._forget(key)
        return self._cache.delete(key)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        self._forget(*(self.make_and_validate_key(key, version=version) for key in data))
        return super().set_many(data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        self._forget(*(self.make_and_validate_key(key, version=version) for key in keys))
        return super().delete_many(keys, version=version)

    def incr(self, key, delta=1, version=None):
        self._forget(self.make_and_validate_key(key, version=version))
        return super().incr(key, delta=delta, version=version)

    def clear(self):
        values = _values()
        if values:
            values.clear()
        return super().clear()
