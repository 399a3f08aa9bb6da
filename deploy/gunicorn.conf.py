"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`."""

import multiprocessing
import os

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
accesslog = "-"


def post_worker_init(worker):
    """Refuse to serve through a pooler in transaction mode (tenants/checks.py). Checked in
    each worker, once Django is loaded there: the master stays free of Django, so a HUP
    reloads the code. A worker that fails to boot stops the master."""
    from django.core.exceptions import ImproperlyConfigured

    from tenants.checks import transaction_pooling_problem

    problem = transaction_pooling_problem()
    if problem:
        raise ImproperlyConfigured(problem)
