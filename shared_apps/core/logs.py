"""Log lines: one JSON object a line in production (LOG_FORMAT=json), readable text in
development (LOG_FORMAT=text, the default while DEBUG is on).

Every line says when, how bad, which logger and what, and where it comes from: the request
id (``X-Request-ID``, shared_apps.core.observability), the agency's schema and the signed-in
user's id, or in Celery the task's name and id. Never an email, a name or what a request
sent: messages are scrubbed (shared_apps.core.scrub) and only the fields below are written,
so extras that other code attaches to records (Django's request, Celery's task arguments)
stay out.

No Django at import time: gunicorn's master formats its own lines with this
(deploy/gunicorn.conf.py); the Django and Celery parts are looked up only when loaded.
"""

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from shared_apps.core.scrub import scrub_text

LOG_FORMATS = ("json", "text")
# Set for the length of one request by shared_apps.core.observability.
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")
CURRENT_REQUEST: ContextVar = ContextVar("current_request", default=None)
# The message header a task queued during a request carries its id in.
TASK_HEADER = "portal_request_id"
CONTEXT_FIELDS = ("request_id", "schema", "user_id", "task_name", "task_id")
# The access line's own (shared_apps.core.observability).
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")
JSON_FIELDS = (
    "timestamp",
    "level",
    "logger",
    "message",
    *CONTEXT_FIELDS,
    *ACCESS_FIELDS,
    "process",
    "exc_info",
    "stack_info",
)


def current_request_id() -> str:
    """The id of the request being answered, "" outside one."""
    return REQUEST_ID.get()


def log_format(value: str, *, debug: bool) -> str:
    """LOG_FORMAT's value, or its default: text while DEBUG is on, else json. Read by the
    settings and by gunicorn's master, which loads no Django."""
    value = value.strip().lower() or ("text" if debug else "json")
    if value not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT={value!r}: use json or text.")
    return value


def _schema() -> str | None:
    db = sys.modules.get("django.db")
    if db is None:  # gunicorn's master
        return None
    try:
        return db.connection.schema_name
    except Exception:  # settings not loaded yet, or no tenant backend
        return None


def _user_id(request) -> int | None:
    """The signed-in user's id, if the request has looked its user up already (reading it
    here would query the database from inside a log call)."""
    user = getattr(request, "__dict__", {}).get("user")  # DRF sets the authenticated user
    wrapped = getattr(user, "__dict__", {}).get("_wrapped", user)  # Django's lazy user
    if getattr(wrapped, "is_authenticated", False) is True:
        return wrapped.pk
    return None


def _current_task():
    state = sys.modules.get("celery._state")
    return state.get_current_task() if state is not None else None


def log_context(request=None) -> dict:
    """Where the code logging now runs: request id, schema, user id, Celery task. Django
    logs 4xx answers once the middleware is done (``request`` is then the record's)."""
    request = CURRENT_REQUEST.get() or request
    request_id = REQUEST_ID.get() or getattr(request, "request_id", None)
    context = {"request_id": request_id, "schema": _schema(), "user_id": _user_id(request)}
    task = _current_task()
    if task is not None:
        context["task_name"], context["task_id"] = task.name, task.request.id
        context["request_id"] = context["request_id"] or task.request.get(TASK_HEADER)
    return {key: value for key, value in context.items() if value is not None}


class ContextFilter(logging.Filter):
    """Adds the context fields and hands the handler a scrubbed copy of the record: the
    message and the traceback with credentials and personal data replaced."""

    _tracebacks = logging.Formatter()

    def filter(self, record):
        record = logging.makeLogRecord(record.__dict__)
        for key, value in log_context(getattr(record, "request", None)).items():
            if getattr(record, key, None) is None:
                setattr(record, key, value)
        try:
            message = record.getMessage()
        except Exception:  # bad arguments: logging would report it; keep the template
            message = str(record.msg)
        record.msg, record.args = scrub_text(message), None
        if record.exc_info:
            record.exc_text = self._tracebacks.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_text(record.stack_info)
        return record


class JsonFormatter(BaseJsonFormatter):
    """One JSON object a line, with the fields of JSON_FIELDS only."""

    def __init__(self):
        super().__init__(
            "%(levelname)s %(name)s %(message)s %(process)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
        )

    def process_log_record(self, log_data):
        return {key: log_data[key] for key in JSON_FIELDS if log_data.get(key) is not None}


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [request_id=… schema=… user_id=…] message``."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s %(message)s")

    def format(self, record):
        fields = (
            f"{key}={value}"
            for key in CONTEXT_FIELDS
            if (value := getattr(record, key, None)) is not None
        )
        context = " ".join(fields)
        record.context = f" [{context}]" if context else ""
        return super().format(record)


def logging_config(log_format: str, level: str) -> dict:
    """The LOGGING dict, for Django (settings.LOGGING, also applied by Celery's worker and
    beat: config/celery.py) and for gunicorn's master (logconfig_dict)."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    loggers = {
        # Django's own handlers (DEFAULT_LOGGING) would print a second, unscrubbed copy.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # runserver's request lines print raw paths; the access line replaces them.
        "django.server": {"handlers": [], "level": "WARNING", "propagate": True},
        "gunicorn.error": {"handlers": [], "level": level, "propagate": True},
    }
    if log_format == "json":
        # gunicorn's access log prints raw request lines (tokens, query strings): the app's
        # access line names the route instead. With text, tests and developers keep it.
        loggers["gunicorn.access"] = {"handlers": [], "level": "CRITICAL", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {"line": {"()": formatter}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "line",
                "filters": ["context"],
            }
        },
        "loggers": loggers,
        "root": {"handlers": ["console"], "level": level},
    }
