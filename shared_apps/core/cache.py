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
- Redis down (docs/reliability/redis-outage.md): every call answers at once as a miss or a
  write not made (``add`` is False: nothing was stored), without waiting, while the process's
  circuit (shared_apps.core.redis_circuit) is open; the call that finds Redis gone opens it,
  waiting at most the pool's socket timeouts (settings.CACHES). The keys whose writes or
  deletes were dropped are remembered and deleted when Redis answers again, before the
  circuit closes, so a value older than a change made during the outage is not read after it.
"""

import threading

from asgiref.local import Local
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.signals import request_finished, request_started
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared_apps.core.redis_circuit import redis_circuit

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)

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


# Keys (as made) whose write or delete was dropped while Redis was down, in this process; past
# DROPPED_MAX, every key of the cache's prefix is deleted instead.
DROPPED_MAX = 10_000
_dropped: set[str] = set()
_dropped_all = False
_dropped_lock = threading.Lock()


def _remember_dropped(keys) -> None:
    global _dropped_all
    with _dropped_lock:
        if _dropped_all or len(_dropped) + len(keys) > DROPPED_MAX:
            _dropped_all = True
            _dropped.clear()
        else:
            _dropped.update(keys)


def forget_dropped() -> None:
    """Delete the keys whose writes this process dropped while Redis was down (a circuit hook:
    raises while Redis is still unreachable, keeping the circuit open)."""
    global _dropped_all
    with _dropped_lock:
        keys, everything = list(_dropped), _dropped_all
    if not keys and not everything:
        return
    backend = caches["default"]
    if not isinstance(backend, RedisCache):  # settings changed since (tests)
        with _dropped_lock:
            _dropped.clear()
            _dropped_all = False
        return
    client = backend._cache.get_client(write=True)
    if everything:
        # Keys are "<schema>:<prefix>:<version>:<key>" (django_tenants.cache.make_key).
        keys = [
            key
            for key in client.scan_iter(match=f"*:{backend.key_prefix}:*", count=1000)
            if key.split(b":", 2)[1] == backend.key_prefix.encode()
        ]
    for start in range(0, len(keys), 1000):
        client.unlink(*keys[start : start + 1000])
    with _dropped_lock:
        _dropped.difference_update(keys)
        if everything:
            _dropped_all = False


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

    def _redis(self, call, fallback, dropped=()):
        """``call()``, or ``fallback`` when Redis is down: at once while the circuit is open.
        ``dropped``: the made keys a write would have changed, remembered when it is not made."""
        if not redis_circuit.open:
            try:
                return call()
            except REDIS_DOWN as error:
                redis_circuit.failed(error)
        if dropped:
            _remember_dropped(dropped)
        return fallback

    def read_ahead(self, keys, version=None) -> None:
        values = _values()
        if values is None:
            return
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        found = self._redis(lambda: self._cache.get_many(made), None)
        if found is None:
            return
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
        return self._redis(lambda: self._cache.get(key, default), default)

    def get_many(self, keys, version=None):
        made = {self.make_and_validate_key(key, version=version): key for key in keys}
        found = self._redis(lambda: self._cache.get_many(made.keys()), {})
        return {made[key]: value for key, value in found.items()}

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._redis(lambda: self._cache.has_key(key), False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._forget(key)
        timeout = self.get_backend_timeout(timeout)
        return self._redis(lambda: self._cache.add(key, value, timeout), False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._forget(key)
        timeout = self.get_backend_timeout(timeout)
        self._redis(lambda: self._cache.set(key, value, timeout), None, dropped=[key])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        return self._redis(lambda: self._cache.touch(key, timeout), False)

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._forget(key)
        return self._redis(lambda: self._cache.delete(key), False, dropped=[key])

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        made = {
            self.make_and_validate_key(key, version=version): value for key, value in data.items()
        }
        if not made:
            return []
        self._forget(*made)
        timeout = self.get_backend_timeout(timeout)
        stored = self._redis(
            lambda: self._cache.set_many(made, timeout) or True, False, dropped=made
        )
        return [] if stored else list(data)

    def delete_many(self, keys, version=None):
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        if made:
            self._forget(*made)
            self._redis(lambda: self._cache.delete_many(made), None, dropped=made)

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._forget(key)
        value = self._redis(lambda: self._cache.incr(key, delta), _MISSING, dropped=[key])
        if value is _MISSING:
            raise ValueError(f"Key '{key}' not found.")  # a miss, as for a key never set
        return value

    def clear(self):
        global _dropped_all
        values = _values()
        if values:
            values.clear()
        if self._redis(lambda: self._cache.clear() or True, False) is False:
            with _dropped_lock:
                _dropped_all = True
