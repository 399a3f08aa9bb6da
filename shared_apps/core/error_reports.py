"""Sentry's options (config/settings.py initialises it when SENTRY_DSN is set): an error
report says where it happened (request id, schema, user id, task) and nothing a person sent.

sentry-sdk alone, with ``send_default_pii=False``, still sends request bodies (a sign-in
form's fields other than "password"), query strings, unknown headers, stack frames' local
variables and the extras of logged errors (Django's request, Celery's task arguments). So:
no bodies, no local variables, an extended EventScrubber denylist for keys, and the filters
below for values: query strings dropped, only plain headers kept, and every text scrubbed of
what looks like a token or an address (shared_apps.core.scrub).
tests/reliability/test_canaries.py holds this against a stand-in Sentry.
"""

from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

from shared_apps.core.logs import log_context
from shared_apps.core.scrub import scrub_text

DENYLIST = [
    *DEFAULT_DENYLIST,
    *("old_password", "new_password1", "new_password2", "password1", "password2"),
    *("refresh", "access", "otp_token", "email", "username", "secret_digest"),
    *("x-portal-internal-secret", "x_portal_internal_secret", "proxy-authorization"),
]
KEPT_HEADERS = {"host", "user-agent", "accept", "content-type", "content-length", "x-request-id"}
# Identifiers of the event itself, of traces and of tasks: never scrubbed.
IDS = {"event_id", "trace_id", "span_id", "parent_span_id", "request_id", "celery_task_id"}
# Code, not data: frames (local variables are off), the SDK and the installed packages.
CODE = {"stacktrace", "sdk", "modules", "debug_meta"}


def _scrubbed(value, key=None):
    if key in IDS or key in CODE:
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return value


def before_send(event, hint):
    request = event.get("request")
    if request:
        for part in ("data", "cookies", "env"):
            request.pop(part, None)
        if request.get("query_string"):
            request["query_string"] = "[query]"
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
    extra = event.get("extra") or {}
    # Logged errors' extras: Django's request (its repr shows the query string), Celery's
    # task data (the task's arguments).
    for name in ("request", "data"):
        extra.pop(name, None)
    event.setdefault("tags", {}).update(log_context())
    return _scrubbed(event)


def before_breadcrumb(crumb, hint):
    data = crumb.get("data") or {}
    for name in ("http.query", "http.fragment"):
        data.pop(name, None)
    return _scrubbed(crumb)


SENTRY_OPTIONS = {
    "send_default_pii": False,
    "include_local_variables": False,
    "max_request_body_size": "never",
    "event_scrubber": EventScrubber(denylist=DENYLIST, recursive=True),
    "before_send": before_send,
    "before_breadcrumb": before_breadcrumb,
    "traces_sample_rate": 0.0,
}
