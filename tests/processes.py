"""The app's own processes (web server, Celery worker) started against the test database."""

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

STARTUP_SECONDS = 60
# Where the app's child processes keep the emails they send (see outbox_files).
MAIL_DIR = Path(tempfile.mkdtemp(prefix="portal-test-mail-"))


def database_url(db: dict) -> str:
    user = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    name = quote(db["NAME"], safe="")
    if db["HOST"].startswith("/"):  # a Unix socket directory
        return f"postgresql://{user}@/{name}?host={quote(db['HOST'], safe='')}"
    return f"postgresql://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def test_database_env(**extra) -> dict:
    """Environment for a child process that uses this run's test database and Redis."""
    return (
        os.environ
        | {
            "DATABASE_URL": database_url(connection.settings_dict),
            "PLATFORM_DOMAIN": settings.PLATFORM_DOMAIN,
            "DEBUG": "true",
            "TESTING": "true",  # the tests' password hasher, among others
            # This pytest worker's own (see XDIST_WORKER in config/settings.py).
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "FILE_STORAGE_ROOT": str(settings.FILE_STORAGE_ROOT),
            "MAIL_FILE_DIR": str(MAIL_DIR),
        }
        | extra
    )


def outbox_files(to: str) -> list[bytes]:
    """The raw emails the child processes have sent to ``to``, oldest first.

    The DevMailBackend keeps each in a file of its own, written whole or not at all.
    """
    sent = []
    for path in sorted(MAIL_DIR.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns):
        raw = path.read_bytes()
        recipients = message_from_bytes(raw, policy=policy.default).get_all("To", [])
        if to.lower() in (address.lower() for _, address in getaddresses(recipients)):
            sent.append(raw)
    return sent


def wait_until(condition, seconds=90.0):
    """Wait until ``condition()`` holds: work another process (a Celery worker, the Stripe
    stand-in) does on a busy machine. Generous, since waiting costs only when it fails."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for another process"
        time.sleep(0.1)


@contextmanager
def app_process(args: list[str], log_path: Path, ready, **env):
    """Run ``manage.py``-style ``args`` until the block ends; ``ready()`` says it is up."""
    with app_processes((args, log_path, ready, env)) as (process,):
        yield process


@contextmanager
def app_processes(*specs: tuple[list[str], Path, object, dict]):
    """Several processes, each ``(args, log_path, ready, env)`` as for ``app_process``,
    started together so they boot in parallel; the block starts once all are ready."""
    processes = []
    try:
        for args, log_path, _ready, env in specs:
            with log_path.open("w") as log:
                processes.append(
                    subprocess.Popen(
                        args,
                        cwd=settings.BASE_DIR,
                        env=test_database_env(**env),
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        deadline = time.monotonic() + STARTUP_SECONDS
        for process, (args, log_path, ready, _env) in zip(processes, specs, strict=True):
            while not ready():
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"{args[1:3]} never became ready; {log_path}:\n{log_path.read_text()}"
                    )
                time.sleep(0.1)
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def celery_worker_args() -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "info",
    ]
