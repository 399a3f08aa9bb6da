"""The Celery app of the worker-kill run's worker: the project's own (``config.celery``), with
Celery signal handlers that tell the run what each pool process is doing, and can keep a task
waiting where the run wants to kill it. Test-only, outside the app's code; the run starts its
worker with ``celery -A bench.reliability.worker_kill_app worker``.

Events go to the JSON-lines file ``WORKER_KILL_EVENTS``: ``ready`` (the worker took its queue),
``prerun`` (a task starts: Celery's ``task_prerun``), ``postrun`` (its function returned; with
late acknowledgement the message is acknowledged only after this) and ``hold``.

A hold is a file in ``WORKER_KILL_HOLDS`` named ``<prerun|postrun>--<task name>``, holding a
JSON list the task's first arguments must start with. The first matching task takes it (an
atomic rename, so only one does), logs ``hold`` and sleeps up to ``HOLD_SECONDS``: at prerun,
before the task's function starts; at postrun, after it returned (its effect done, committed)
and before the message is acknowledged.
"""

import json
import os
import time
from pathlib import Path

from celery.signals import task_postrun, task_prerun, worker_ready

from config.celery import app

HOLD_SECONDS = 60

__all__ = ["app"]


def _event(event: str, **fields) -> None:
    line = json.dumps({"event": event, "pid": os.getpid(), "at": time.time(), **fields})
    # One write of one line in append mode: lines of concurrent processes never interleave.
    with open(os.environ["WORKER_KILL_EVENTS"], "a") as events:
        events.write(line + "\n")


def _hold(point: str, task, task_id: str, args) -> None:
    holds = Path(os.environ["WORKER_KILL_HOLDS"])
    for path in holds.glob(f"{point}--{task.name}"):
        prefix = json.loads(path.read_text())
        if list(args[: len(prefix)]) != prefix:
            continue
        try:
            path.rename(path.with_name(f"{path.name}.taken-{os.getpid()}"))
        except FileNotFoundError:
            continue  # another process took it
        _event("hold", point=point, task=task.name, task_id=task_id, args=list(args))
        time.sleep(HOLD_SECONDS)


@worker_ready.connect
def _ready(**kwargs):
    _event("ready")


@task_prerun.connect
def _prerun(sender=None, task_id=None, task=None, args=(), **kwargs):
    _event("prerun", task=task.name, task_id=task_id, args=list(args))
    _hold("prerun", task, task_id, args)


@task_postrun.connect
def _postrun(sender=None, task_id=None, task=None, args=(), state=None, **kwargs):
    _event("postrun", task=task.name, task_id=task_id, args=list(args), state=state)
    _hold("postrun", task, task_id, args)
