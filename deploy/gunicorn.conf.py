"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`."""

import multiprocessing
import os
import sys
from pathlib import Path

# gunicorn puts the app's folder on sys.path only after reading this file.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared_apps.core import logs, metrics_files  # no Django: the master stays free of it

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Persistent DB connections (CONN_MAX_AGE) live per worker; recycle workers now and
# then so memory and connections don't grow without bound.
max_requests = 5000
max_requests_jitter = 500
timeout = 30
graceful_timeout = 30
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The master's own lines as the workers' (shared_apps.core.logs). DEBUG as config/env.py
# reads it. In JSON the app writes the access lines (the route, never the raw request line);
# gunicorn's own access log is for development (text).
_debug = os.environ.get("DEBUG", "true").strip().lower() in {"1", "true", "yes", "on"}
_log_format = logs.log_format(os.environ.get("LOG_FORMAT", ""), debug=_debug)
logconfig_dict = logs.logging_config(_log_format, os.environ.get("LOG_LEVEL", "INFO"))
accesslog = "-" if _log_format == "text" else None
# prometheus_client's multiprocess mode: PROMETHEUS_MULTIPROC_DIR, else a folder made here
# (shared_apps/core/metrics_files.py).
_made_metrics_folder = False


def on_starting(server):
    global _made_metrics_folder
    _made_metrics_folder = metrics_files.prepare()


def child_exit(server, worker):
    metrics_files.worker_exited(worker.pid)


def on_exit(server):
    if _made_metrics_folder:
        metrics_files.remove()


def post_worker_init(worker):
    """Refuse to serve through a pooler in transaction mode (tenants/checks.py). Checked in
    each worker, once Django is loaded there: the master stays free of Django, so a HUP
    reloads the code. A worker that fails to boot stops the master."""
    from django.core.exceptions import ImproperlyConfigured

    from tenants.checks import transaction_pooling_problem

    problem = transaction_pooling_problem()
    if problem:
        raise ImproperlyConfigured(problem)
