"""The production process model on one machine: two web processes (gunicorn), two Celery
workers and one beat on the same database and Redis, with Caddy in front of the web processes.

What one web process writes the other reads; a task is done once however many workers
listen; beat's schedule reaches a worker once per run; and a web process killed outright
loses no GET, as the proxy retries it on the other, but the one whose answer it had begun to
send (a proxy cannot retry an answer half sent). The processes see only committed data,
and activity entries can never be deleted, so the test signs up an agency of its own and
drops it (its schema) afterwards.
"""

import json
import os
import re
import signal
import sys
import threading
from collections import Counter
from http.client import HTTPConnection, HTTPException
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from shared_apps.signup.actions import agency_signup
from tenant_apps.security.tokens import TenantRefreshToken
from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tests.browser.conftest import _free_port, _healthy
from tests.conftest import PASSWORD
from tests.processes import app_processes, celery_worker_args, outbox_files, wait_until

HOST = "procs.localhost"
OWNER = "owner@procs.example"
NEWCOMER = "newcomer@procs.example"
# Our own queue: a worker the rest of this pytest run started takes none of these tasks.
QUEUE = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-procs"
WORKERS = ("procs-a", "procs-b")
SUCCEEDED = re.compile(r"Task ([\w.]+)\[([0-9a-f-]+)\] succeeded")
BEAT_TASK = "operators.tasks.support_sessions_close"
STREAM = "/api/v1/invitations?stream"


@pytest.fixture
def db(django_db_setup):
    """The test database without pytest-django's per-test transaction, which the processes
    could not see into. (Named ``db`` so pytest-django creates the test database.)"""


@pytest.fixture
def agency(db, django_db_blocker):
    with django_db_blocker.unblock():
        spares = Agency.objects.spares().count()
        signup = agency_signup(
            name="Procs",
            subdomain="procs",
            owner_name="Pro Cess",
            owner_email=OWNER,
            owner_password=PASSWORD,
        )
        with tenant_context(signup.agency):
            access = str(TenantRefreshToken.for_user(signup.owner).access_token)
    yield access
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        Agency.objects.get(pk=signup.agency.pk).delete(force_drop=True)
        schema_pool_fill(size=spares)


class Site:
    """The processes: web A and B, their Caddy, workers A and B, beat. Logs in ``logs``."""

    def __init__(self, logs: Path):
        from config.celery import app

        self.app, self.logs = app, logs
        self.web_ports = {"web-a": _free_port(), "web-b": _free_port()}
        self.proxy_port = _free_port()

    def specs(self):
        env = {"CELERY_QUEUE": QUEUE, "SUPPORT_SESSIONS_CLOSE_SECONDS": "1"}
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
        for name, port in self.web_ports.items():
            args = [*gunicorn, "--access-logformat", "%(s)s %(r)s", "config.wsgi"]
            ready = lambda port=port: _healthy(port)  # noqa: E731
            yield (
                args,
                self.log(name),
                ready,
                env | {"BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"},
            )
        for name in WORKERS:
            args = [*celery_worker_args(), "-n", f"{name}@%h"]
            yield args, self.log(name), self.workers_ready, env | {"SCHEMA_POOL_SIZE": "2"}
        beat = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info"]
        beat += ["-s", str(self.logs / "beat-schedule")]
        yield beat, self.log("beat"), lambda: "beat: Starting" in self.text("beat"), env
        caddy = ["caddy", "run", "--config", str(self.caddyfile()), "--adapter", "caddyfile"]
        # Caddy keeps its state under XDG_DATA_HOME and XDG_CONFIG_HOME.
        xdg = {"XDG_DATA_HOME": str(self.logs), "XDG_CONFIG_HOME": str(self.logs)}
        yield caddy, self.log("caddy"), lambda: _healthy(self.proxy_port), xdg

    def caddyfile(self) -> Path:
        """Requests hashed by Host over both web processes, as for the host caches; a GET
        that fails on one (refused, or cut off by a dying process) is tried on the other,
        which is then used alone for a while."""
        upstreams = " ".join(f"127.0.0.1:{port}" for port in self.web_ports.values())
        path = self.logs / "Caddyfile"
        path.write_text(
            "{\n\tadmin off\n}\n"
            f"http://:{self.proxy_port} {{\n\tbind 127.0.0.1\n"
            f"\treverse_proxy {upstreams} {{\n"
            "\t\tlb_policy header Host\n\t\tlb_try_duration 10s\n"
            "\t\tlb_retry_match {\n\t\t\tmethod GET\n\t\t}\n"
            "\t\tfail_duration 30s\n\t\tmax_fails 1\n\t}\n}\n"
        )
        return path

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def text(self, name: str) -> str:
        return self.log(name).read_text()

    def workers_ready(self) -> bool:
        names = [f"{name}@{os.uname().nodename}" for name in WORKERS]
        return len(self.app.control.ping(destination=names, timeout=0.5)) == len(names)

    def done(self, task: str) -> dict[str, Counter]:
        """Per worker: how often it finished each id of ``task``."""
        return {
            name: Counter(
                task_id for found, task_id in SUCCEEDED.findall(self.text(name)) if found == task
            )
            for name in WORKERS
        }


def total(done: dict[str, Counter]) -> int:
    return sum(ids.total() for ids in done.values())


def call(port: int, method: str, path: str, access: str, body=None) -> tuple[int, dict]:
    # http.client, not urllib, so an http_proxy in the environment is never used.
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            method,
            path,
            body=json.dumps(body) if body is not None else None,
            headers={
                "Host": HOST,
                "Authorization": f"Bearer {access}",
                "Content-Type": "application/json",
            },
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def kill_with_workers(pid: int) -> None:
    """SIGKILL a gunicorn master and its workers at once, as a crash or the OOM killer would."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for each in [pid, *map(int, children)]:
        os.kill(each, signal.SIGKILL)


def test_two_webs_two_workers_one_beat_behind_one_proxy(agency, tmp_path):
    access = agency
    site = Site(tmp_path)
    site.app.control.purge()  # tasks left on our queue by an earlier run
    with app_processes(*site.specs()) as processes:
        web_a, web_b = site.web_ports.values()

        # Written through web A, read through web B.
        status, invited = call(
            web_a, "POST", "/api/v1/invitations", access, {"email": NEWCOMER, "team_role": "staff"}
        )
        assert status == 201, invited
        status, listed = call(web_b, "GET", "/api/v1/invitations", access)
        assert status == 200
        assert [row["email"] for row in listed["results"]] == [NEWCOMER]

        # The invitation email, queued by web A on commit while both workers listened: one
        # worker runs it, once, and both are idle again after.
        email_task = "tenant_apps.people.tasks.invitation_email_send"
        wait_until(lambda: total(site.done(email_task)) >= 1)
        assert site.workers_ready()
        assert sorted(ids.total() for ids in site.done(email_task).values()) == [0, 1]
        assert len(outbox_files(NEWCOMER)) == 1

        # Beat: every run it sent was done by exactly one worker, once.
        wait_until(lambda: total(site.done(BEAT_TASK)) >= 2)
        done = sum(site.done(BEAT_TASK).values(), Counter())
        sent = site.text("beat").count(f"Sending due task support-sessions-close ({BEAT_TASK})")
        assert set(done.values()) == {1}
        assert len(done) <= sent

        # A stream of GETs through the proxy while the web process it hashes to is killed.
        answers, stop = [], threading.Event()

        def stream():
            while not stop.is_set():
                try:
                    answers.append(call(site.proxy_port, "GET", STREAM, access)[0])
                except (HTTPException, OSError):
                    answers.append("cut")  # killed after its headers went out

        client = threading.Thread(target=stream)
        client.start()
        try:
            wait_until(lambda: len(answers) >= 10, seconds=30)
            serving = next(name for name in site.web_ports if STREAM in site.text(name))
            other = "web-b" if serving == "web-a" else "web-a"
            kill_with_workers(processes[list(site.web_ports).index(serving)].pid)
            killed_at = len(answers)
            wait_until(lambda: site.text(other).count(STREAM) >= 10)
        finally:
            stop.set()
            client.join(30)
        assert len(answers) > killed_at
        answered = Counter(answers)
        assert answered["cut"] <= 1, answered  # at most the one in flight at the kill
        assert set(answered) - {"cut"} == {200}, answered
