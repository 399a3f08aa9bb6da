"""Around every request, first in MIDDLEWARE: its id, its access line and its latency.

The request id is the caller's ``X-Request-ID`` when it is a short plain token (a proxy's,
so one id follows the request through every hop), else a new one. Every log line written
while the request runs carries it (shared_apps.core.logs), every response returns it in
``X-Request-ID``, error pages and API errors show it (``{% request_id_note %}``,
shared_apps.core.api_errors), Sentry events are tagged with it, and tasks queued meanwhile
carry it: what a customer quotes leads to the lines and the reports.

The access line (logger ``portal.access``) names the route, its URL pattern name, never the
path: paths hold ids, link tokens and search words. Probes and metrics scrapes are measured
but not logged.
"""

import logging
import re
import time
import uuid

from django.conf import settings

from shared_apps.core.logs import CURRENT_REQUEST, REQUEST_ID, TASK_HEADER
from shared_apps.core.metrics import REQUEST_SECONDS, REQUESTS_IN_PROGRESS
from shared_apps.core.probes import PROBE_NAMES

HEADER = "X-Request-ID"
INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
access_log = logging.getLogger("portal.access")


def route_label(request) -> str:
    """The URL pattern's name; "unrouted" when the answer came before URL resolution (an
    unknown host, a suspended workspace, a refused path)."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    if name := PROBE_NAMES.get(request.path_info):
        return name
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unrouted"


def request_id_into_task_headers(headers=None, **kwargs) -> None:
    """Celery's before_task_publish: a task queued while a request runs carries the request's
    id, so the task's log lines and error reports name the request that queued it."""
    if (request_id := REQUEST_ID.get()) and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


class RequestObservabilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        tokens = REQUEST_ID.set(request_id), CURRENT_REQUEST.set(request)
        started = time.perf_counter()
        try:
            with REQUESTS_IN_PROGRESS.track_inprogress():
                response = self.get_response(request)
            seconds = time.perf_counter() - started
            response[HEADER] = request_id
            self._record(request, response.status_code, seconds)
            return response
        finally:
            REQUEST_ID.reset(tokens[0])
            CURRENT_REQUEST.reset(tokens[1])

    def _record(self, request, status: int, seconds: float) -> None:
        route = route_label(request)
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(route=route, method=method, status=f"{status // 100}xx").observe(
            seconds
        )
        if request.path_info in PROBE_NAMES:
            return
        access_log.info(
            "%s %s %s %.0f ms",
            method,
            route,
            status,
            seconds * 1000,
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
