"""Per-process host → agency cache, so a warm request runs no routing query.

Any Agency, Domain or CustomDomain change clears it in the process that made it at once and,
once committed, in every other process within a second: ``changed()`` publishes on a Redis
channel, and each serving process has a daemon thread subscribed to it (started by its first
request, again in a forked child) that clears its cache on each message. Requests themselves
never touch Redis. While that thread is not subscribed (Redis down, reconnecting), nothing is
cached, so a missed message can never leave a stale entry; ``TENANT_HOST_CACHE_SECONDS`` is a
last bound on an entry's life. Unknown hosts are never cached, so a new domain routes at once.
Entries hold plain field values (suspension included) and each hit builds a fresh Agency, so
requests never share a mutable model instance.
"""

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery

from tenants.models import Agency, Domain

logger = logging.getLogger(__name__)

_AGENCY_FIELDS = [field.attname for field in Agency._meta.concrete_fields]
_entries: dict[str, tuple[float, tuple]] = {}
# Bumped by every clear, so a lookup that overlapped a clear does not store what it read.
_generation = 0
_lock = threading.Lock()
# Set while this process's listener is subscribed: only then may entries be kept.
_subscribed = threading.Event()
# This process has its listener (reset in a forked child, which inherits no threads).
_listening = False
_publisher: redis.Redis | None = None
RECONNECT_SECONDS = 0.5


@dataclass(frozen=True)
class Route:
    agency: Agency
    # Where to send the request: the agency's primary host when that is one of its own
    # domains and the request came in on another of its hosts. While the platform subdomain
    # is primary, every verified domain serves the portal as it is.
    redirect_to: str | None


def route_for_host(hostname: str) -> Route | None:
    if not _listening:
        _start_listener()
    now = time.monotonic()
    entry = _entries.get(hostname)
    if entry is None or entry[0] <= now:
        generation = _generation
        values = _lookup(hostname)
        if values is None:
            _entries.pop(hostname, None)
            return None
        entry = (now + settings.TENANT_HOST_CACHE_SECONDS, values)
        with _lock:
            if _subscribed.is_set() and generation == _generation:
                _entries[hostname] = entry
    *agency_values, primary = entry[1]
    agency = Agency.from_db(None, _AGENCY_FIELDS, agency_values)
    custom_primary = primary and not primary.endswith("." + settings.PLATFORM_DOMAIN)
    return Route(agency, primary if custom_primary and primary != hostname else None)


def _lookup(hostname: str) -> tuple | None:
    connection.set_schema_to_public()
    primary = Domain.objects.filter(tenant=OuterRef("tenant"), is_primary=True).values("domain")
    return (
        Domain.objects.filter(domain=hostname, tenant__is_active=True, tenant__is_spare=False)
        .annotate(primary_host=Subquery(primary[:1]))
        .values_list(*(f"tenant__{name}" for name in _AGENCY_FIELDS), "primary_host")
        .first()
    )


def clear() -> None:
    """Forget every entry in this process."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def changed() -> None:
    """Routing data changed: clear this process now (it reads its own transaction), and every
    process once the transaction commits (at once outside one)."""
    clear()
    transaction.on_commit(_publish, robust=True)


def channel() -> str:
    # Pub/sub ignores Redis database numbers: the cache prefix keeps each deployment (and
    # each test worker) on a channel of its own.
    return f"{settings.CACHES['default']['KEY_PREFIX']}:host-cache"


def _client(**options) -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=2, socket_keepalive=True, **options
    )


def listener_name() -> str:
    """This process's subscription as Redis's CLIENT LIST names it."""
    return f"{channel()}:{os.getpid()}"


def _publish() -> None:
    global _publisher
    try:
        if _publisher is None:
            _publisher = _client(socket_timeout=2)
        _publisher.publish(channel(), b"clear")
    except redis.RedisError:
        # The other processes' listeners lost Redis too, so they cache nothing until back.
        logger.warning("Could not publish a host cache change", exc_info=True)


def _start_listener() -> None:
    """Subscribe for this process, then keep listening in a daemon thread. The first
    subscription is made here, so the process caches from its first request; if Redis is
    down the thread keeps trying."""
    global _listening
    with _lock:
        if _listening:
            return
        _listening = True
    try:
        pubsub = _subscribe()
    except redis.RedisError:
        logger.warning("Host cache: Redis unreachable; routing uncached until it is back")
        pubsub = None
    threading.Thread(target=_listen, args=(pubsub,), name="host-cache", daemon=True).start()


def _after_fork_in_child() -> None:
    """A forked child has none of its parent's threads or connections: it starts afresh."""
    global _listening, _publisher, _lock, _subscribed
    # New locks: another thread of the parent may have held the old ones.
    _lock, _subscribed = threading.Lock(), threading.Event()
    _listening = False
    _publisher = None
    _entries.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _subscribe():
    options = {"socket_timeout": 30, "health_check_interval": 10, "client_name": listener_name()}
    pubsub = _client(**options).pubsub()
    pubsub.subscribe(channel())
    confirmation = pubsub.get_message(timeout=5)
    if not confirmation or confirmation["type"] != "subscribe":
        pubsub.close()
        raise redis.ConnectionError("no subscription confirmed")
    # Changes published before this point were missed: start from nothing.
    clear()
    _subscribed.set()
    return pubsub


def _listen(pubsub) -> None:
    # Logged when the subscription is lost and when it is made again, not at every retry.
    lost = pubsub is None
    while True:
        try:
            if pubsub is None:
                pubsub = _subscribe()
                if lost:
                    logger.warning("Host cache: subscribed again; routing cached again")
                    lost = False
            # Waits for a message; the health check pings a quiet connection now and then.
            message = pubsub.get_message(timeout=5)
            if message and message["type"] == "message":
                clear()
        except Exception:
            _subscribed.clear()
            clear()
            if not lost:
                logger.warning(
                    "Host cache: lost the Redis subscription; resubscribing", exc_info=True
                )
                lost = True
            if pubsub is not None:
                with contextlib.suppress(Exception):  # already broken; a new one follows
                    pubsub.close()
            pubsub = None
            time.sleep(RECONNECT_SECONDS)
