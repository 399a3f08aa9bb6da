"""Settings of the worker-kill run (``bench/reliability/worker_kill.py``) and of its worker: the
project's, with

- mail sent by anymail's Postmark backend, as in production, to the run's stand-in of
  Postmark's API (``WORKER_KILL_ESP_URL``), which records every email it takes;
- webhooks allowed to the run's receiver on loopback;
- a broker visibility timeout of seconds instead of production's hour and more, swept every
  second: the tasks of a worker killed with its parent process come back within the run.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import CELERY_BROKER_TRANSPORT_OPTIONS

MAILERS = {
    "default": {
        "BACKEND": "anymail.backends.postmark.EmailBackend",
        "OPTIONS": {"server_token": "worker-kill", "api_url": os.environ["WORKER_KILL_ESP_URL"]},
    }
}
WEBHOOK_ALLOW_LOOPBACK = True
VISIBILITY_TIMEOUT_SECONDS = 6
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    # A worker killed during its restore sweep (every second here) keeps others from
    # restoring until its lock expires: 5 minutes by default.
    "unacked_mutex_expire": 5,
}
