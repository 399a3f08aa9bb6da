"""Redis down: skip it for a while instead of paying a failed connection or a timeout on
every call (docs/reliability/redis-outage.md).

The cache and the Celery broker share one Redis (both from REDIS_URL), so each process keeps
one circuit for it. The first call that cannot reach Redis opens it: from then on the cache
answers as a miss and drops writes (shared_apps.core.cache) and queued tasks wait in the
outbox (shared_apps.core.tasks), without touching Redis. A daemon thread pings Redis every
PROBE_SECONDS; once it answers, the ``before_close`` hooks run (a failure there keeps the
circuit open), the circuit closes, and the ``after_close`` hooks run. One warning when it
opens, one a minute while it stays open, one when it closes: never one per call.

pybreaker keeps the same states, but holds one lock across every guarded call (threads would
queue behind a call waiting out its timeout) and lets requests make the trial calls; here no
request ever waits on a Redis that is known to be down.
"""

import logging
import os
import threading
import time

import redis
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

PROBE_SECONDS = 1.0
REMIND_SECONDS = 60.0
PROBE_TIMEOUT_SECONDS = 1.0


class Circuit:
    def __init__(self) -> None:
        self.open = False
        self.before_close: list = []
        self.after_close: list = []
        self._opened_at = 0.0
        # When it last opened, by the clock (the outbox's relay compares it with its rows).
        self.down_since = None
        self._lock = threading.Lock()

    def failed(self, error: Exception) -> None:
        """A call could not reach Redis: skip it until the probe finds it answering."""
        with self._lock:
            if self.open:
                return
            self.open, self._opened_at = True, time.monotonic()
            self.down_since = timezone.now()
        logger.warning(
            "Redis unreachable (%s): the cache answers misses and drops writes, and tasks "
            "wait in the outbox, until it answers again",
            error,
        )
        threading.Thread(target=self._probe, name="redis-circuit", daemon=True).start()

    def _probe(self) -> None:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
            socket_timeout=PROBE_TIMEOUT_SECONDS,
        )
        reminded = self._opened_at
        while True:
            time.sleep(PROBE_SECONDS)
            try:
                client.ping()
                for hook in self.before_close:
                    hook()
                break
            except Exception as error:  # still down, or down again: keep skipping it
                if time.monotonic() - reminded >= REMIND_SECONDS:
                    reminded = time.monotonic()
                    down_for = reminded - self._opened_at
                    logger.warning("Redis still unreachable after %.0f s (%s)", down_for, error)
        client.close()
        self.open = False
        logger.warning("Redis answers again after %.1f s", time.monotonic() - self._opened_at)
        for hook in self.after_close:
            try:
                hook()
            except Exception:
                logger.exception("A hook after Redis came back failed")

    def _after_fork_in_child(self) -> None:
        # A forked child has no probe thread: it finds out for itself.
        self.open = False
        self._lock = threading.Lock()


redis_circuit = Circuit()
os.register_at_fork(after_in_child=redis_circuit._after_fork_in_child)
