"""Browser tests: the real app served by a subprocess, driven by a real Chromium.

How the pieces fit:

- ``live_url`` starts ``manage.py runserver`` once per session on a free port,
  pointed at pytest-django's test database, which already holds the session
  world (acme, globex, a spare schema). Its environment matches this process
  (TESTING, REDIS_URL, PLATFORM_DOMAIN) except PUBLIC_PORT, so the links it
  builds point back at itself. It stops before pytest-django drops the
  database, which a connected server would otherwise block.
- Nothing here runs inside pytest-django's per-test transaction: the server
  could not see into it, and what the server writes is committed. So
  ``restore_agencies`` puts agencies and the spare pool back after a test, and
  these tests run after all the others, which may count on the world as built
  (activity entries, for one, can never be deleted).
- Playwright's sync API keeps an asyncio loop marked as running in this thread
  for as long as it is started, and Django refuses ORM calls while a loop runs
  (SynchronousOnlyOperation). So Playwright lives only as long as this package,
  and the ORM work in between runs in a short-lived thread of its own.
"""

import socket
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.client import HTTPConnection
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django_tenants.utils import tenant_context
from playwright.sync_api import sync_playwright

from tenant_apps.files.storage import file_storage
from tenant_apps.onboarding.demo_data import AGENCIES
from tenant_apps.workspace.selectors import HEALTH_CACHE_KEY
from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tests.processes import app_process

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items):
    # A stable sort: each group keeps the order pytest-django gave it.
    browser_tests = Path(__file__).parent
    items.sort(key=lambda item: item.path.is_relative_to(browser_tests))


@pytest.fixture(autouse=True)
def db(django_db_setup):
    """Overrides pytest-django's ``db``: the test database, without a per-test transaction.

    pytest-django creates the test database only when some collected test asks
    for ``db`` by that name; without one (``pytest tests/browser``) the session
    world would be built in the development database instead.
    """


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(port: int) -> bool:
    # http.client, not urllib, so an http_proxy in the environment is never used.
    probe = HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        probe.request("GET", "/healthz", headers={"Host": settings.PLATFORM_DOMAIN})
        return probe.getresponse().status == 200
    except OSError:
        return False
    finally:
        probe.close()


@pytest.fixture(scope="session")
def live_url(django_db_setup, tmp_path_factory) -> Callable[..., str]:
    """``live_url("acme.localhost", "/path")``: an absolute URL on the running app."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("live_server") / "server.log"
    server = app_process(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        log_path,
        ready=lambda: _healthy(port),
        PUBLIC_PORT=str(port),
        # Announcements a test publishes show on the next page, not within the usual 30 s.
        ANNOUNCEMENTS_REFRESH_SECONDS="0",
    )
    with server:
        yield lambda host, path="/": f"http://{host}:{port}{path}"


def _with_database(django_db_blocker, work):
    """Run ``work`` with database access in a thread of its own, where no event loop runs.

    It autocommits, so what it writes is committed; its connection is closed
    after, so nothing keeps the test database open when pytest-django drops it.
    """

    def run():
        try:
            with django_db_blocker.unblock():
                return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(run).result()


@contextmanager
def _agencies_restored(django_db_blocker):
    """Afterwards, drop the agencies made meanwhile and refill the spare pool to its old size.

    A signup claims a spare schema by renaming it, so "made" means any live agency that was
    not live before, whether claimed from the pool or made new.
    """

    def snapshot():
        live = set(Agency.objects.live().values_list("pk", flat=True))
        return live, Agency.objects.spares().count()

    live_before, spares_before = _with_database(django_db_blocker, snapshot)
    yield

    def restore():
        for agency in Agency.objects.live().exclude(pk__in=live_before):
            agency.delete(force_drop=True)  # its Domain and Brand rows cascade
        schema_pool_fill(size=spares_before)

    _with_database(django_db_blocker, restore)


@pytest.fixture
def restore_agencies(django_db_blocker):
    """The agencies a test creates are dropped after it, and the spare pool refilled."""
    with _agencies_restored(django_db_blocker):
        yield


@pytest.fixture(scope="package")
def demo(django_db_blocker):
    """The demo agencies (seed_demo), seeded once for every browser test that reads them;
    afterwards their stored files go and the agencies are dropped."""

    def seed():
        call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
        for spec in AGENCIES:
            with tenant_context(Agency.objects.get(subdomain=spec.subdomain)):
                cache.delete(HEALTH_CACHE_KEY)  # none from an earlier run's agency

    def forget_files():
        storage = file_storage()
        for spec in AGENCIES:
            agency = Agency.objects.get(subdomain=spec.subdomain)
            for key, _ in storage.listing(agency.schema_name):
                storage.delete(key)

    with _agencies_restored(django_db_blocker):
        _with_database(django_db_blocker, seed)
        yield
        _with_database(django_db_blocker, forget_files)


@pytest.fixture(scope="package")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Opens pages in fresh browser profiles (no cookies), as many as a test needs.

    A script error, CSP violation, failed subresource or server error on any of
    them fails the test at teardown; a document's own 4xx is the test's business, and so is
    a document's 503 with ``Retry-After`` (a deliberate "back in a moment").
    """
    contexts, problems = [], []

    def on_console(message):
        text = message.text
        if (
            message.type == "error"
            and not text.startswith("Failed to load resource")  # reported by on_response
        ):
            problems.append(f"console: {text}")

    def on_response(response):
        document = response.request.resource_type == "document"
        come_back = document and response.status == 503 and "retry-after" in response.headers
        if (response.status >= 500 and not come_back) or (response.status >= 400 and not document):
            problems.append(f"HTTP {response.status}: {response.url}")

    def open_page(**context_options):  # e.g. locale="en-GB", timezone_id="Asia/Tokyo"
        context = browser.new_context(**context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"script: {error}"))
        page.on("response", on_response)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "The browser saw problems:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    return new_page()
