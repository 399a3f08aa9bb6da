"""Prometheus metrics, at /internal/metrics on any Host for "Authorization: Bearer
<METRICS_SECRET>" (404 to everyone else, and to everyone while the secret is unset).

- ``portal_http_request_duration_seconds{route, method, status}``: a histogram per URL
  pattern name (never the path: no ids, tokens or agency names), method and status class,
  observed by shared_apps.core.observability; ``portal_http_requests_in_progress``.
  Under gunicorn every worker writes its own files and a scrape adds them up
  (shared_apps.core.metrics_files).
- ``portal_celery_tasks_total{task, outcome}``: task runs that succeeded, failed or were
  retried, counted by the workers' Celery signals in one Redis hash. Workers run in pods of
  their own that take no connections (deploy/kubernetes/networkpolicy.yaml), so what they
  count must live where the web processes can read it; Redis keeps it across worker restarts.
- ``portal_celery_queue_length{queue}`` (Redis LLEN of the queue and its priority lists) and
  ``portal_celery_unacked`` (tasks taken by a worker, not yet acknowledged), read at scrape
  time; ``portal_redis_up`` is 0 when Redis did not answer.

The Celery figures are the whole platform's, the same from every web process: aggregate them
with max(), the request figures with sum().
"""

import functools
import hmac
import logging

import redis
from celery import signals
from django.conf import settings
from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from shared_apps.core import metrics_files

logger = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by route (URL pattern name), method and status class.",
    ["route", "method", "status"],
)
REQUESTS_IN_PROGRESS = Gauge(
    "portal_http_requests_in_progress",
    "Requests being answered now.",
    multiprocess_mode="livesum",
)
# Kombu's Redis transport keeps a queue's messages of priority 3, 6 and 9 in lists of their
# own next to the queue's; messages taken by a worker wait in one hash until acknowledged.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)
UNACKED_KEY = "unacked"
OUTCOMES = {"task_success": "succeeded", "task_failure": "failed", "task_retry": "retried"}


def queue_keys(queue: str) -> list[str]:
    """The Redis lists holding ``queue``'s waiting messages."""
    return [queue, *(f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)]


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def _tasks_key() -> str:
    # The cache's prefix keeps apart the processes sharing one Redis (tests, engineers).
    return f"{settings.CACHES['default']['KEY_PREFIX']}:metrics:celery-tasks"


def _task_counted(signal=None, sender=None, **kwargs) -> None:
    """A Celery signal in the worker: one more run of ``sender`` with that outcome. Never
    raises: it runs in the worker."""
    name = getattr(sender, "name", None) or str(sender)
    try:
        _redis().hincrby(_tasks_key(), f"{OUTCOMES[signal.name]}:{name}", 1)
    except redis.RedisError:
        logger.warning("Could not count a run of task %s", name, exc_info=True)


def connect_task_signals() -> None:
    for name in OUTCOMES:
        getattr(signals, name).connect(_task_counted, dispatch_uid=f"core.metrics.{name}")


class CeleryCollector:
    """The queue and the task counts, read from Redis when Prometheus asks."""

    def collect(self):
        queue = settings.CELERY_TASK_DEFAULT_QUEUE
        up = GaugeMetricFamily("portal_redis_up", "1 if Redis answered this scrape, else 0.")
        try:
            pipe = _redis().pipeline()
            for key in queue_keys(queue):
                pipe.llen(key)
            pipe.hlen(UNACKED_KEY)
            pipe.hgetall(_tasks_key())
            *lengths, unacked, counts = pipe.execute()
        except redis.RedisError:
            logger.warning("Redis did not answer /internal/metrics", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily(
            "portal_celery_queue_length", "Tasks waiting in the queue.", labels=["queue"]
        )
        depth.add_metric([queue], sum(lengths))
        yield depth
        yield GaugeMetricFamily(
            "portal_celery_unacked", "Tasks a worker has taken but not finished.", value=unacked
        )
        tasks = CounterMetricFamily(
            "portal_celery_tasks", "Task runs by task and outcome.", labels=["task", "outcome"]
        )
        for field, count in sorted(counts.items()):
            outcome, _, task = field.decode().partition(":")
            tasks.add_metric([task, outcome], int(count))
        yield tasks


def _not_found() -> HttpResponse:
    response = HttpResponse("not found\n", content_type="text/plain", status=404)
    response["Cache-Control"] = "no-store"
    return response


def metrics_view(request):
    """Prometheus' scrape; answered before host routing (shared_apps.core.probes), so each
    web pod can be scraped at its own address."""
    secret = settings.METRICS_SECRET
    given = request.headers.get("Authorization", "")
    if not secret or not hmac.compare_digest(given.encode(), f"Bearer {secret}".encode()):
        return _not_found()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CeleryCollector())
    if metrics_files.folder() is None:  # one process (runserver, tests): its own registry
        registry.register(REGISTRY)
        body = generate_latest(registry)
    else:
        MultiProcessCollector(registry)
        with metrics_files.locked(exclusive=False):
            body = generate_latest(registry)
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
