"""PostgreSQL restarted, then stopped for a while and started again, under load: requests in
flight get a clean 503 with Retry-After (the "We'll be right back" page, or the API's JSON
error), never a 500 or a trace; the same web and Celery processes serve again as soon as
PostgreSQL is back; nothing is half-written and no file is orphaned.

The app runs as in production (DEBUG off, persistent connections with health checks) under
gunicorn with two workers and a Celery worker, all against an embedded PostgreSQL of this
module's own holding a copy of the test database; the machine's PostgreSQL is never touched.
Two clients (the API, with files) and two team members (the pages, with files) keep sending.

``RELIABILITY_PG_ROUNDS`` (1 here) repeats the restart and the stop-pause-start; the long
run is ``bench/reliability/database_restart.py``.
"""

import itertools
import math
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import suppress

import psutil
import pytest
import requests
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import tenant_context
from playwright.sync_api import expect, sync_playwright

from config.celery import app as celery_app
from config.env import database_from_url
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenant_apps.files.tasks import file_preview_make, stored_file_settle
from tenants.clusters import on_cluster
from tenants.models import Agency
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port, _healthy
from tests.browser.pages import check_page
from tests.conftest import PASSWORD
from tests.processes import app_processes, celery_worker_args, database_url, wait_until
from tests.reliability.database_outage import (
    ClientOverApi,
    OwnPostgres,
    TeamOnPages,
    Traffic,
    figures,
    integrity_problems,
)

ROUNDS = int(os.environ.get("RELIABILITY_PG_ROUNDS", "1"))
HOST = f"acme.{settings.PLATFORM_DOMAIN}"
SCHEMA = "agency_acme"
CLIENT = "ca@northwind.example"
# Once PostgreSQL accepts connections again, every person is served within this.
RECOVERY_SECONDS = 10
# How long PostgreSQL stays stopped in the stop-pause-start fault.
PAUSE_SECONDS = 3
# Traffic between faults, so each one hits requests in flight.
BETWEEN_SECONDS = 1.5


@pytest.fixture(scope="module")
def own_postgres(django_db_setup, tmp_path_factory):
    root = tmp_path_factory.mktemp("own-postgres")
    # The public schema and acme's: the other agencies' (and the spares') are not used here.
    source = database_url(connection.settings_dict)
    server = OwnPostgres(root, source, "portal_outage", schemas=["public", SCHEMA])
    try:
        yield server
    finally:
        with suppress(subprocess.CalledProcessError):  # stopped already by a failed test
            server.close()


@pytest.fixture(scope="module")
def served(own_postgres, tmp_path_factory):
    """gunicorn (two workers) and a Celery worker, as in production, on the own PostgreSQL,
    with a files folder, a cache prefix and a queue of their own. Yields (port, files root,
    the processes)."""
    port = _free_port()
    files = tmp_path_factory.mktemp("outage-files")
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-outage"
    name = f"outage-{settings.XDIST_WORKER or 'main'}@{socket.gethostname()}"
    env = {
        "DATABASE_URL": own_postgres.url,
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "ANYMAIL_ESP": "test",  # anymail's own test backend: kept in memory, never sent
        "SECURE_SSL_REDIRECT": "false",  # TLS is the proxy's; the test speaks plain HTTP
        "FILE_STORAGE_ROOT": str(files),
        "CACHE_KEY_PREFIX": f"{settings.CACHES['default']['KEY_PREFIX']}-outage",
        "CELERY_QUEUE": queue,
    }
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
    logs = tmp_path_factory.mktemp("outage-processes")
    with app_processes(
        (
            gunicorn,
            logs / "server.log",
            lambda: _healthy(port),
            env | {"BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
        ),
        (
            [*celery_worker_args(), "-Q", queue, "-n", name],
            logs / "worker.log",
            lambda: bool(celery_app.control.ping(destination=[name], timeout=0.5)),
            env,
        ),
    ) as processes:
        yield port, files, processes, logs


def process_ids(processes) -> set[int]:
    """The web server's master and workers and the Celery worker."""
    ids = set()
    for process in processes:
        ids |= {process.pid, *(child.pid for child in psutil.Process(process.pid).children())}
    return ids


def api_token(port: int) -> str:
    answer = requests.post(
        f"http://127.0.0.1:{port}/api/v1/auth/token",
        json={"email": CLIENT, "password": PASSWORD},
        headers={"Host": HOST},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access"]


def northwind_thread(port: int, token: str, company_id: int) -> int:
    answer = requests.post(
        f"http://127.0.0.1:{port}/api/v1/threads",
        json={"about": "company", "item_id": company_id},
        headers={"Host": HOST, "Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code in {200, 201}, answer.text
    return answer.json()["id"]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_parked_connection_to_a_restarted_cluster_is_checked_before_use(
    own_postgres, settings, django_db_blocker
):
    """With several clusters a process keeps one connection open per cluster, parked while it
    serves another (tenants.postgresql_backend). The own PostgreSQL, as a second cluster,
    restarts while this process's connection to it is parked: the next transaction there
    runs on a new connection, not the dead one."""
    settings.AGENCY_DATABASES = {"outage": database_from_url(own_postgres.url)}
    with django_db_blocker.unblock():
        try:
            with on_cluster("outage"):
                before = backend_pid()
            backend_pid()  # back on the primary: the connection to "outage" is parked
            assert connection.parked["outage"]["connection"] is not None
            own_postgres.restart()
            with on_cluster("outage"), transaction.atomic():
                assert backend_pid() != before
        finally:
            connection.set_schema_to_public()
            connection.close()  # the parked one too
            connection.ensure_connection()  # on the primary again while "outage" is known


def test_a_task_whose_agency_cannot_be_read_never_runs_on_another_schema(db):
    """tenant-schemas-celery reads the agency in a task_prerun handler, whose errors Celery logs
    and ignores: the task would run on the public schema. Here the schema names no agency (one
    deleted since); a database that does not answer fails the same read."""
    with pytest.raises(Agency.DoesNotExist):
        file_preview_make.apply([1], headers={"_schema_name": "agency_gone"}, throw=True)


def test_bytes_whose_commit_was_cut_off_stay_with_their_row_and_go_without(
    world, settings, tmp_path
):
    """When the connection breaks during COMMIT, atomic_storing cannot know whether the rows
    landed: it keeps the bytes and queues stored_file_settle, which runs once the database
    answers and decides by the row."""
    settings.FILE_STORAGE_ROOT = tmp_path
    storage = file_storage()
    with tenant_context(world.acme):
        landed, lost = (f"{SCHEMA}/2031/01/{name}" for name in ("landed", "lost"))
        for key in (landed, lost):
            storage.save(key, [b"The brief, in writing.\n"])
        StoredFile.objects.create(
            key=landed,
            name="brief.txt",
            size=23,
            sha256="0" * 64,
            content_type="text/plain",
            uploaded_by=world.personas["client_admin"].user,
        )
        assert stored_file_settle.apply([landed]).get() is False
        assert stored_file_settle.apply([lost]).get() is True
        assert stored_file_settle.apply([lost]).get() is True  # again: nothing left to do
    assert [key for key, _modified in storage.listing(SCHEMA)] == [landed]


# The test database must exist (the copy is made from it); nothing here writes to it.
@pytest.mark.django_db
def test_requests_during_postgresql_restarts_fail_cleanly_and_the_app_recovers(
    own_postgres, served
):
    port, files_root, processes, logs = served
    before = process_ids(processes)
    with own_postgres.connect() as db:
        [(company_id,)] = db.execute(
            f"SELECT id FROM {SCHEMA}.people_clientcompany WHERE name = 'Northwind'"
        ).fetchall()
    token = api_token(port)
    thread_id = northwind_thread(port, token, company_id)

    traffic = Traffic(port, HOST, company_id)
    traffic.start(
        [
            ClientOverApi(traffic, "client-api-1", token, thread_id),
            ClientOverApi(traffic, "client-api-2", token, thread_id),
            TeamOnPages(traffic, "staff-pages", "staff@acme.example", PASSWORD, thread_id),
            TeamOnPages(traffic, "admin-pages", "admin@acme.example", PASSWORD, thread_id),
        ]
    )
    started = time.monotonic()
    recoveries, outages = [], []
    try:
        wait_until(lambda: traffic.all_served_since(started), 60)
        for _round in range(ROUNDS):
            for fault in ("restart", "stop-pause-start"):
                time.sleep(BETWEEN_SECONDS)
                down = time.monotonic()
                if fault == "restart":
                    own_postgres.restart()
                else:
                    own_postgres.stop()
                    time.sleep(PAUSE_SECONDS)
                    own_postgres.start()
                back = time.monotonic()
                wait_until(lambda: traffic.all_served_since(back), RECOVERY_SECONDS * 3)  # noqa: B023
                recoveries.append(traffic.served_by(back))
                outages.append((down, back))
        time.sleep(BETWEEN_SECONDS)
    finally:
        traffic.stop()

    assert [answer for answer in traffic.problems()] == []
    summary = figures(traffic)
    print(  # the long run's report (bench/reliability/database_restart.py)
        f"\nPostgreSQL faults: {ROUNDS} restart(s) and {ROUNDS} stop-pause-start(s); "
        f"{summary.requests} requests {summary.by_status}; "
        f"uploads saved {summary.uploads_saved}, refused {summary.uploads_refused}; "
        f"recovered within {max(recoveries):.2f} s (worst)"
    )
    # The stopped PostgreSQL was met, and answered with the outage page or error.
    assert any(traffic.outage_answers(after=down) for down, _back in outages[1::2])
    # Nothing that started once PostgreSQL was back met a dead connection.
    # (Those still in flight when the next fault began belong to that one.)
    up_times = [
        (back, next_down)
        for (_down, back), (next_down, _back) in itertools.pairwise([*outages, (math.inf, 0)])
    ]
    late = [
        (f"{answer.started - back:.3f} s after", answer.who, answer.action)
        for back, next_down in up_times
        for answer in traffic.outage_answers(after=back)
        if answer.finished < next_down
    ]
    assert late == [], "a 503 after PostgreSQL was back: a dead connection was used"
    assert max(recoveries) <= RECOVERY_SECONDS
    assert process_ids(processes) == before, "a process was restarted"

    # The Celery worker recovered too: the files saved after the last fault got previews.
    last_back = outages[-1][1]
    recent = [upload.name for upload in traffic.uploads if upload.saved and upload.at > last_back]
    assert recent

    def previewed() -> bool:
        with own_postgres.connect() as db:
            [(missing,)] = db.execute(
                f"SELECT count(*) FROM {SCHEMA}.files_storedfile f LEFT JOIN "
                f"{SCHEMA}.files_filepreview p ON p.file_id = f.id "
                "WHERE f.name = ANY(%s) AND p.file_id IS NULL",
                [recent],
            ).fetchall()
        return missing == 0

    wait_until(previewed, 60)

    with own_postgres.connect() as db:
        # A commit the fault cut off leaves its bytes until a worker settles them
        # (stored_file_settle, DATABASE_RETRY_AFTER_SECONDS later): waited for.
        with suppress(AssertionError):
            wait_until(lambda: not integrity_problems(db, SCHEMA, files_root, traffic.uploads), 60)
        assert integrity_problems(db, SCHEMA, files_root, traffic.uploads) == []
    settled = set(re.findall(r"stored_file_settle\[([\w-]+)\]", (logs / "worker.log").read_text()))
    print(f"Uploads whose COMMIT a fault cut off, settled by a task: {len(settled)}")
    verified = subprocess.run(
        [sys.executable, "manage.py", "verify_activity_log", "--schema", SCHEMA],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DATABASE_URL": own_postgres.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.django_db
def test_the_outage_page_in_a_browser(own_postgres, served):
    """A team member signed in when PostgreSQL stops sees "We'll be right back" on their next
    page, which fits a phone and a laptop and passes axe
    (docs/screenshots/database-unavailable-*.png); once it is back, the page is theirs again."""
    port = served[0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"http://{HOST}:{port}/auth/login/")
        page.get_by_label("Email").fill("staff@acme.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"http://{HOST}:{port}/")
        own_postgres.stop()
        try:
            response = page.reload()
            assert response.status == 503 and response.headers["retry-after"].isdigit()
            expect(page.get_by_role("heading", name="We'll be right back")).to_be_visible()
            expect(page.locator(".request-id code")).to_have_text(response.headers["x-request-id"])
            check_page(page, "database-unavailable")
        finally:
            own_postgres.start()
        assert page.reload().status == 200
        browser.close()
