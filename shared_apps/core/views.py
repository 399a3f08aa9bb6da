from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


def landing(request):
    return render(request, "core/landing.html")


def healthz(request):
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "degraded"} | {
        name: "ok" if ok else "down" for name, ok in checks.items()
    }
    return JsonResponse(body, status=200 if healthy else 503)


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
        return cache.get("healthz") == "ok"
    except Exception:
        return False
