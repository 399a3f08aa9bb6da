"""Liveness and readiness probes, and Prometheus' metrics, answered on any Host before
anything else runs.

Kubelet and Docker probe with the pod's IP or ``localhost`` as Host, over plain HTTP, and
Prometheus scrapes each pod at its address: host routing would answer 404, ALLOWED_HOSTS
would refuse the IP and SECURE_SSL_REDIRECT would redirect. ``ProbeMiddleware`` comes first in
MIDDLEWARE (after the request id's) and never reads the Host.
The routes are declared as a URLconf so the access matrix walks them like the others.
"""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.urls import path

from shared_apps.core.metrics import metrics_view


def live(request):
    """The process answers; touches neither the database nor Redis (a restart fixes neither)."""
    return JsonResponse({"status": "ok"})


def ready(request):
    """Whether the database and Redis answer, by name. 503 only when the database does not:
    without Redis the process still serves, degraded (docs/reliability/redis-outage.md), and
    every instance shares the one Redis, so taking them out would take the portal down."""
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "degraded"} | {
        name: "ok" if ok else "down" for name, ok in checks.items()
    }
    return JsonResponse(body, status=200 if checks["database"] else 503)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _redis_ok() -> bool:
    try:
        cache.set("healthz", "ok", timeout=5)
        return cache.get("healthz") == "ok"  # a miss while Redis is down
    except Exception:  # an answer that is an error (out of memory, read-only replica)
        return False


urlpatterns = [
    path("healthz/live", live, name="healthz-live"),
    path("healthz/ready", ready, name="healthz-ready"),
    # For "Authorization: Bearer <METRICS_SECRET>" only (shared_apps.core.metrics).
    path("internal/metrics", metrics_view, name="internal-metrics"),
]
PROBES = {f"/{pattern.pattern}": pattern.callback for pattern in urlpatterns}
PROBE_NAMES = {f"/{pattern.pattern}": pattern.name for pattern in urlpatterns}


class ProbeMiddleware:
    """Answers exactly the paths above; every other request goes on untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        return probe(request) if probe else self.get_response(request)
