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
