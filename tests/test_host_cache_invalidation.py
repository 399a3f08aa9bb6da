"""A suspension, and its restore, reach every web process within one second.

Each gunicorn worker keeps its own host → agency cache (tenants.host_cache), trusted up to
TENANT_HOST_CACHE_SECONDS (30 s here). The change is made in this process, as an operator's
action would be in another; the workers must drop their entries through Redis pub/sub. Which
worker answered each request is read from gunicorn's access log (its %(p)s, the worker's pid).
The server sees only committed data, so this works outside the per-test transaction, on an
agency of its own that is dropped after.
"""

import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection

import pytest
import redis
from django.conf import settings
from django.db import connection

from operators.models import Operator
from operators.roles import Role
from operators.suspension import agency_restore, agency_suspend
from shared_apps.signup.actions import agency_signup
from tenants import host_cache
from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tests.browser.conftest import _free_port, _healthy
from tests.committed import committed_db  # noqa: F401  (the committed `db`)
from tests.conftest import OPERATOR_EMAILS, PASSWORD
from tests.processes import app_process, wait_until

HOST = "relay.localhost"
WORKERS = 2
AT_ONCE = 12
PROBE = re.compile(r"^<(\d+)> (\d{3}) GET /\?probe=(\d+) ")


@pytest.fixture
def relay(db):
    connection.set_schema_to_public()
    spares_before = Agency.objects.spares().count()
    signup = agency_signup(
        name="Relay",
        subdomain="relay",
        owner_name="Rae Relay",
        owner_email="owner@relay.example",
        owner_password=PASSWORD,
    )
    yield signup.agency
    connection.set_schema_to_public()
    Agency.objects.get(pk=signup.agency.pk).delete(force_drop=True)
    schema_pool_fill(size=spares_before)


@pytest.fixture
def server(relay, tmp_path_factory):
    port = _free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    gunicorn = [
        *(sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"),
        *("--access-logformat", "%(p)s %(s)s %(r)s"),
    ]
    with app_process(
        gunicorn,
        log_path,
        ready=lambda: _healthy(port),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(WORKERS),
        TENANT_HOST_CACHE_SECONDS="30",
    ):
        yield port, log_path


class Prober:
    def __init__(self, port, log_path, host=HOST):
        self.port, self.log_path, self.host, self.sent = port, log_path, host, 0

    def one(self, number: int) -> tuple[int, str]:
        conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", f"/?probe={number}", headers={"Host": self.host})
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def burst(self) -> dict[int, tuple[int, str, str]]:
        """AT_ONCE requests at the same moment: {probe: (status, body, worker pid)}."""
        numbers = range(self.sent, self.sent + AT_ONCE)
        self.sent += AT_ONCE
        with ThreadPoolExecutor(AT_ONCE) as pool:
            answers = dict(zip(numbers, pool.map(self.one, numbers), strict=True))
        # A worker writes its access line just after it sends the answer.
        wait_until(lambda: set(numbers) <= self.workers().keys(), seconds=10)
        pids = self.workers()
        return {n: (*answers[n], pids[n]) for n in numbers}

    def workers(self) -> dict[int, str]:
        found = {}
        for line in self.log_path.read_text().splitlines():
            match = PROBE.match(line)
            if match:
                found[int(match[3])] = match[1]
        return found

    def on_every_worker(self) -> list[tuple[int, str, str]]:
        """Bursts until both workers have answered in them; every answer."""
        answers, pids = [], set()
        for _ in range(10):
            burst = list(self.burst().values())
            answers += burst
            pids |= {pid for _status, _body, pid in burst}
            if len(pids) == WORKERS:
                return answers
        pytest.fail(f"only workers {pids} answered")


def suspended(answer) -> bool:
    status, body, _pid = answer
    return status == 403 and "This workspace is suspended" in body


def portal(answer) -> bool:
    return answer[0] == 302  # to the sign-in page


def test_suspension_and_restore_reach_both_workers_within_a_second(relay, server):
    prober = Prober(*server)
    operator = Operator.objects.get(user__email=OPERATOR_EMAILS[Role.ADMIN])
    # Both workers route the agency from their caches.
    assert all(portal(answer) for answer in prober.on_every_worker())

    agency_suspend(agency=relay, category="billing", reason="Unpaid", operator=operator)
    committed = time.monotonic()
    time.sleep(max(0.0, committed + 1.0 - time.monotonic()))
    answers = prober.on_every_worker()
    assert all(suspended(answer) for answer in answers), answers

    agency_restore(agency=relay, reason="Paid", operator=operator)
    committed = time.monotonic()
    time.sleep(max(0.0, committed + 1.0 - time.monotonic()))
    answers = prober.on_every_worker()
    assert all(portal(answer) for answer in answers), answers


def test_a_lost_subscription_clears_the_cache_and_is_made_again(db):
    """This process's own listener: its connection is killed; meanwhile nothing is cached;
    once it has subscribed again, a published change clears the cache again."""
    host_cache.route_for_host("acme.localhost")
    assert "acme.localhost" in host_cache._entries
    admin = redis.Redis.from_url(settings.REDIS_URL)
    mine = [
        client["id"]
        for client in admin.client_list(_type="pubsub")
        if client["name"] == host_cache.listener_name()
    ]
    assert mine, "no listener subscribed in this process"
    for client_id in mine:
        admin.client_kill_filter(_id=client_id)
    wait_until(lambda: "acme.localhost" not in host_cache._entries, seconds=5)
    wait_until(host_cache._subscribed.is_set, seconds=5)

    host_cache.route_for_host("acme.localhost")
    assert "acme.localhost" in host_cache._entries
    host_cache._publish()  # as another process's commit would
    wait_until(lambda: "acme.localhost" not in host_cache._entries, seconds=1)
